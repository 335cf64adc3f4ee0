import { constants } from "node:fs";
import type { Stats } from "node:fs";
import { type FileHandle, open, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ScreenshotError } from "./errors.js";
import type { ScreenshotFile } from "./plugins.js";
import { ProblemReason } from "./problems.js";

/** Default largest screenshot read: 200 MiB. */
export const DEFAULT_MAX_SCREENSHOT_BYTES = 200 * 1024 * 1024;

export interface ScreenshotGuardOptions {
  /** Files larger than this are refused with `screenshot_too_large`. Default 200 MiB. */
  maxScreenshotBytes?: number;
}

/** Reads a screenshot by its reference, relative to the root the guard was made for. */
export type ScreenshotReader = (reference: string, allocate?: (size: number) => Buffer) => Promise<ScreenshotFile>;

// POSIX "/x", Windows "\x" (root of the current drive), UNC "\\server\share" and "//server/share".
const ROOTED = /^[/\\]/;
// "C:\x", "C:/x" and the drive-relative "C:x": all name a place outside the run directory.
const DRIVE = /^[A-Za-z]:/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:\/\//;

// O_NOFOLLOW: if the checked real path is swapped for a symlink before we open it, the open fails
// instead of following it. O_NONBLOCK: a FIFO planted in the run directory cannot hang the open.
// Neither exists on Windows, where they are 0.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Makes the one function every source uses to read screenshots, so that no
 * reference can leave `root`: absolute paths and `..` escapes are refused
 * before touching the disk, symlinks are resolved and must stay under the
 * root's real path, and the file opened is the checked real path.
 */
export function screenshotReader(root: string, options: ScreenshotGuardOptions = {}): ScreenshotReader {
  return screenshotGuard(root, options).read;
}

export interface ScreenshotGuard {
  read: ScreenshotReader;
  /** The same checks as `read`, without reading: the real path and the file's version stamp. */
  stamp(reference: string): Promise<{ path: string; stamp: string }>;
  /** The same checks as `read`, reading at most the first `length` bytes (an image's header). */
  head(reference: string, length: number): Promise<Buffer>;
}

/** `screenshotReader` plus a stamp check that shares its guard (for the pipeline's screenshot cache). */
export function screenshotGuard(root: string, options: ScreenshotGuardOptions = {}): ScreenshotGuard {
  const maxBytes = options.maxScreenshotBytes ?? DEFAULT_MAX_SCREENSHOT_BYTES;
  if (!(maxBytes >= 0)) throw new RangeError(`maxScreenshotBytes must be a non-negative number, got ${maxBytes}`);
  const absoluteRoot = path.resolve(root);
  let realRoot: Promise<string> | undefined;

  /** Every check that needs no open file: inside the root, through symlinks, a regular file, not too large. */
  const locate = async (reference: string) => {
    const relative = relativeInsideRoot(reference);
    realRoot ??= realpath(absoluteRoot);
    let rootPath: string;
    try {
      rootPath = await realRoot;
    } catch (e) {
      realRoot = undefined;
      throw new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: the screenshots root ${absoluteRoot} cannot be read (${codeOf(e)})`, { cause: e });
    }

    let realPath: string;
    try {
      realPath = await realpath(path.join(rootPath, ...relative));
    } catch (e) {
      throw new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: ${describeMissing(e)}`, { cause: e });
    }
    if (!isInside(rootPath, realPath)) {
      throw new ScreenshotError(ProblemReason.PathEscapesRoot, `${reference}: resolves (through a symlink) to ${realPath}, outside ${rootPath}; it was not read`);
    }

    // Stat before opening: never open a directory, FIFO or device.
    const info = await stat(realPath).catch((e: unknown) => {
      throw new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: ${describeMissing(e)}`, { cause: e });
    });
    checkRegularFile(reference, info, maxBytes);
    return { realPath, info };
  };

  /** Opens the checked real path and hands the open file, checked again, to `use`. */
  const withFile = async <T>(reference: string, use: (handle: FileHandle, info: Stats, realPath: string) => Promise<T>): Promise<T> => {
    const { realPath } = await locate(reference);
    let handle;
    try {
      handle = await open(realPath, OPEN_FLAGS);
    } catch (e) {
      throw new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: ${describeMissing(e)}`, { cause: e });
    }
    try {
      // Checked again on the open handle: the path may have changed since the stat.
      const opened = await handle.stat();
      checkRegularFile(reference, opened, maxBytes);
      return await use(handle, opened, realPath);
    } finally {
      await handle.close();
    }
  };

  const read: ScreenshotReader = (reference, allocate) =>
    withFile(reference, async (handle, opened, realPath) => ({ path: realPath, bytes: await readWhole(handle, opened.size, allocate), stamp: stampOf(opened), owned: true }));

  return {
    read,
    head: (reference, length) => withFile(reference, (handle, opened) => readWhole(handle, Math.min(opened.size, Math.max(0, length)))),
    async stamp(reference) {
      const { realPath, info } = await locate(reference);
      return { path: realPath, stamp: stampOf(info) };
    },
  };
}

