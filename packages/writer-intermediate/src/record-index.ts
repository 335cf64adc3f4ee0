import crypto from "node:crypto";
import { promises as fs } from "node:fs";

/**
 * The record index: which records and images the manifest already holds, so
 * that an export into a large dataset costs time proportional to its batch.
 * It is this tool's bookkeeping (`.qontinui/records.idx`), derived from
 * manifest.jsonl and rebuilt from it whenever the two disagree.
 *
 * Fixed 24-byte entries, one per manifest line:
 *   0..8   first 8 bytes of sha256(record key)
 *   8..16  the image id (16 hex = 8 bytes)
 *   16     flags: 1 = record had a match_summary, 2 = record had a click
 *   17     reserved
 *   18..24 byte offset of the entry's line in manifest.jsonl (uint48)
 *
 * Entries are appended BEFORE their manifest lines, so the index always
 * covers the manifest; on open, entries whose offset is at or past the
 * manifest's end (a crash between the two writes) are cut off.
 */
export const INDEX_ENTRY_SIZE = 24;
export const FLAG_MATCH = 1;
export const FLAG_CLICK = 2;

/** An open-addressing set of 64-bit values held as two uint32 halves: 100k entries load in milliseconds. */
class U64Set {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used: Uint8Array;
  size = 0;
  constructor(capacity = 1024) {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.used = new Uint8Array(n);
  }
  private slot(hi: number, lo: number): number {
    const mask = this.used.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.used[i] && (this.hi[i] !== hi || this.lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }
  has(hi: number, lo: number): boolean {
    return this.used[this.slot(hi, lo)] === 1;
  }
  /** Returns false when already present. */
  add(hi: number, lo: number): boolean {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const i = this.slot(hi, lo);
    if (this.used[i]) return false;
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    return true;
  }
  private grow(): void {
    const { hi, lo, used } = this;
    const n = used.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.add(hi[i]!, lo[i]!);
  }
}

// crypto.hash (Node 20.12+): one call, no Hash object per record; createHash on older Node 20.
const hashOnce = (crypto as { hash?: (algorithm: string, data: string, encoding: "buffer") => Buffer }).hash;

export function keyHash(key: string): Buffer {
  return (hashOnce ? hashOnce("sha256", key, "buffer") : crypto.createHash("sha256").update(key).digest()).subarray(0, 8);
}

export function imageIdBytes(id: string): Buffer {
  return Buffer.from(id, "hex");
}

export interface IndexCounts {
  entries: number;
  images: number;
  withMatches: number;
  withClicks: number;
}

export class RecordIndex {
  private readonly keys: U64Set;
  private readonly images: U64Set;
  private matches = 0;
  private clicks = 0;
  private entries = 0;

  constructor(capacity = 0) {
    this.keys = new U64Set(capacity);
    this.images = new U64Set(capacity);
  }

  /** Loads entries from an index file's bytes (whole entries only). */
  static fromBuffer(buf: Buffer): RecordIndex {
    const n = Math.floor(buf.length / INDEX_ENTRY_SIZE);
    const index = new RecordIndex(n);
    // Plain byte arithmetic: readUInt32BE's argument checks cost more than the hashing on 100k entries.
    const u32 = (o: number) => ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
    for (let o = 0; o < n * INDEX_ENTRY_SIZE; o += INDEX_ENTRY_SIZE) {
      index.addRaw(u32(o), u32(o + 4), u32(o + 8), u32(o + 12), buf[o + 16]!);
    }
    return index;
  }

  private addRaw(k1: number, k2: number, i1: number, i2: number, flags: number): void {
    this.keys.add(k1, k2);
    this.images.add(i1, i2);
    this.entries++;
    if (flags & FLAG_MATCH) this.matches++;
    if (flags & FLAG_CLICK) this.clicks++;
  }

  hasKey(hash: Buffer): boolean {
    return this.keys.has(hash.readUInt32BE(0), hash.readUInt32BE(4));
  }

  hasImage(id: Buffer): boolean {
    return this.images.has(id.readUInt32BE(0), id.readUInt32BE(4));
  }

  /** Adds an entry and returns its 24 bytes, to append to the index file. */
  add(hash: Buffer, imageId: Buffer, flags: number, manifestOffset: number): Buffer {
    this.addRaw(hash.readUInt32BE(0), hash.readUInt32BE(4), imageId.readUInt32BE(0), imageId.readUInt32BE(4), flags);
    return encodeEntry(hash, imageId, flags, manifestOffset);
  }

  counts(): IndexCounts {
    return { entries: this.entries, images: this.images.size, withMatches: this.matches, withClicks: this.clicks };
  }
}

export function encodeEntry(hash: Buffer, imageId: Buffer, flags: number, manifestOffset: number): Buffer {
  const e = Buffer.alloc(INDEX_ENTRY_SIZE);
  hash.copy(e, 0, 0, 8);
  imageId.copy(e, 8, 0, 8);
  e[16] = flags;
  e.writeUIntBE(manifestOffset, 18, 6);
  return e;
}

/** Offset field of the entry at `i`. */
export function entryOffset(buf: Buffer, i: number): number {
  return buf.readUIntBE(i * INDEX_ENTRY_SIZE + 18, 6);
}

export async function readFileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
