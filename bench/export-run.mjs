// One full export of a run directory, as the CLI does it: run-directory source (or the runner's
// run_data/ source) → template + click labelers → intermediate writer (+ COCO). Used in-process by
// run.mjs, and as a child process (for peak RSS) when run directly:
//
//   node bench/export-run.mjs '{"runDir":"…","outDir":"…"}'   → prints one JSON line
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { peakRssBytes } from "./peak-rss.mjs";
import { runPipeline, silentLogger } from "../packages/export-core/dist/index.js";
import { intermediateWriter } from "../packages/writer-intermediate/dist/index.js";
import { clickLabeler } from "../packages/labeler-click/dist/index.js";
import { templateLabeler } from "../packages/labeler-template/dist/index.js";
import { runDataSource, runDirectorySource } from "../packages/source-runner/dist/index.js";
import { cocoWriter, toCoco } from "../packages/writer-coco/dist/index.js";

/**
 * Exports `runDir` into `outDir` (removed first). COCO: "pipeline" puts
 * cocoWriter in the same pipeline (as `qontinui-export run --format coco`);
 * "after" runs toCoco on the finished dataset; "none" skips it. `impl` swaps in other runPipeline / intermediateWriter
 * implementations (bench/prototype). `source`: "records" (default) reads `runDir/records.jsonl`
 * with runDirectorySource; "run-data" reads `runDir` as the runner's run_data/ directory with
 * runDataSource, joining the tree-events file `events` when given. `checkImageData: false` is
 * `run --no-decode-check`. Returns timings and what was exported.
 */
export async function exportRun({ runDir, outDir, source = "records", events, coco = "pipeline", clickMode = "fixed", concurrency, imageMode = "copy", checkImageData, impl = {} }) {
  const pipeline = impl.runPipeline ?? runPipeline;
  const makeIntermediate = impl.intermediateWriter ?? intermediateWriter;
  await rm(outDir, { recursive: true, force: true });
  const labelers = [templateLabeler(), clickLabeler({ mode: clickMode })];
  const writers = [makeIntermediate({ outDir, imageMode })];
  if (coco === "pipeline") writers.push(cocoWriter({ outDir: path.join(outDir, "coco"), imagesDir: path.join(outDir, "images") }));

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await pipeline({
    source: makeSource(source, runDir, events),
    labelers,
    writers,
    logger: silentLogger,
    ...(concurrency ? { concurrency } : {}),
    ...(checkImageData === false ? { checkImageData: false } : {}),
  });
  const pipelineMs = performance.now() - t0;
  let cocoMs = 0;
  if (coco === "after") {
    const t1 = performance.now();
    await toCoco(outDir, {});
    cocoMs = performance.now() - t1;
  }
  const s = result.statistics;
  const cpu = process.cpuUsage(cpu0);
  return {
    ms: performance.now() - t0,
    // User + system CPU of the whole process (main thread, libuv pool, sharp) during the export.
    cpuMs: (cpu.user + cpu.system) / 1000,
    pipelineMs,
    cocoMs,
    coco,
    labelers: labelers.map((l) => l.name),
    writers: writers.map((w) => w.name),
    recordsRead: s.recordsRead,
    recordsExported: s.recordsExported,
    recordsSkipped: s.recordsSkipped,
    uniqueImages: s.uniqueImages,
    bytesRead: s.bytesRead,
    annotations: s.annotations,
    problems: s.problems.byReason,
  };
}

/** The source `exportRun` reads: "records" (records.jsonl) or "run-data" (the runner's run_data/). */
export function makeSource(source, runDir, events) {
  if (source === "records") return runDirectorySource(runDir);
  if (source === "run-data") return runDataSource(runDir, events ? { events } : {});
  throw new Error(`exportRun: unknown source ${JSON.stringify(source)} (records or run-data)`);
}

/**
 * Samples RSS every few milliseconds and keeps V8's heap spaces (committed / used bytes) at the
 * highest RSS seen: what the peak is made of. `stop()` returns them.
 */
function sampleHeapAtPeak(everyMs = 5) {
  let peakRss = 0;
  let spaces = {};
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss <= peakRss) return;
    peakRss = rss;
    spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, "")] = { committed: s.space_size, used: s.space_used_size };
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rssBytes: peakRss, spaces };
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = JSON.parse(process.argv[2] ?? "{}");
  const sampler = sampleHeapAtPeak();
  const out = await exportRun(opts);
  out.sampledPeak = sampler.stop();
  out.maxRssBytes = peakRssBytes();
  // What the export keeps alive (run with --expose-gc), apart from garbage and allocator slack.
  if (globalThis.gc) {
    globalThis.gc();
    const m = process.memoryUsage();
    out.liveHeapBytes = m.heapUsed;
    out.rssAfterGcBytes = m.rss;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
