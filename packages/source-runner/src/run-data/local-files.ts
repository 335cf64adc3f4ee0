import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

// O_NOFOLLOW: a sidecar that is a symlink fails here (ELOOP) and goes through the guarded read,
// which names it. O_NONBLOCK: a FIFO cannot hang the open.
const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a small file in a directory already checked to lie inside the root
 * (`readdir` names: no separators), synchronously: four system calls, where
 * the guarded read (realpath, stat, open, fstat, read, close, each a trip
 * through the thread pool) costs six. Undefined when the file is not a
 * regular file, is over `maxBytes` (unless `head`), or anything fails: the
 * caller then reads it through the guard, which says why.
 */
export function readLocalFile(file: string, maxBytes: number, head = false): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, FLAGS);
    const info = fstatSync(fd);
    if (!info.isFile() || (!head && info.size > maxBytes)) return undefined;
    const size = head ? Math.min(info.size, maxBytes) : info.size;
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, bytes, filled, size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return bytes.subarray(0, filled);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