/**
 * Reads the `size` bytes the open file's stat gave into a buffer of its
 * own (or one from `allocate`), usually in one read (a FileHandle's
 * readFile would stat it again and read once more to find the end). A file
 * cut short since the stat yields what is there; one that grew yields its
 * first `size` bytes, which its stamp (with that size) describes.
 */
async function readWhole(handle: FileHandle, size: number, allocate?: (size: number) => Buffer): Promise<Buffer> {
  // The caller's memory, or its own (never a slice of Node's shared pool): the pipeline takes it back when done.
  const bytes = allocate ? allocate(size) : Buffer.allocUnsafeSlow(size);
  if (bytes.length !== size) throw new RangeError(`allocate(${size}) gave ${bytes.length} bytes`);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
    if (bytesRead === 0) return bytes.subarray(0, filled);
    filled += bytesRead;
  }
  return bytes;
}

/**
 * A file's version: the same stamp means the same bytes unless something rewrote it within one mtime tick, keeping its size.
 * Built with join, which makes one flat string: a template literal leaves a tree of nine string pieces (~300 bytes),
 * and the pipeline keeps a stamp for every screenshot of the run.
 */
export function stampOf(info: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return [info.dev, info.ino, info.size, info.mtimeMs, info.ctimeMs].join(":");
}

/**
 * Checks a reference without touching the disk and returns its segments.
 * Windows separators are accepted (a runner on Windows writes them).
 */
function relativeInsideRoot(reference: string): string[] {
  if (typeof reference !== "string" || reference.length === 0) {
    throw new ScreenshotError(ProblemReason.ScreenshotMissing, `screenshot reference ${JSON.stringify(reference)} is empty`);
  }
  if (reference.includes("\0")) {
    throw new ScreenshotError(ProblemReason.ScreenshotMissing, `screenshot reference ${JSON.stringify(reference)} contains a NUL character`);
  }
  if (ROOTED.test(reference) || DRIVE.test(reference) || URL_SCHEME.test(reference)) {
    throw new ScreenshotError(
      ProblemReason.PathEscapesRoot,
      `${reference}: absolute paths are refused; a screenshot_reference must be relative to the run directory`,
    );
  }
  const segments: string[] = [];
  for (const segment of reference.replace(/\\/g, "/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) {
        throw new ScreenshotError(ProblemReason.PathEscapesRoot, `${reference}: ".." leads outside the run directory; it was not read`);
      }
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return segments;
}

function checkRegularFile(reference: string, info: { isFile(): boolean; isDirectory(): boolean; size: number }, maxBytes: number): void {
  if (info.isDirectory()) throw new ScreenshotError(ProblemReason.ScreenshotCorrupt, `${reference}: is a directory, not an image file`);
  if (!info.isFile()) throw new ScreenshotError(ProblemReason.ScreenshotCorrupt, `${reference}: is not a regular file (FIFO, socket or device)`);
  if (info.size > maxBytes) throw tooLarge(reference, info.size, maxBytes);
}

function tooLarge(reference: string, size: number, maxBytes: number): ScreenshotError {
  return new ScreenshotError(
    ProblemReason.ScreenshotTooLarge,
    `${reference}: ${size} bytes, over the limit of ${maxBytes} bytes (raise maxScreenshotBytes if this is a real screenshot)`,
  );
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  if (rel === "") return true;
  // Absolute: another drive on Windows.
  if (path.isAbsolute(rel)) return false;
  // "..x" is a file name inside the root; ".." and "../x" are outside.
  return rel !== ".." && !rel.startsWith(`..${path.sep}`);
}

function describeMissing(e: unknown): string {
  switch (codeOf(e)) {
    case "ENOENT":
      return "no such file";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "ELOOP":
      return "too many symlinks (a symlink loop?)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return (e as Error).message;
  }
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? "unknown error";
}
