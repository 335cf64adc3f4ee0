import { Worker } from "node:worker_threads";
import type { ResolvedImage } from "@qontinui/export-core";
import type { ClickAnalyser } from "./click-analyser.js";
import type { Inference } from "./element-inference.js";
import { PixelDecodeError } from "./screenshot-pixels.js";

/** What the main thread sends: one screenshot and the clicks on it asked for in one turn. */
export interface AnalysisRequest {
  id: number;
  sha256: string;
  width: number;
  height: number;
  bytes: Uint8Array;
  clicks: [number, number][];
}

/** What a worker answers. */
export type AnalysisReply = { id: number; results: Inference[] } | { id: number; error: string; decode: boolean };

interface Batch {
  image: ResolvedImage;
  clicks: [number, number][];
  waiting: { resolve: (i: Inference) => void; reject: (e: unknown) => void }[];
}

interface Thread {
  worker: Worker;
  busy: number;
}

/** Workers are ended after this long without work, so a labeler left behind keeps no thread alive. */
const IDLE_MS = 1000;

/**
 * The analysis on worker threads, so the export's own work keeps the main
 * thread: the clicks on one screenshot asked for in the same turn of the
 * event loop (the pipeline labels a screenshot's records together) go to one
 * worker in one message with a copy of the bytes; the worker decodes the
 * screenshot once for them and analyses each.
 */
export class AnalysisThreads implements ClickAnalyser {
  private readonly threads: Thread[] = [];
  private readonly batches = new Map<string, Batch>();
  private readonly pending = new Map<number, { batch: Batch; thread: Thread }>();
  private scheduled = false;
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly script: string,
    private readonly size: number,
  ) {}

  analyse(image: ResolvedImage, x: number, y: number): Promise<Inference> {
    return new Promise((resolve, reject) => {
      const key = image.sha256 || image.id;
      let batch = this.batches.get(key);
      if (!batch) {
        batch = { image, clicks: [], waiting: [] };
        this.batches.set(key, batch);
      }
      batch.clicks.push([x, y]);
      batch.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // The bytes stay valid: every waiting label call holds them until it settles.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.idle) clearTimeout(this.idle);
    for (const batch of this.batches.values()) {
      const thread = this.thread();
      const id = this.nextId++;
      this.pending.set(id, { batch, thread });
      // A worker with work keeps the process alive (an unreferenced one lets it exit while a label call waits).
      if (thread.busy++ === 0) thread.worker.ref();
      const { image } = batch;
      // A copy of its own, moved to the worker: the pipeline takes the screenshot's memory back once labelled.
      const bytes = new Uint8Array(image.bytes);
      const request: AnalysisRequest = { id, sha256: image.sha256, width: image.width, height: image.height, bytes, clicks: batch.clicks };
      thread.worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
    }
    this.batches.clear();
  }

  /** The least busy worker, started if there are fewer than `size`. */
  private thread(): Thread {
    const free = this.threads.find((t) => t.busy === 0);
    if (free) return free;
    if (this.threads.length < this.size) {
      const worker = new Worker(this.script);
      const thread: Thread = { worker, busy: 0 };
      worker.on("message", (reply: AnalysisReply) => this.reply(thread, reply));
      worker.on("error", (e) => this.fail(thread, e));
      worker.unref();
      this.threads.push(thread);
      return thread;
    }
    return this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private reply(thread: Thread, reply: AnalysisReply): void {
    if (--thread.busy === 0) thread.worker.unref();
    const batch = this.pending.get(reply.id)?.batch;
    this.pending.delete(reply.id);
    if (batch) {
      if ("results" in reply) batch.waiting.forEach((w, i) => w.resolve(reply.results[i]!));
      else {
        const error = reply.decode ? new PixelDecodeError(reply.error) : new Error(reply.error);
        for (const w of batch.waiting) w.reject(error);
      }
    }
    if (this.pending.size === 0) this.idle = setTimeout(() => this.stop(), IDLE_MS).unref();
  }

  private fail(thread: Thread, error: unknown): void {
    // A worker that died takes its requests with it: they fail, later ones go to a new worker.
    this.threads.splice(this.threads.indexOf(thread), 1);
    for (const [id, p] of this.pending) {
      if (p.thread !== thread) continue;
      this.pending.delete(id);
      for (const w of p.batch.waiting) w.reject(error);
    }
  }

  private stop(): void {
    for (const t of this.threads.splice(0)) void t.worker.terminate();
  }
}
