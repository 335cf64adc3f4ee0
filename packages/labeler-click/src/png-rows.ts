import zlib from "node:zlib";
import type { Raster } from "./raster.js";

/** An 8-bit RGB or RGBA, non-interlaced PNG without a colour profile: what screenshot tools write. */
export interface PngLayout {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA). */
  channels: 3 | 4;
  /** The IDAT chunks' data, one zlib stream. */
  compressed: Buffer[];
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The layout of a PNG this package decodes itself, or undefined for any other
 * image (another format, a palette, greyscale, 16 bits, interlacing, an ICC
 * profile that sharp would convert with): sharp decodes those. Does not check
 * CRCs; a malformed chunk list gives undefined (and sharp reports the error).
 */
export function pngLayout(bytes: Uint8Array): PngLayout | undefined {
  if (bytes.length < 33 || !SIGNATURE.equals(bytes.subarray(0, 8))) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let channels: 3 | 4 | undefined;
  const compressed: Buffer[] = [];
  for (let o = 8; o + 12 <= bytes.length; ) {
    const length = view.getUint32(o);
    const type = String.fromCharCode(bytes[o + 4]!, bytes[o + 5]!, bytes[o + 6]!, bytes[o + 7]!);
    const data = o + 8;
    if (data + length + 4 > bytes.length) return undefined;
    if (o === 8) {
      if (type !== "IHDR" || length < 13) return undefined;
      width = view.getUint32(data);
      height = view.getUint32(data + 4);
      const depth = bytes[data + 8];
      const colourType = bytes[data + 9];
      const interlace = bytes[data + 12];
      if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6) || width === 0 || height === 0) return undefined;
      channels = colourType === 2 ? 3 : 4;
    } else if (type === "iCCP") return undefined;
    else if (type === "IDAT") compressed.push(Buffer.from(bytes.buffer, bytes.byteOffset + data, length));
    else if (type === "IEND") break;
    o = data + length + 4;
  }
  if (!channels || compressed.length === 0) return undefined;
  return { width, height, channels, compressed };
}

/** Bytes of memory a PNG takes while decoded: its compressed data, and its scanlines (and a spare byte). */
export function pngMemory(layout: PngLayout): { input: number; raw: number } {
  return { input: layout.compressed.reduce((t, c) => t + c.length, 0), raw: (1 + layout.width * layout.channels) * layout.height + 1 };
}

/** Memory a PngRows works in, handed back (`release`) once no row handed out is in use: reused for the next screenshot. */
export interface RowMemory {
  input: Buffer;
  raw: Buffer;
  /** A zlib stream left mid-way by the last screenshot, reset for the next: a new one costs more than its inflating. */
  inflate?: zlib.Inflate;
}

/** The PngRows a pooled zlib stream currently works for (its listeners are attached once). */
const OWNER = Symbol("PngRows owner");
type OwnedInflate = zlib.Inflate & { [OWNER]?: PngRows };

function ownedInflate(reused: zlib.Inflate | undefined, owner: PngRows): OwnedInflate {
  let stream = reused as OwnedInflate | undefined;
  if (stream) stream.reset();
  else {
    const created: OwnedInflate = zlib.createInflate();
    created.on("data", (chunk: Buffer) => created[OWNER]?.received(chunk));
    created.on("error", (e: Error) => created[OWNER]?.failed(e));
    created.on("end", () => created[OWNER]?.endedData());
    stream = created;
  }
  stream[OWNER] = owner;
  return stream;
}

/**
 * Input handed to zlib at a time: the share of the compressed data the rows asked for take in the image, a
 * little more (rows differ in how well they compress), at least `MIN_PIECE` bytes. Each piece costs a round
 * trip to the thread pool, each byte beyond the rows asked for costs inflating.
 */
const AHEAD = 1.15;
const MIN_PIECE = 8 * 1024;

