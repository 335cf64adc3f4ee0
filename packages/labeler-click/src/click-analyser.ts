import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedImage } from "@qontinui/export-core";
import { AnalysisThreads } from "./analysis-threads.js";
import { type Inference, inferElement } from "./element-inference.js";
import { Scratch } from "./raster.js";
import { ScreenshotPixels } from "./screenshot-pixels.js";

/** Infers the element under clicks for one export (decoded screenshots are shared by their clicks). */
export interface ClickAnalyser {
  /** Rejects with PixelDecodeError when the screenshot cannot be decoded. */
  analyse(image: ResolvedImage, x: number, y: number): Promise<Inference>;
}

/** On this thread: decoding in sharp's threads, the analysis here. */
export function inProcessAnalyser(): ClickAnalyser {
  const pixels = new ScreenshotPixels();
  const scratch = new Scratch();
  return { analyse: (image, x, y) => inferElement(pixels, scratch, image, x, y) };
}

/**
 * Worker threads used when the option is not given: none below 4 cores (the
 * calling thread and sharp's decoding threads already keep 2 cores busy, and
 * a worker only adds a copy of each screenshot and a cache of its own:
 * measured slower on 2 cores), else one per core beyond the first two, at
 * most 2.
 */
export function defaultThreads(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return cores < 4 ? 0 : Math.min(2, cores - 2);
}

/**
 * The analyser for `threads` worker threads (0: in process). The worker
 * script ships beside the built module; when it is not there (the sources
 * run directly, as in the tests) the analysis runs in process.
 */
export function clickAnalyser(threads: number): ClickAnalyser {
  if (threads <= 0) return inProcessAnalyser();
  const script = workerScript();
  return script ? new AnalysisThreads(script, threads) : inProcessAnalyser();
}

function workerScript(): string | undefined {
  // This module's file (the build shims __filename in ESM and import.meta.url in CommonJS): the worker of the same format lies beside it.
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  const file = path.join(path.dirname(here), here.endsWith(".cjs") ? "analysis-worker.cjs" : "analysis-worker.js");
  return existsSync(file) ? file : undefined;
}
