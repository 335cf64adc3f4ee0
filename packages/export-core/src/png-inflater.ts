import { Worker } from "node:worker_threads";
import zlib from "node:zlib";

/** The rows of one pass of a PNG (one pass unless Adam7-interlaced): how many, and their length with the filter byte. */
export interface RowPlan {
  rows: number;
  stride: number;
}

/** What inflating a PNG's data gave: its length (up to what the header needs), or where it broke. */
export interface InflateCount {
  bytes: number;
  error?: string;
  badFilter?: { row: number; value: number };
}

/**
 * Inflates `data` into one reused buffer, counting the bytes and checking each row's filter byte,
 * until `expected` bytes came or the data ended or broke. It drives the zlib handle under Node's
 * inflateSync (`_handle.writeSync`, `_writeState`), the loop inflateSync runs, but without the new
 * buffer inflateSync (and every zlib stream) allocates for each chunk and concatenates: measured on
 * 1920×1080 screenshots, 1.6 ms of CPU an image against 7.6 ms through a stream, most of which was the
 * garbage collector chasing the chunks. Returns undefined where that handle is not there (another
 * Node): the caller inflates through a stream instead. Never calls the handle again after an error
 * (which closes it). Self-contained (no outer names): it is also the worker's source text.
 */
export function countInflatedRows(z: typeof zlib, data: Buffer, expected: number, passes: RowPlan[], out: Buffer): InflateCount | undefined {
  const inflate = new z.Inflate({ chunkSize: 64 }) as unknown as {
    _handle?: { writeSync?: (flush: number, input: Buffer, inOff: number, inLen: number, output: Buffer, outOff: number, outLen: number) => void };
    _writeState?: Uint32Array;
    errored?: Error | null;
    on(event: "error", listener: () => void): void;
    close(): void;
  };
  const handle = inflate._handle;
  const state = inflate._writeState;
  if (!handle || typeof handle.writeSync !== "function" || !(state instanceof Uint32Array)) {
    inflate.close();
    return undefined;
  }
  // An error closes the handle and is emitted later: seen here by the handle being gone.
  inflate.on("error", () => {});
  let bytes = 0;
  let inOff = 0;
  let inLen = data.length;
  let pass = 0;
  let rowInPass = 0;
  let nextRow = 0;
  let row = 0;
  try {
    while (bytes < expected) {
      handle.writeSync(z.constants.Z_NO_FLUSH, data, inOff, inLen, out, 0, out.length);
      if (inflate._handle !== handle) return { bytes, error: inflate.errored?.message ?? "invalid compressed data" };
      const start = bytes;
      bytes += out.length - state[0]!;
      while (pass < passes.length && nextRow < bytes) {
        const value = out[nextRow - start]!;
        if (value > 4) return { bytes, badFilter: { row, value } };
        nextRow += passes[pass]!.stride;
        row++;
        if (++rowInPass === passes[pass]!.rows) {
          pass++;
          rowInPass = 0;
        }
      }
      inOff += inLen - state[1]!;
      inLen = state[1]!;
      // Room left in the output: the input is used up, or the stream ended.
      if (state[0] !== 0) break;
    }
    return { bytes };
  } finally {
    if (inflate._handle === handle) inflate.close();
  }
}

const OUT_BYTES = 256 * 1024;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const zlib = require("node:zlib");
const countInflatedRows = ${countInflatedRows.toString()};
const out = Buffer.allocUnsafe(${OUT_BYTES});
parentPort.on("message", ({ id, data, expected, passes }) => {
  let result;
  try {
    result = countInflatedRows(zlib, Buffer.from(data.buffer, data.byteOffset, data.byteLength), expected, passes, out);
  } catch (e) {
    result = undefined;
  }
  parentPort.postMessage({ id, result });
});`;

/**
 * One worker thread that inflates PNG data for the whole process: the export's main thread only
 * copies the compressed bytes over (~0.3 MB a screenshot) and gets a count back. Started on first
 * use, kept for the process, holding it open only while a count is asked for. Resolves undefined
 * when it cannot count (no worker threads, the handle not there): the caller inflates in process.
 */
class PngInflater {
  private worker: Worker | undefined;
  private broken = false;
  private readonly pending = new Map<number, (result: InflateCount | undefined) => void>();
  private nextId = 0;

  count(parts: readonly Uint8Array[], expected: number, passes: RowPlan[]): Promise<InflateCount | undefined> {
    const worker = this.start();
    if (!worker) return Promise.resolve(undefined);
    // The chunks' data joined in a copy of its own (the screenshot's bytes are lent), moved to the worker, not copied again.
    let length = 0;
    for (const p of parts) length += p.length;
    const copy = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      copy.set(p, at);
      at += p.length;
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, data: copy, expected, passes }, [copy.buffer]);
    });
  }

  private start(): Worker | undefined {
    if (this.broken) return undefined;
    if (this.worker) return this.worker;
    try {
      this.worker = new Worker(WORKER_SOURCE, { eval: true });
    } catch {
      this.broken = true;
      return undefined;
    }
    this.worker.unref();
    this.worker.on("message", ({ id, result }: { id: number; result: InflateCount | undefined }) => {
      const resolve = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker?.unref();
      resolve?.(result);
    });
    this.worker.on("error", () => this.fail());
    this.worker.on("exit", () => this.fail());
    return this.worker;
  }

  private fail(): void {
    this.broken = true;
    this.worker = undefined;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }
}

// One: on two cores the export's main thread takes one, and a second worker only takes from it.
const inflater = new PngInflater();

/** The worker's count alone (undefined where it cannot count): for tests. */
export function countInWorker(data: Buffer, expected: number, passes: RowPlan[]): Promise<InflateCount | undefined> {
  return inflater.count([data], expected, passes);
}

/**
 * Counts what a PNG's data inflates to (see countInflatedRows), off the calling thread: in the
 * process's inflating worker, else through a zlib stream in libuv's thread pool.
 */
export async function countPngData(parts: readonly Buffer[], expected: number, passes: RowPlan[]): Promise<InflateCount> {
  return (await inflater.count(parts, expected, passes)) ?? inflateThroughStream(parts.length === 1 ? parts[0]! : Buffer.concat(parts), expected, passes);
}

/** The same count through a zlib stream (libuv's thread pool): where the worker cannot count. */
function inflateThroughStream(data: Buffer, expected: number, passes: RowPlan[]): Promise<InflateCount> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflate({ chunkSize: OUT_BYTES });
    let bytes = 0;
    let settled = false;
    let nextRow = 0;
    let row = 0;
    let pass = 0;
    let rowInPass = 0;
    const finish = (result: InflateCount) => {
      if (settled) return;
      settled = true;
      inflate.removeAllListeners("data");
      inflate.destroy();
      resolve(result);
    };
    inflate.on("data", (chunk: Buffer) => {
      const start = bytes;
      bytes += chunk.length;
      while (pass < passes.length && nextRow < bytes) {
        const value = chunk[nextRow - start]!;
        if (value > 4) return finish({ bytes, badFilter: { row, value } });
        nextRow += passes[pass]!.stride;
        row++;
        if (++rowInPass === passes[pass]!.rows) {
          pass++;
          rowInPass = 0;
        }
      }
      if (bytes >= expected) finish({ bytes });
    });
    inflate.on("error", (e: Error) => finish({ bytes, error: e.message }));
    inflate.on("end", () => finish({ bytes }));
    inflate.end(data);
  });
}