interface Waiter {
  rows: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The pixels of a PNG (see pngLayout), decoded as far down as they are asked
 * for: its zlib stream is inflated on libuv's thread pool, off the thread
 * that analyses clicks, a piece of input at a time (about as much as the rows
 * asked for need), straight into one buffer
 * of scanlines, and left idle once every request is served (a later request
 * lower down goes on from there); a row is unfiltered in place when a request
 * first covers it (rows above only as far as its filter depends on them).
 * Rows are handed out where they lie (a Raster over the scanlines: no copy,
 * no conversion to RGB). Works in memory it is lent and hands back: fresh
 * memory costs a page fault per 4 KiB touched, more than the decoding.
 */
export class PngRows {
  readonly width: number;
  readonly height: number;
  private readonly channels: 3 | 4;
  private readonly stride: number;
  /** Inflated scanlines (filter byte + pixels), written by zlib; unfiltered in place row by row. */
  private readonly raw: Buffer;
  /** Per row: 1 once unfiltered. */
  private readonly state: Uint8Array;
  private inflated = 0;
  private readonly waiting: Waiter[] = [];
  private readonly stream: OwnedInflate;
  private readonly input: Buffer;
  private consumed = 0;
  private writing = false;
  private scheduled = false;
  private failure: Error | undefined;
  private ended = false;
  private closed = false;
  private released = false;

  constructor(
    layout: PngLayout,
    memory: RowMemory,
    private readonly release: (memory: RowMemory) => void = () => {},
  ) {
    this.width = layout.width;
    this.height = layout.height;
    this.channels = layout.channels;
    this.stride = 1 + layout.width * layout.channels;
    const need = pngMemory(layout);
    this.raw = memory.raw.subarray(0, need.raw);
    this.state = new Uint8Array(layout.height);
    // A copy of its own: the screenshot's bytes may be let go while inflating is idle.
    this.input = memory.input.subarray(0, need.input);
    let at = 0;
    for (const c of layout.compressed) at += c.copy(this.input, at);
    this.stream = ownedInflate(memory.inflate, this);
    // Inflate straight into the lent scanline buffer (one spare byte, so zlib never asks for another): no copy, no
    // fresh pages. These are zlib streams' output fields; should they change, `received` copies what comes instead.
    const internals = this.stream as unknown as { _outBuffer: Buffer; _outOffset: number; _chunkSize: number };
    internals._outBuffer = this.raw;
    internals._outOffset = 0;
    internals._chunkSize = this.raw.length;
  }

  /** Rows inflated so far. */
  get rowsInflated(): number {
    return Math.min(this.height, Math.floor(this.inflated / this.stride));
  }

  /** Full-width rows [y0, y1) (inside the image). Rejects when the data is corrupt or ends early. */
  async rows(y0: number, y1: number): Promise<Raster> {
    if (this.rowsInflated < y1) {
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error(`PNG data ends after ${this.rowsInflated} of ${this.height} rows`);
      await new Promise<void>((resolve, reject) => {
        this.waiting.push({ rows: y1, resolve, reject });
        // After this turn: the clicks on this screenshot asked for together (the pipeline labels its records
        // together) are served by one piece of input, as far as the lowest of them needs.
        if (!this.writing && !this.scheduled) {
          this.scheduled = true;
          setImmediate(() => {
            this.scheduled = false;
            if (!this.writing && this.waiting.length) this.writeNext();
          });
        }
      });
    }
    for (let y = y0; y < y1; y++) if (this.state[y] === 0) this.unfilterFrom(y);
    const { stride, width, height, channels } = this;
    return { left: 0, top: y0, width, height: y1 - y0, data: this.raw, origin: y0 * stride + 1, rowBytes: stride, pixelBytes: channels, imageWidth: width, imageHeight: height };
  }

  /** No more requests will come: the memory is handed back once the ones made are served. */
  close(): void {
    this.closed = true;
    this.settle();
  }

