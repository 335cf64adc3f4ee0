// (3) COCO conversion of a large intermediate dataset: toCoco (streaming) against the naive
// baseline (read every annotation file, build the whole COCO object, JSON.stringify it), each in
// its own process so peak RSS is the conversion's own.
//
//   node bench/coco-bench.mjs [--images 100000]          → prints one line per side
import { execFile as execFileCb } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { peakRssBytes } from "./peak-rss.mjs";
import { promisify } from "node:util";

const execFile = promisify(execFileCb);
const here = fileURLToPath(import.meta.url);
const NAMES = ["button", "text_field", "checkbox", "menu_item", "icon", "link", "tab", "dropdown", "slider", "toggle"];

/**
 * Writes an intermediate dataset of `images` images with 3 boxes each (manifest, annotation
 * files, metadata). Image files are not written: conversion reads sizes from the annotation
 * files and never opens the images.
 */
export async function generateDataset(dir, images) {
  await mkdir(path.join(dir, "annotations"), { recursive: true });
  await mkdir(path.join(dir, "images"), { recursive: true });
  const manifest = await open(path.join(dir, "manifest.jsonl"), "w");
  let lines = "";
  const pending = [];
  for (let i = 0; i < images; i++) {
    const id = i.toString(16).padStart(16, "0");
    const annotations = [0, 1, 2].map((k) => {
      const c = (i * 3 + k) % NAMES.length;
      return { bbox: [10 + k * 300, 20 + (i % 500), 120 + k, 40], category_id: c, category_name: NAMES[c], confidence: 0.9, source: "template_matching", verified: k === 2 };
    });
    const doc = {
      image_id: id,
      image_filename: `${id}.png`,
      image_width: 1920,
      image_height: 1080,
      annotations,
      context: { action_type: "CLICK", active_states: ["main", "dialog"], timestamp: 1718000000 + i, success: true },
      version: "1.0.0",
    };
    pending.push(writeFile(path.join(dir, "annotations", `${id}.json`), JSON.stringify(doc, null, 2)));
    if (pending.length >= 64) await Promise.all(pending.splice(0));
    lines += `${JSON.stringify({ id, image: `images/${id}.png`, annotations: `annotations/${id}.json`, action_id: `a${i}`, action_type: "CLICK", timestamp: 1718000000 + i, active_states: ["dialog", "main"], source: "runner_execution", is_new: true, reviewed: false })}\n`;
    if (lines.length > 1 << 20) {
      await manifest.write(lines);
      lines = "";
    }
  }
  await Promise.all(pending);
  await manifest.write(lines);
  await manifest.close();
  const categoryMap = Object.fromEntries(NAMES.map((n, i) => [n, i]));
  await writeFile(
    path.join(dir, "metadata.json"),
    JSON.stringify({
      dataset_version: "1.0.0",
      created: new Date().toISOString(),
      total_images: images,
      total_annotations: images * 3,
      category_map: categoryMap,
      categories: NAMES.map((name, id) => ({ id, name })),
      statistics: { total_records_processed: images, records_with_screenshots: images, records_with_matches: images, records_with_clicks: 0, skipped_records: 0, export_time_seconds: 0 },
      format: "intermediate",
      description: "benchmark dataset",
    }),
  );
}

/** The baseline: what a script without streaming does (everything in memory, one stringify). */
async function naive(dir, out) {
  const lines = (await readFile(path.join(dir, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean);
  const meta = JSON.parse(await readFile(path.join(dir, "metadata.json"), "utf8"));
  const coco = { info: {}, licenses: [], categories: meta.categories.map((c) => ({ id: c.id + 1, name: c.name, supercategory: "gui" })), images: [], annotations: [] };
  const seen = new Set();
  for (const line of lines) {
    const e = JSON.parse(line);
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const ann = JSON.parse(await readFile(path.join(dir, e.annotations), "utf8"));
    const imageId = coco.images.length + 1;
    coco.images.push({ id: imageId, file_name: ann.image_filename, width: ann.image_width, height: ann.image_height });
    for (const a of ann.annotations) {
      coco.annotations.push({ id: coco.annotations.length + 1, image_id: imageId, category_id: a.category_id + 1, bbox: a.bbox, area: a.bbox[2] * a.bbox[3], iscrowd: 0, segmentation: [] });
    }
  }
  await writeFile(out, JSON.stringify(coco));
}

async function child(mode, dir) {
  const out = path.join(dir, `${mode}.json`);
  const t0 = performance.now();
  if (mode === "naive") await naive(dir, out);
  else {
    const { toCoco } = await import("../packages/writer-coco/dist/index.js");
    await toCoco(dir, { out });
  }
  const ms = performance.now() - t0;
  const bytes = (await stat(out)).size;
  await rm(out, { force: true });
  return { mode, ms, bytes, maxRssBytes: peakRssBytes() };
}

const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;

/** Generates the dataset, converts it both ways in child processes, returns the figures. */
export async function runCocoBench({ images = 100000, log = () => {} } = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), "qx-bench-coco-"));
  try {
    log(`(3) generating an intermediate dataset of ${images} images / ${images * 3} boxes`);
    const t0 = performance.now();
    await generateDataset(root, images);
    const genMs = performance.now() - t0;
    const run = async (mode) => {
      log(`(3) ${mode} conversion in a child process`);
      const { stdout } = await execFile(process.execPath, ["--max-old-space-size=8192", here, "--child", mode, root], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout.trim().split("\n").at(-1));
    };
    const stream = await run("toCoco");
    const base = await run("naive");
    return {
      summary: `${(stream.ms / 1000).toFixed(2)} s, peak RSS ${mb(stream.maxRssBytes)}`,
      baselineText: `naive JSON.parse+stringify: ${(base.ms / 1000).toFixed(2)} s, peak RSS ${mb(base.maxRssBytes)}`,
      ratio: stream.ms / base.ms,
      rssRatio: stream.maxRssBytes / base.maxRssBytes,
      rssTargetMet: stream.maxRssBytes < 300e6,
      toCoco: stream,
      naive: base,
      images,
      boxes: images * 3,
      outputBytes: stream.bytes,
      generateMs: genMs,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    process.stdout.write(`${JSON.stringify(await child(args[1], args[2]))}\n`);
  } else {
    const i = args.indexOf("--images");
    const res = await runCocoBench({ images: i >= 0 ? Number(args[i + 1]) : 100000, log: (m) => process.stderr.write(`  … ${m}\n`) });
    console.log(`toCoco  ${res.summary}  (${mb(res.outputBytes)} written)`);
    console.log(`naive   ${res.baselineText}`);
    console.log(`time ratio ${res.ratio.toFixed(2)}×, RSS ratio ${res.rssRatio.toFixed(2)}×, RSS < 300 MB: ${res.rssTargetMet ? "yes" : "NO"}`);
  }
}
