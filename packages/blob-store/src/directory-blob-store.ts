import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { type BlobInfo, BlobDigestError, type BlobStore, BlobNotFoundError, checkBlobKey, type PutResult } from "./blob-store.js";
import { sha256Hex } from "./sha256.js";

export { sha256Hex };

const TEMP_DIR = ".tmp";
/** A temp file untouched this long belongs to a writer that was killed (a live one writes a blob in seconds). */
export const STALE_TEMP_MS = 60 * 60 * 1000;

export interface DirectoryBlobStoreOptions {
  /** Age after which a file in `<root>/.tmp/` is a killed writer's leftover, removed by the first `put` (default 1 hour). */
  staleTempMs?: number;
}

/**
 * Blobs in a directory any number of processes (or machines, on a shared
 * file system with hard links) write at once: `<root>/<key[0..2]>/<key>`.
 * A blob is written into `<root>/.tmp/` and hard-linked into place, so it
 * appears whole or not at all, and of two writers of the same bytes exactly
 * one creates it.
 */
export class DirectoryBlobStore implements BlobStore {
  readonly location: string;
  private readonly staleTempMs: number;
  private swept: Promise<unknown> | undefined;

  constructor(
    readonly root: string,
    options: DirectoryBlobStoreOptions = {},
  ) {
    this.location = path.resolve(root);
    this.staleTempMs = options.staleTempMs ?? STALE_TEMP_MS;
  }

  private file(key: string): string {
    checkBlobKey(key);
    return path.join(this.location, key.slice(0, 2), key);
  }

  async put(bytes: Uint8Array, key?: string): Promise<PutResult> {
    const actual = sha256Hex(bytes);
    if (key !== undefined && checkBlobKey(key) !== actual) throw new BlobDigestError(key, actual, "put refused: the bytes hash to another key");
    const target = this.file(actual);
    if (await this.touch(target)) return { key: actual, created: false };
    this.swept ??= this.sweepTemp().catch(() => undefined);
    await this.swept;
    // A second round only when a sweep by another process took this writer's temp file (it was paused for longer than staleTempMs).
    for (let round = 1; ; round++) {
      const tempDir = path.join(this.location, TEMP_DIR);
      await fs.mkdir(tempDir, { recursive: true });
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temp = path.join(tempDir, `${actual}.${randomBytes(6).toString("hex")}`);
      const handle = await fs.open(temp, "wx", 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        for (;;) {
          try {
            await fs.link(temp, target);
            await syncDirectory(path.dirname(target));
            return { key: actual, created: true };
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            if (await this.touch(target)) return { key: actual, created: false };
            // Another writer created it and someone deleted it since: link ours.
          }
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" && round < 2) continue;
        throw e;
      } finally {
        await fs.rm(temp, { force: true });
      }
    }
  }

  /**
   * Removes files in `<root>/.tmp/` older than `olderThanMs` (default the
   * store's `staleTempMs`): what writers killed in the middle of a `put` left.
   * Returns how many it removed. The first `put` of a store runs it once.
   */
  async sweepTemp(olderThanMs = this.staleTempMs): Promise<number> {
    const tempDir = path.join(this.location, TEMP_DIR);
    let names: string[];
    try {
      names = await fs.readdir(tempDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw e;
    }
    const before = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      const file = path.join(tempDir, name);
      try {
        const st = await fs.lstat(file);
        if (!st.isFile() || st.mtimeMs > before) continue;
        await fs.unlink(file);
        removed++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    return removed;
  }

  /** Refreshes a stored blob's mtime; false when there is none. */
  private async touch(file: string): Promise<boolean> {
    const now = new Date();
    try {
      await fs.utimes(file, now, now);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await fs.access(this.file(key));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(key, this.location);
      throw e;
    }
  }

  async localFile(key: string): Promise<string> {
    const file = this.file(key);
    if (!(await this.has(key))) throw new BlobNotFoundError(key, this.location);
    return file;
  }

  async *list(): AsyncIterable<BlobInfo> {
    let shards: string[];
    try {
      shards = await fs.readdir(this.location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const shard of shards.sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of (await fs.readdir(path.join(this.location, shard))).sort()) {
        if (!name.startsWith(shard) || !/^[0-9a-f]{64}$/.test(name)) continue;
        try {
          const st = await fs.stat(path.join(this.location, shard, name));
          yield { key: name, size: st.size, modified: st.mtime };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}

/** Makes a new directory entry durable (a blob a database row names must survive a power cut); a no-op where directories cannot be synced. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM" && code !== "EBADF") throw e;
  } finally {
    await handle?.close();
  }
}
