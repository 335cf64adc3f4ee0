import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { checkImageDataHere, type ImageDataResult, inspectImageData } from "./image-data-check.js";
import type { ImageFormat } from "./image-format.js";
import { grainBytes, MemoryFreeList } from "./memory-free-list.js";
import { countInflatedCopy, countInflatedRows } from "./png-inflate.js";

const OUT_BYTES = 256 * 1024;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const zlib = require("node:zlib");
const countInflatedRows = ${countInflatedRows.toString()};
const countInflatedCopy = ${countInflatedCopy.toString()};
const inspectImageData = ${inspectImageData.toString()};
const out = Buffer.allocUnsafe(${OUT_BYTES});
const count = (parts, expected, passes) => countInflatedRows(zlib, parts, expected, passes, out) ?? countInflatedCopy(zlib, Buffer.concat(parts), expected, passes);
parentPort.on("message", ({ id, memory, length, format }) => {
  let reply;
  try {
    reply = { id, data: inspectImageData(zlib.crc32, Buffer.from(memory, 0, length), format, count) };
  } catch {
    reply = { id, failed: true };
  }
  parentPort.postMessage(reply);
});`;

/**
 * A worker thread running inspectImageData on the bytes it is handed in shared memory. Started on
 * first use, kept for the process, holding it open only while a check is asked for. Resolves
 * undefined when it cannot answer (no worker threads, the worker died).
 */
class CheckThread {
  private worker: Worker | undefined;
  broken = false;
  private readonly pending = new Map<number, (result: ImageDataResult | undefined) => void>();
  private nextId = 0;

  /** Checks asked for and not answered yet. */
  get load(): number {
    return this.pending.size;
  }

  /** Whether its worker has started (and not died). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  check(memory: SharedArrayBuffer, length: number, format: ImageFormat): Promise<ImageDataResult | undefined> {
    const worker = this.start();
    if (!worker) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, memory, length, format });
    });
  }

  start(): Worker | undefined {
    if (this.broken) return undefined;
    if (this.worker) return this.worker;
    try {
      this.worker = new Worker(WORKER_SOURCE, { eval: true });
    } catch {
      this.broken = true;
      return undefined;
    }
    this.worker.on("message", ({ id, failed, data }: { id: number; failed?: boolean; data?: ImageDataResult }) => {
      const resolve = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker?.unref();
      resolve?.(failed ? undefined : data);
    });
    this.worker.on("error", () => this.fail());
    this.worker.on("exit", () => this.fail());
    // After the listeners: adding a 'message' listener refs the worker again (a thread started
    // ahead by startImageCheck and never asked to check would keep the process from exiting).
    this.worker.unref();
    return this.worker;
  }

  private fail(): void {
    this.broken = true;
    this.worker = undefined;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }
}

/**
 * How many threads check image data: one on two cores or fewer, where a second one only took from the
 * export's main thread (figure 7 by turns: 1.02 s with one, 1.22 s with two); with more cores, the
 * cores less two (one for the main thread, one for libuv's pool and V8), at most 4: a full-colour
 * 1920×1080 PNG takes ~2 ms to inflate, so one thread holds an export of many distinct screenshots
 * to ~500 a second. `QONTINUI_CHECK_THREADS` (1-16) overrides it.
 */
export function checkThreadCount(cores = availableParallelism(), override = process.env.QONTINUI_CHECK_THREADS): number {
  const asked = Number(override);
  if (override !== undefined && override !== "" && Number.isInteger(asked) && asked >= 1 && asked <= 16) return asked;
  return cores <= 2 ? 1 : Math.min(4, cores - 2);
}

/**
 * The process's image-checking threads, started as checks wait: a check goes to an idle started
 * thread, else to a new one while there are fewer than checkThreadCount(), else to the least busy.
 * The main thread only copies the bytes into shared memory kept for the next screenshot (a new
 * buffer per screenshot cost it ~0.7 ms each in page faults on the bench's VM) and gets a verdict back.
 */
const checkThreads: CheckThread[] = [];
let maxCheckThreads: number | undefined;
// SharedArrayBuffers reused from one screenshot to the next (at most 8 / 16 MiB kept).
const sharedMemory = new MemoryFreeList<SharedArrayBuffer>(8, 16 * 1024 * 1024);

function pickCheckThread(): CheckThread | undefined {
  maxCheckThreads ??= checkThreadCount();
  let best: CheckThread | undefined;
  for (const t of checkThreads) {
    if (t.broken) continue;
    if (t.started && t.load === 0) return t;
    if (!best || t.load < best.load) best = t;
  }
  if (checkThreads.length < maxCheckThreads) {
    const t = new CheckThread();
    checkThreads.push(t);
    return t;
  }
  return best;
}

/**
 * Starts an image-checking thread now, if none runs, so that the first screenshot to check does not
 * wait for one to start (~80-110 ms of a new process on the bench's machine: the thread's own start-up
 * and compiling the check). The thread does not keep the process alive. runPipeline calls it first
 * thing when it checks image data; a tool that knows earlier can too.
 */
export function startImageCheck(): void {
  if (checkThreads.some((t) => t.started || t.broken)) return;
  pickCheckThread()?.start();
}

/** The image-checking threads started in this process (tests). */
export function startedCheckThreads(): number {
  return checkThreads.filter((t) => t.started).length;
}

/**
 * Whether an image's data is whole enough to decode (see inspectImageData for what is checked):
 * in one of the process's image-checking threads, which gets a copy of the bytes; where none can start, on
 * this thread.
 */
export async function checkImageData(bytes: Buffer, format: ImageFormat): Promise<ImageDataResult> {
  let result: ImageDataResult | undefined;
  const thread = pickCheckThread();
  if (thread) {
    const memory = sharedMemory.take(bytes.length) ?? new SharedArrayBuffer(grainBytes(bytes.length));
    new Uint8Array(memory, 0, bytes.length).set(bytes);
    try {
      result = await thread.check(memory, bytes.length, format);
    } finally {
      sharedMemory.give(memory);
    }
  }
  return result ?? checkImageDataHere(bytes, format);
}
