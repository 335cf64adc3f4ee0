import { promises as fs, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { crc32, deflateRawSync } from "node:zlib";

/**
 * A small streaming ZIP writer (APPNOTE 6.3.x subset): stored and deflated
 * entries, ZIP64 where a size or an offset needs it, nothing else (no
 * encryption, no data descriptors, no comments). Written for the web ZIP:
 *
 * - streaming: a file entry is copied through one reused 1 MiB buffer, so
 *   memory does not grow with the entry or the archive; its CRC is computed on
 *   the way and patched into the local header afterwards (positional writes on
 *   the output file, which is why the archive is a file and not a stream);
 * - exact sizes: the caller knows the archive's size before each entry (for
 *   the shard cap), see `storedEntryBytes` and `END_RECORD_MAX_BYTES`;
 * - deterministic: every entry has the same fixed time (1980-01-01 00:00, the
 *   DOS epoch), the same attributes and "made by"; the same inputs give the
 *   same bytes.
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_EXTRA_ID = 0x0001;

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const STORED = 0;
const DEFLATED = 8;
/** 2.0: deflate; 4.5: ZIP64. */
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** "Made by" Unix (3), spec 4.5: external attributes are Unix modes. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
/** Regular file, rw-r--r--. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
/** DOS date of 1980-01-01 (year 0, month 1, day 1); time 00:00:00. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
/** Local ZIP64 extra: id, size, uncompressed and compressed size. */
const LOCAL_ZIP64_EXTRA_BYTES = 4 + 16;
/** Central ZIP64 extra at its largest: id, size, both sizes and the offset. */
const CENTRAL_ZIP64_EXTRA_MAX_BYTES = 4 + 24;
const END_RECORD_BYTES = 22;
const ZIP64_END_RECORD_BYTES = 56;
const ZIP64_LOCATOR_BYTES = 20;

/** The most the end of an archive takes (ZIP64 end record, its locator, the classic end record). */
export const END_RECORD_MAX_BYTES = ZIP64_END_RECORD_BYTES + ZIP64_LOCATOR_BYTES + END_RECORD_BYTES;

const COPY_CHUNK = 1 << 20;

/** The most a stored entry of `size` bytes named `name` adds to an archive (headers, data, directory entry), ZIP64 counted in. */
export function storedEntryBytes(name: string, size: number): number {
  const n = Buffer.byteLength(name);
  return LOCAL_HEADER_BYTES + n + LOCAL_ZIP64_EXTRA_BYTES + size + CENTRAL_HEADER_BYTES + n + CENTRAL_ZIP64_EXTRA_MAX_BYTES;
}

/** An entry's source file could not be read whole (missing, unreadable, or its size changed while it was copied). */
export class ZipSourceError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = "ZipSourceError";
  }
}

interface CentralEntry {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

export interface ZipWriterOptions {
  /**
   * Write ZIP64 fields for every entry and the end record even where the
   * classic fields would do. For tests of the ZIP64 layout without writing
   * 4 GiB; readers accept it (the values are in the ZIP64 extra fields).
   */
  forceZip64?: boolean;
}

/** Position in an archive to go back to (`rollback`) when an entry could not be written whole. */
export interface ZipMark {
  offset: number;
  entries: number;
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private centralBytes = 0;
  private readonly copyBuffer = Buffer.allocUnsafe(COPY_CHUNK);
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly options: ZipWriterOptions,
  ) {}

  /** Creates `file` (which must not exist: the caller passes a fresh temp path). */
  static async create(file: string, options: ZipWriterOptions = {}): Promise<ZipWriter> {
    return new ZipWriter(file, await fs.open(file, "wx"), options);
  }

  /** Bytes the archive holds so far (entries only; the central directory and end record come at `finish`). */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Bytes the central directory will take for the entries so far. */
  get centralDirectoryBytes(): number {
    return this.centralBytes;
  }

  get entryCount(): number {
    return this.entries.length;
  }

  mark(): ZipMark {
    return { offset: this.offset, entries: this.entries.length };
  }

  /** Forgets the entries written since `mark` (their bytes are overwritten by what comes next, or cut at `finish`). */
  rollback(mark: ZipMark): void {
    for (const e of this.entries.splice(mark.entries)) this.centralBytes -= this.centralEntryBytes(e);
    this.offset = mark.offset;
  }

