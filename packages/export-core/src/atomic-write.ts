import { randomBytes } from "node:crypto";
import { closeSync, openSync, promises as fs, renameSync, rmSync, writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";

/** Temp files are named `.<name>.<random>.tmp` next to their target, so recovery can find and remove them. */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

// Random suffixes are taken from a block filled at once: one call into the RNG per 1,024 temp names.
const SUFFIX_BYTES = 6;
let suffixPool = Buffer.alloc(0);
let suffixAt = 0;

export function tempPathFor(target: string): string {
  if (suffixAt + SUFFIX_BYTES > suffixPool.length) {
    suffixPool = randomBytes(SUFFIX_BYTES * 1024);
    suffixAt = 0;
  }
  const suffix = suffixPool.toString("hex", suffixAt, suffixAt + SUFFIX_BYTES);
  suffixAt += SUFFIX_BYTES;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}.tmp`);
}

/**
 * Writes a file whole or not at all: the data goes to a temp file in the same
 * directory, is flushed, and is renamed over the target. A crash leaves either
 * the old file or the new one, plus at most a temp file that recovery removes.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { fsync?: boolean } = {}): Promise<void> {
  const tmp = tempPathFor(target);
  const handle = await fs.open(tmp, "wx");
  try {
    await handle.writeFile(data);
    if (options.fsync) await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * `writeFileAtomic` done synchronously: open, write, close and rename as four
 * system calls on this thread. For the many small files of a dataset (an
 * image, an annotation file) written into the page cache: there each call
 * takes microseconds, where the same four through libuv's thread pool cost
 * the export's main thread several times that in promises, wake-ups and
 * callbacks. Not for large files or slow (network) filesystems, where a
 * blocked thread would stall everything else the process does. `temp`: a
 * temp file (named by tempPathFor, in the target's directory) to write
 * through instead of a new one.
 */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, options: { temp?: string } = {}): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const tmp = options.temp ?? tempPathFor(target);
  // A temp file given is the caller's own, made ahead and empty (see the intermediate writer's spare temp
  // files): opened as it is, truncated. One made here must not exist yet.
  const fd = openSync(tmp, options.temp ? "w" : "wx");
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Copies a file whole or not at all, cloning (copy-on-write) where the filesystem can. */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await fs.copyFile(source, tmp, fs.constants.COPYFILE_FICLONE);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Appends all of `data` to a file open for appending whose length is `size`, or none of it. A
 * write(2) may write less than asked without an error (a disk that fills mid-write): the rest is
 * written by further calls, and when one fails the file is cut back to `size`, so an append-only
 * file (a manifest, an index, a journal) never keeps half a record in front of the next append.
 */
export async function appendWhole(handle: FileHandle, data: string | Uint8Array, size: number): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  let at = 0;
  try {
    while (at < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
      if (bytesWritten <= 0) throw Object.assign(new Error("write(2) wrote nothing (a full disk?)"), { code: "ENOSPC" });
      at += bytesWritten;
    }
  } catch (e) {
    if (at > 0) await handle.truncate(size).catch(() => {});
    throw e;
  }
}
