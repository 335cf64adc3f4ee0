import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import { appendWhole } from "@qontinui/export-core";
import type { DatasetPaths } from "@qontinui/intermediate-format";

/** Lines and index entries handed over by one flush, written together. */
export interface ManifestGroup {
  entries: Buffer;
  text: string;
}

/**
 * manifest.jsonl and its record index file (`.qontinui/records.idx`), both
 * append-only. Lines and their index entries wait in memory until a flush
 * takes them as one group; a group's index entries are written before its
 * lines, so the index may run ahead of the manifest (cut back on open), never
 * behind. Each is appended whole or not at all (appendWhole): a disk that
 * fills mid-append leaves both files as they were before the group, and the
 * log refuses further groups (the export fails; the next open checks the
 * dataset, see closed-state.ts).
 */
export class ManifestLog {
  /** Bytes of whole lines, on disk and waiting: the offset the next line gets. */
  size = 0;
  /** Bytes of the manifest and of the index on disk. */
  private manifestBytes = 0;
  private indexBytes = 0;
  /** SHA-256 of the index file's bytes so far, for the closed state. */
  private indexHash = crypto.createHash("sha256");
  private failed: unknown;
  private lines: string[] = [];
  private entries: Buffer[] = [];
  private manifest: fs.FileHandle | undefined;
  private indexFile: fs.FileHandle | undefined;

  constructor(
    private readonly paths: DatasetPaths,
    private readonly note: (message: string) => void,
  ) {}

  /** Cuts a torn last line (a crash mid-append); the manifest's whole size becomes `size`. */
  async repairTail(): Promise<void> {
    this.size = await this.cutTornLine();
  }

  private async cutTornLine(): Promise<number> {
    const file = this.paths.manifest;
    let stat;
    try {
      stat = await fs.stat(file);
    } catch {
      return 0;
    }
    if (stat.size === 0) return 0;
    const h = await fs.open(file, "r+");
    try {
      const chunk = 64 * 1024;
      let end = stat.size;
      // Find the last newline from the end.
      while (end > 0) {
        const start = Math.max(0, end - chunk);
        const buf = Buffer.alloc(end - start);
        await h.read(buf, 0, buf.length, start);
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0) {
          const whole = start + nl + 1;
          if (whole !== stat.size) {
            // Quoted in the message: its first bytes only (a torn line may be any length).
            const torn = Buffer.alloc(Math.min(200, stat.size - whole));
            await h.read(torn, 0, torn.length, whole);
            await h.truncate(whole);
            this.note(
              `manifest.jsonl ended in a torn line (${stat.size - whole} bytes, a crash mid-write): cut it; that record is exported again when its run is exported again. Torn text: ${JSON.stringify(torn.toString("utf8").slice(0, 200))}`,
            );
          }
          return whole;
        }
        if (start === 0) break;
        end = start;
      }
      await h.truncate(0);
      this.note(`manifest.jsonl held only a torn line (${stat.size} bytes): cut it`);
      return 0;
    } finally {
      await h.close();
    }
  }

  /** Opens both files for appending, `index` being the index file's bytes (after recovery, which may have rewritten it). */
  async openForAppend(index: Buffer): Promise<void> {
    this.indexFile = await fs.open(this.paths.index, "a");
    this.manifest = await fs.open(this.paths.manifest, "a");
    this.indexBytes = (await this.indexFile.stat()).size;
    this.manifestBytes = (await this.manifest.stat()).size;
    if (this.indexBytes !== index.length || this.manifestBytes !== this.size) {
      throw new Error(`intermediate writer: ${this.paths.index} or ${this.paths.manifest} changed while the dataset was being opened`);
    }
    this.indexHash.update(index);
  }

  /** What the closed state records of these files: the manifest's length, the index's length and SHA-256. */
  closedState(): { manifest_bytes: number; index_bytes: number; index_sha256: string } {
    return { manifest_bytes: this.manifestBytes, index_bytes: this.indexBytes, index_sha256: this.indexHash.copy().digest("hex") };
  }

  /** Queues a line and its index entry (which must name offset `size`, taken before this call). */
  append(line: string, indexEntry: Buffer): void {
    this.entries.push(indexEntry);
    this.lines.push(line);
    this.size += Buffer.byteLength(line);
  }

  /** Lines waiting for a flush. */
  get waiting(): number {
    return this.lines.length;
  }

  /** Takes the waiting lines and entries as one group. */
  take(): ManifestGroup {
    const group = { entries: Buffer.concat(this.entries), text: this.lines.join("") };
    this.lines = [];
    this.entries = [];
    return group;
  }

  async write(group: ManifestGroup): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    if (group.text === "") return;
    try {
      // Index first: it may run ahead of the manifest (trimmed on open), never behind.
      await appendWhole(this.indexFile!, group.entries, this.indexBytes);
      try {
        await appendWhole(this.manifest!, group.text, this.manifestBytes);
      } catch (e) {
        // The group's entries go too: the two files stay as they were before the group.
        await this.indexFile!.truncate(this.indexBytes).catch(() => {});
        throw e;
      }
    } catch (e) {
      this.failed = e;
      throw e;
    }
    this.indexBytes += group.entries.length;
    this.indexHash.update(group.entries);
    this.manifestBytes += Buffer.byteLength(group.text);
  }

  async sync(): Promise<void> {
    await this.manifest?.sync();
  }

  async close(): Promise<void> {
    await this.manifest?.close();
    await this.indexFile?.close();
  }
}