  /** The next piece of input to zlib, while rows are waited for. */
  private writeNext(): void {
    if (this.failure || this.ended) return;
    if (this.consumed >= this.input.length) {
      this.writing = true;
      this.stream.end();
      return;
    }
    const rows = this.waiting.reduce((most, w) => Math.max(most, w.rows), 0);
    const share = Math.ceil((this.input.length * rows * AHEAD) / this.height);
    const piece = this.input.subarray(this.consumed, this.consumed + Math.max(MIN_PIECE, share - this.consumed));
    this.consumed += piece.length;
    this.writing = true;
    this.stream.write(piece, () => {
      this.writing = false;
      if (this.waiting.length) this.writeNext();
      else this.settle();
    });
  }

  /** The zlib stream's data, error and end (see ownedInflate). */
  received(chunk: Buffer): void {
    const n = Math.min(this.raw.length - this.inflated, chunk.length);
    if (chunk.buffer !== this.raw.buffer || chunk.byteOffset !== this.raw.byteOffset + this.inflated) chunk.copy(this.raw, this.inflated, 0, n);
    this.inflated += n;
    const rows = this.rowsInflated;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (w.rows > rows) continue;
      this.waiting.splice(i, 1);
      w.resolve();
    }
  }

  failed(e: Error): void {
    this.fail(e);
  }

  endedData(): void {
    this.ended = true;
    if (this.waiting.length) this.fail(new Error(`PNG data ends after ${this.rowsInflated} of ${this.height} rows`));
    this.settle();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    this.settle();
  }

  /** Once closed and nothing is waited for or being inflated: the stream is freed, and the memory handed back after the requests just served have used it. */
  private settle(): void {
    if (!this.closed || this.released || this.waiting.length || (this.writing && !this.ended && !this.failure)) return;
    this.released = true;
    // A stream stopped mid-way (between pieces of input) serves the next screenshot; one that ended or failed does not.
    const reusable = !this.ended && !this.failure && !this.writing;
    this.stream[OWNER] = undefined;
    if (!reusable) this.stream.destroy();
    setImmediate(() => this.release({ input: this.input, raw: this.raw, ...(reusable ? { inflate: this.stream } : {}) }));
  }

  /** Unfilters row y, and the rows above it that its filter needs. */
  private unfilterFrom(y: number): void {
    let top = y;
    // Up, Average and Paeth read the row above, unfiltered: climb to one that is, or needs none.
    while (top > 0 && this.state[top] === 0 && this.raw[top * this.stride]! >= 2 && this.state[top - 1] === 0) top--;
    for (let k = top; k <= y; k++) if (this.state[k] === 0) this.unfilter(k);
  }

  private unfilter(y: number): void {
    const { raw, stride, channels: bpp } = this;
    const start = y * stride;
    const filter = raw[start]!;
    const row = start + 1;
    const end = start + stride;
    if (filter === 1) {
      for (let i = row + bpp; i < end; i++) raw[i] = raw[i]! + raw[i - bpp]!;
    } else if (filter === 2) {
      if (y > 0) for (let i = row; i < end; i++) raw[i] = raw[i]! + raw[i - stride]!;
    } else if (filter === 3) {
      for (let i = row; i < end; i++) {
        const left = i - bpp >= row ? raw[i - bpp]! : 0;
        const above = y > 0 ? raw[i - stride]! : 0;
        raw[i] = raw[i]! + ((left + above) >> 1);
      }
    } else if (filter === 4) {
      for (let i = row; i < end; i++) {
        const hasLeft = i - bpp >= row;
        const a = hasLeft ? raw[i - bpp]! : 0;
        const b = y > 0 ? raw[i - stride]! : 0;
        const c = hasLeft && y > 0 ? raw[i - bpp - stride]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        raw[i] = raw[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    } else if (filter !== 0) throw new Error(`PNG row ${y} has unknown filter type ${filter}`);
    this.state[y] = 1;
  }
}
