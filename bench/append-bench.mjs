// Figure (2): appending a small batch to a large intermediate dataset must cost time proportional
// to the batch, not to the dataset. The large dataset is built through the real pipeline and
// intermediate writer (so its record index and metadata are what an export leaves), from an
// in-memory source of tiny unique PNGs: what matters is the number of images, not their size.
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseRecord, runPipeline, silentLogger } from "../packages/export-core/dist/index.js";
import { intermediateWriter } from "../packages/writer-intermediate/dist/index.js";
import { clickLabeler } from "../packages/labeler-click/dist/index.js";
import { templateLabeler } from "../packages/labeler-template/dist/index.js";
import { runDirectorySource } from "../packages/source-runner/dist/index.js";
import { tinyPng, tinyPngSync } from "./generate-run.mjs";

const CATEGORIES = 30;

function tinyRecord(tag, i) {
  const parsed = parseRecord({
    action_id: `${tag}-${i}`,
    action_type: "CLICK",
    start_time: 1718000000 + i,
    active_states_before: ["Main"],
    active_states_after: ["Main"],
    success: true,
    match_summary: { found: true, image_id: `element_${i % CATEGORIES}`, location: { x: 1, y: 1 }, template_size: { width: 4, height: 4 }, confidence: 0.9 },
    clicked_location: [3, 3],
    screenshot_reference: `screenshots/${tag}_${i}.png`,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

/** A Source of `count` records, each with its own tiny screenshot made on demand (nothing on disk). */
function memorySource(tag, count) {
  return {
    name: "bench-memory",
    async *read() {
      for (let i = 0; i < count; i++) yield { record: tinyRecord(tag, i), line: i + 1 };
    },
    async readScreenshot(reference) {
      return { path: path.join("/nonexistent-bench-source", reference), bytes: tinyPngSync(`${tag}:${reference}`) };
    },
  };
}

/** Builds a dataset of `images` records / images through the real writer. Returns the time it took. */
export async function buildLargeDataset(dir, images, { onProgress } = {}) {
  await tinyPng("warm-up");
  await rm(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const result = await runPipeline({
    source: memorySource("base", images),
    labelers: [templateLabeler()],
    writers: [intermediateWriter({ outDir: dir })],
    logger: silentLogger,
    ...(onProgress ? { onProgress } : {}),
  });
  const ms = performance.now() - t0;
  if (result.statistics.recordsExported !== images) throw new Error(`built ${result.statistics.recordsExported} of ${images} records`);
  return { ms, images: result.writers[0].totalImages };
}

/** A real run directory (records.jsonl + tiny PNG files) holding one batch. */
export async function writeBatchRun(dir, tag, count) {
  await tinyPng("warm-up");
  await mkdir(path.join(dir, "screenshots"), { recursive: true });
  const lines = [];
  for (let i = 0; i < count; i++) {
    const record = tinyRecord(tag, i);
    lines.push(JSON.stringify(record));
    await writeFile(path.join(dir, record.screenshot_reference), tinyPngSync(`${tag}:${record.screenshot_reference}`));
  }
  await writeFile(path.join(dir, "records.jsonl"), `${lines.join("\n")}\n`);
}

/** Exports one batch run into `datasetDir` (open → write → close, as the CLI does). */
export async function appendBatch(runDir, datasetDir) {
  const t0 = performance.now();
  const result = await runPipeline({
    source: runDirectorySource(runDir),
    labelers: [templateLabeler(), clickLabeler({ mode: "fixed" })],
    writers: [intermediateWriter({ outDir: datasetDir })],
    logger: silentLogger,
  });
  return { ms: performance.now() - t0, exported: result.statistics.recordsExported, totalImages: result.writers[0].totalImages };
}
