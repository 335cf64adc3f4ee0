import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from "node:fs";
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
  /**
   * Read every file through libuv's thread pool (several at once), never with system calls on the
   * calling thread. By default files are read on the calling thread while they come at page-cache
   * speed; set this where a blocked thread costs more than it saves (a slow network mount).
   */
  readInThreadPool?: boolean;
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
 * root's real path, the file opened is the checked real path, and after the
 * open the open file itself is checked (where the kernel says it is, Linux's
 * /proc/self/fd: inside the root), so a directory swapped for a symlink
 * between the check and the open leaks nothing. Files are
 * read with system calls on the calling thread while they come at page-cache
 * speed (the usual case: a runner's screenshots were just written), and
 * through libuv's thread pool, several at once, for a while after one did not.
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

/**
 * Reading on the calling thread pays while files come from the page cache. The guard keeps a
 * moving average of what each synchronous read took beyond copying its bytes; when it passes
 * SLOW_READ_MS (files come from the disk, not a one-off pause of the thread), the next
 * ASYNC_READS_AFTER_SLOW reads go through libuv's thread pool, several at once, before the
 * calling thread tries again.
 */
const SLOW_READ_MS = 3;
const ASYNC_READS_AFTER_SLOW = 32;

/** A read's time beyond copying its bytes at page-cache speed (~1 GB/s here, counted low). */
function overheadMs(ms: number, bytes: number): number {
  return Math.max(0, ms - bytes / 1_000_000);
}

/** `screenshotReader` plus a stamp check that shares its guard (for the pipeline's screenshot cache). */
export function screenshotGuard(root: string, options: ScreenshotGuardOptions = {}): ScreenshotGuard {
  const maxBytes = options.maxScreenshotBytes ?? DEFAULT_MAX_SCREENSHOT_BYTES;
  if (!(maxBytes >= 0)) throw new RangeError(`maxScreenshotBytes must be a non-negative number, got ${maxBytes}`);
  const absoluteRoot = path.resolve(root);
  let realRoot: Promise<string> | undefined;
  // Reads left to do through the pool before trying on this thread again, and the moving average.
  let asyncReads = options.readInThreadPool ? Number.POSITIVE_INFINITY : 0;
  let averageOverheadMs = 0;

  const rootPathOf = async (reference: string): Promise<string> => {
    realRoot ??= realpath(absoluteRoot);
    try {
      return await realRoot;
    } catch (e) {
      realRoot = undefined;
      throw new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: the screenshots root ${absoluteRoot} cannot be read (${codeOf(e)})`, { cause: e });
    }
  };

  const checkInside = (reference: string, rootPath: string, realPath: string) => {
    if (!isInside(rootPath, realPath)) {
      throw new ScreenshotError(ProblemReason.PathEscapesRoot, `${reference}: resolves (through a symlink) to ${realPath}, outside ${rootPath}; it was not read`);
    }
  };

  /** Every check that needs no open file: inside the root, through symlinks, a regular file, not too large. */
  const locate = async (reference: string) => {
    const relative = relativeInsideRoot(reference);
    const rootPath = await rootPathOf(reference);
    const requested = path.join(rootPath, ...relative);
    const realPath = await realpath(requested).catch((e: unknown) => {
      throw missing(reference, e);
    });
    checkInside(reference, rootPath, realPath);
    // Stat before opening: never open a directory, FIFO or device.
    const info = await stat(realPath).catch((e: unknown) => {
      throw missing(reference, e);
    });
    checkRegularFile(reference, info, maxBytes);
    // The same string when no symlink was followed (the usual case): one string kept, not two.
    return { realPath, info, rootPath, requested: requested === realPath ? realPath : requested };
  };

  /** Opens the checked real path and hands the open file, checked again, to `use`. */
  const withFile = async <T>(reference: string, use: (handle: FileHandle, info: Stats, realPath: string, requested: string) => Promise<T>): Promise<T> => {
    const { realPath, requested, rootPath } = await locate(reference);
    let handle;
    try {
      handle = await open(realPath, OPEN_FLAGS);
    } catch (e) {
      throw missing(reference, e);
    }
    try {
      // Checked again on the open handle: the path may have changed since the stat (a directory
      // of it swapped for a symlink out of the root, between the check and the open).
      const opened = await handle.stat();
      checkOpened(reference, rootPath, realPath, handle.fd, opened, maxBytes);
      return await use(handle, opened, realPath, requested);
    } finally {
      await handle.close();
    }
  };

  const fileOf = (realPath: string, requested: string, bytes: Buffer, opened: Stats): ScreenshotFile => ({
    path: realPath,
    bytes,
    stamp: stampOf(opened),
    owned: true,
    unchanged: unchangedSince(requested, opened),
  });

  const readInPool: ScreenshotReader = (reference, allocate) =>
    withFile(reference, async (handle, opened, realPath, requested) => fileOf(realPath, requested, await readWhole(handle, opened.size, allocate), opened));

  /**
   * The same checks and reads as readInPool, as system calls on this thread: a screenshot in the
   * page cache (one the runner just wrote, or read before) takes a fraction of a millisecond that
   * way, where six calls through the thread pool cost the export's main thread more than that in
   * promises and wake-ups, and the export waited for them.
   */
  const readHere = (reference: string, relative: string[], rootPath: string, allocate?: (size: number) => Buffer): ScreenshotFile => {
    const requested = path.join(rootPath, ...relative);
    let realPath: string;
    let fd: number;
    try {
      realPath = realpathSync.native(requested);
      checkInside(reference, rootPath, realPath);
      // Stat before opening: never open a directory, FIFO or device.
      checkRegularFile(reference, statSync(realPath), maxBytes);
      fd = openSync(realPath, OPEN_FLAGS);
    } catch (e) {
      throw e instanceof ScreenshotError ? e : missing(reference, e);
    }
    try {
      // Checked again on the open file: the path may have changed since the stat.
      const opened = fstatSync(fd);
      checkOpened(reference, rootPath, realPath, fd, opened, maxBytes);
      return fileOf(realPath, requested === realPath ? realPath : requested, readWholeHere(fd, opened.size, allocate), opened);
    } finally {
      closeSync(fd);
    }
  };

  // Synchronously while files come from the page cache; through the pool for a while after one did not.
  const read: ScreenshotReader = async (reference, allocate) => {
    if (asyncReads > 0) {
      asyncReads--;
      return readInPool(reference, allocate);
    }
    const relative = relativeInsideRoot(reference);
    const rootPath = await rootPathOf(reference);
    const started = performance.now();
    const file = readHere(reference, relative, rootPath, allocate);
    averageOverheadMs = 0.75 * averageOverheadMs + 0.25 * overheadMs(performance.now() - started, file.bytes.length);
    if (averageOverheadMs > SLOW_READ_MS) {
      asyncReads = ASYNC_READS_AFTER_SLOW;
      averageOverheadMs = 0;
    }
    return file;
  };

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
 * Where an open file is, as the kernel says (Linux: the link /proc/self/fd/<fd>), or undefined
 * where it cannot be asked (no /proc: macOS, Windows, a container without it). Asking is a system
 * call answered from the kernel's own tables (no disk), microseconds.
 */
let procFdWorks: boolean | undefined;
function openedPath(fd: number): string | undefined {
  if (procFdWorks === false) return undefined;
  try {
    const where = readlinkSync(`/proc/self/fd/${fd}`);
    procFdWorks = true;
    return where;
  } catch {
    procFdWorks ??= false;
    return undefined;
  }
}

/**
 * The checks on the file actually opened, after the open: every path check before it (realpath,
 * inside the root, a regular file) is of a path, and a directory of that path may have been swapped
 * for a symlink out of the root in between (O_NOFOLLOW guards the last component only). Where the
 * kernel can say where the open file is, that place must be inside the root; elsewhere the open
 * file must be the one the checked path names now (same device and inode), which narrows the race
 * to a second swap back within microseconds.
 */
function checkOpened(reference: string, rootPath: string, realPath: string, fd: number, opened: Stats, maxBytes: number): void {
  checkRegularFile(reference, opened, maxBytes);
  const where = openedPath(fd);
  if (where !== undefined) {
    // A file unlinked since the open reads "<path> (deleted)": still the path it was opened at.
    const at = where.endsWith(" (deleted)") ? where.slice(0, -" (deleted)".length) : where;
    if (!isInside(rootPath, at)) throw escaped(reference, at, rootPath);
    return;
  }
  let now: Stats | undefined;
  let real = realPath;
  try {
    real = realpathSync.native(realPath);
    now = statSync(real);
  } catch {
    now = undefined;
  }
  if (!now || !isInside(rootPath, real) || now.dev !== opened.dev || now.ino !== opened.ino) throw escaped(reference, real, rootPath);
}

function escaped(reference: string, where: string, rootPath: string): ScreenshotError {
  return new ScreenshotError(
    ProblemReason.PathEscapesRoot,
    `${reference}: the file opened is ${where}, outside ${rootPath} (a directory of the path was replaced by a symlink while it was read); it was not read`,
  );
}

function missing(reference: string, e: unknown): ScreenshotError {
  return new ScreenshotError(ProblemReason.ScreenshotMissing, `${reference}: ${describeMissing(e)}`, { cause: e });
}

/** readWhole with synchronous reads. */
function readWholeHere(fd: number, size: number, allocate?: (size: number) => Buffer): Buffer {
  const bytes = allocate ? allocate(size) : Buffer.allocUnsafeSlow(size);
  if (bytes.length !== size) throw new RangeError(`allocate(${size}) gave ${bytes.length} bytes`);
  let filled = 0;
  while (filled < size) {
    const n = readSync(fd, bytes, filled, size - filled, filled);
    if (n === 0) return bytes.subarray(0, filled);
    filled += n;
  }
  return bytes;
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
 * ScreenshotFile.unchanged of the guard's reads: whether whatever `file` names now (symlinks
 * followed, as the guarded read followed them) is the file that read opened, unchanged, by one
 * synchronous stat compared field by field with the open file's (no string built per record). No
 * realpath, no open: the same device and inode is the very file the read checked and hashed, and
 * the same size, mtime and ctime mean it was not written since (within one timestamp tick); anything
 * else (changed, replaced, gone, now a symlink elsewhere) is false, and the reference is then
 * resolved again through the whole guard. Sound against a directory of the path swapped for a
 * symlink out of the root: the stat follows it, and what it finds there is another inode unless it is
 * the very file the read opened and checked (a hard link of it), whose bytes are the ones hashed; no
 * byte is read here, and a re-read goes through the whole guard. Synchronous because the file's inode is in the kernel's
 * caches: a stat there costs microseconds, where a promise through libuv's thread pool cost the
 * pipeline ~0.1 ms of its main thread per record.
 */
function unchangedSince(file: string, read: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): () => boolean {
  const { dev, ino, size, mtimeMs, ctimeMs } = read;
  return () => {
    try {
      const now = statSync(file, { throwIfNoEntry: false });
      return now !== undefined && now.isFile() && now.ino === ino && now.dev === dev && now.size === size && now.mtimeMs === mtimeMs && now.ctimeMs === ctimeMs;
    } catch {
      return false;
    }
  };
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