  /** Adds an in-memory entry; `compress` deflates it when that makes it smaller. */
  async addBuffer(name: string, data: Buffer, options: { compress?: boolean } = {}): Promise<void> {
    let method = STORED;
    let body = data;
    if (options.compress && data.length > 0) {
      const deflated = deflateRawSync(data, { level: 9 });
      if (deflated.length < data.length) {
        method = DEFLATED;
        body = deflated;
      }
    }
    const entry: CentralEntry = { name: Buffer.from(name, "utf8"), method, crc: crc32(data), compressedSize: body.length, size: data.length, offset: this.offset };
    const header = this.localHeader(entry);
    await this.write(header);
    await this.write(body);
    this.push(entry);
  }

  /**
   * Adds a file's bytes, stored, streamed through one buffer. `stat` is the
   * file's stat taken by the caller (its size decides the header); a file
   * whose size differs from it once read, or that cannot be read, throws
   * ZipSourceError, after which the caller rolls back to its mark (an error
   * writing the archive is thrown as it is).
   */
  async addFile(name: string, file: string, stat?: Stats): Promise<number> {
    const readFailed = (e: unknown) => new ZipSourceError(file, `${file} cannot be read: ${(e as Error).message}`);
    let source: FileHandle;
    try {
      source = await fs.open(file, "r");
    } catch (e) {
      throw readFailed(e);
    }
    try {
      let size: number;
      try {
        size = (stat ?? (await source.stat())).size;
      } catch (e) {
        throw readFailed(e);
      }
      const entry: CentralEntry = { name: Buffer.from(name, "utf8"), method: STORED, crc: 0, compressedSize: size, size, offset: this.offset };
      await this.write(this.localHeader(entry));
      let crc = 0;
      let copied = 0;
      for (;;) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await source.read(this.copyBuffer, 0, COPY_CHUNK, null));
        } catch (e) {
          throw readFailed(e);
        }
        if (bytesRead === 0) break;
        copied += bytesRead;
        if (copied > size) break;
        const chunk = this.copyBuffer.subarray(0, bytesRead);
        crc = crc32(chunk, crc);
        await this.write(chunk);
      }
      if (copied !== size) throw new ZipSourceError(file, `${file} changed while it was copied into the ZIP (expected ${size} bytes, read ${copied})`);
      entry.crc = crc;
      // The CRC is the only header field not known before the copy: patch it in place (offset 14).
      const patch = Buffer.alloc(4);
      patch.writeUInt32LE(crc >>> 0, 0);
      await this.handle.write(patch, 0, 4, entry.offset + 14);
      this.push(entry);
      return size;
    } finally {
      await source.close().catch(() => {});
    }
  }

  /** Writes the central directory and the end record(s), flushes the file to disk, closes it. Returns the archive's size. */
  async finish(): Promise<number> {
    const cdOffset = this.offset;
    for (const e of this.entries) await this.write(this.centralHeader(e));
    const cdSize = this.offset - cdOffset;
    const count = this.entries.length;
    const zip64End = this.options.forceZip64 === true || count >= U16_MAX || cdSize >= U32_MAX || cdOffset >= U32_MAX;
    if (zip64End) {
      const record = Buffer.alloc(ZIP64_END_RECORD_BYTES);
      record.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY, 0);
      record.writeBigUInt64LE(BigInt(ZIP64_END_RECORD_BYTES - 12), 4);
      record.writeUInt16LE(MADE_BY, 12);
      record.writeUInt16LE(VERSION_ZIP64, 14);
      record.writeUInt32LE(0, 16); // this disk
      record.writeUInt32LE(0, 20); // disk of the central directory
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(cdSize), 40);
      record.writeBigUInt64LE(BigInt(cdOffset), 48);
      const recordOffset = this.offset;
      await this.write(record);
      const locator = Buffer.alloc(ZIP64_LOCATOR_BYTES);
      locator.writeUInt32LE(ZIP64_END_LOCATOR, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(recordOffset), 8);
      locator.writeUInt32LE(1, 16); // one disk
      await this.write(locator);
    }
    const end = Buffer.alloc(END_RECORD_BYTES);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(zip64End ? U16_MAX : count, 8);
    end.writeUInt16LE(zip64End ? U16_MAX : count, 10);
    end.writeUInt32LE(zip64End ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(zip64End ? U32_MAX : cdOffset, 16);
    end.writeUInt16LE(0, 20); // no comment
    await this.write(end);
    // Bytes past the end are left by a rollback after the last entry: cut them.
    await this.handle.truncate(this.offset);
    await this.handle.sync();
    await this.handle.close();
    this.closed = true;
    return this.offset;
  }

  /** Closes the file without finishing it (the caller removes it). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => {});
  }

  private async write(data: Buffer): Promise<void> {
    let at = 0;
    while (at < data.length) {
      const { bytesWritten } = await this.handle.write(data, at, data.length - at, this.offset + at);
      at += bytesWritten;
    }
    this.offset += data.length;
  }

  private push(entry: CentralEntry): void {
    this.entries.push(entry);
    this.centralBytes += this.centralEntryBytes(entry);
  }

  private sizesNeedZip64(e: CentralEntry): boolean {
    return this.options.forceZip64 === true || e.size >= U32_MAX || e.compressedSize >= U32_MAX;
  }

  private offsetNeedsZip64(e: CentralEntry): boolean {
    return this.options.forceZip64 === true || e.offset >= U32_MAX;
  }

  private centralExtraBytes(e: CentralEntry): number {
    const fields = (this.sizesNeedZip64(e) ? 2 : 0) + (this.offsetNeedsZip64(e) ? 1 : 0);
    return fields === 0 ? 0 : 4 + 8 * fields;
  }

  private centralEntryBytes(e: CentralEntry): number {
    return CENTRAL_HEADER_BYTES + e.name.length + this.centralExtraBytes(e);
  }

  private localHeader(e: CentralEntry): Buffer {
    const zip64 = this.sizesNeedZip64(e);
    const extra = zip64 ? LOCAL_ZIP64_EXTRA_BYTES : 0;
    const b = Buffer.alloc(LOCAL_HEADER_BYTES + e.name.length + extra);
    b.writeUInt32LE(LOCAL_HEADER, 0);
    writeCommonFields(b, 4, e, zip64 || this.offsetNeedsZip64(e), zip64, extra);
    e.name.copy(b, LOCAL_HEADER_BYTES);
    if (zip64) {
      const at = LOCAL_HEADER_BYTES + e.name.length;
      b.writeUInt16LE(ZIP64_EXTRA_ID, at);
      b.writeUInt16LE(16, at + 2);
      b.writeBigUInt64LE(BigInt(e.size), at + 4);
      b.writeBigUInt64LE(BigInt(e.compressedSize), at + 12);
    }
    return b;
  }

  private centralHeader(e: CentralEntry): Buffer {
    const sizes64 = this.sizesNeedZip64(e);
    const offset64 = this.offsetNeedsZip64(e);
    const extra = this.centralExtraBytes(e);
    const b = Buffer.alloc(CENTRAL_HEADER_BYTES + e.name.length + extra);
    b.writeUInt32LE(CENTRAL_HEADER, 0);
    b.writeUInt16LE(MADE_BY, 4);
    writeCommonFields(b, 6, e, sizes64 || offset64, sizes64, extra);
    b.writeUInt16LE(0, 32); // comment length
    b.writeUInt16LE(0, 34); // disk number start
    b.writeUInt16LE(0, 36); // internal attributes
    b.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    b.writeUInt32LE(offset64 ? U32_MAX : e.offset, 42);
    e.name.copy(b, CENTRAL_HEADER_BYTES);
    if (extra > 0) {
      let at = CENTRAL_HEADER_BYTES + e.name.length;
      b.writeUInt16LE(ZIP64_EXTRA_ID, at);
      b.writeUInt16LE(extra - 4, at + 2);
      at += 4;
      // Only the fields whose classic value is 0xFFFFFFFF, in this order.
      if (sizes64) {
        b.writeBigUInt64LE(BigInt(e.size), at);
        b.writeBigUInt64LE(BigInt(e.compressedSize), at + 8);
        at += 16;
      }
      if (offset64) b.writeBigUInt64LE(BigInt(e.offset), at);
    }
    return b;
  }
}

/**
 * The fields a local and a central header share, in the same order (version needed to extract,
 * flags, method, time, date, CRC, sizes, name length, extra length: 26 bytes), written at `at`.
 * Sizes over 4 GiB are in the ZIP64 extra field; here they read 0xFFFFFFFF.
 */
function writeCommonFields(b: Buffer, at: number, e: CentralEntry, zip64Version: boolean, sizes64: boolean, extra: number): void {
  b.writeUInt16LE(zip64Version ? VERSION_ZIP64 : VERSION_DEFAULT, at);
  b.writeUInt16LE(0, at + 2); // flags: names are ASCII, sizes are in the header
  b.writeUInt16LE(e.method, at + 4);
  b.writeUInt16LE(DOS_TIME, at + 6);
  b.writeUInt16LE(DOS_DATE, at + 8);
  b.writeUInt32LE(e.crc >>> 0, at + 10);
  b.writeUInt32LE(sizes64 ? U32_MAX : e.compressedSize, at + 14);
  b.writeUInt32LE(sizes64 ? U32_MAX : e.size, at + 18);
  b.writeUInt16LE(e.name.length, at + 22);
  b.writeUInt16LE(extra, at + 24);
}
