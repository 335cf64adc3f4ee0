import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Annotation, type Labeler, runPipeline, silentLogger } from "@qontinui/export-core";
import { memorySource } from "@qontinui/export-core/testing";
import type { AnnotationFile } from "@qontinui/intermediate-format";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import sharp from "sharp";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const PYTHON = "/usr/bin/python3";
export const RULES = path.join(here, "web_import_rules.py");

export async function tempDir(prefix = "qweb-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface TestBox {
  bbox: [number, number, number, number];
  category: string;
  source?: string;
  confidence?: number;
  verified?: boolean;
  metadata?: Record<string, unknown>;
}

export interface TestRecord {
  /** File name under screenshots/. */
  shot: string;
  boxes?: TestBox[];
  actionId?: string;
  actionType?: string;
  states?: string[];
  startTime?: number;
}

/** The boxes a record carries in `test_boxes` (kept by the record schema), as annotations. */
const boxLabeler: Labeler = {
  name: "test-boxes",
  needsPixels: false,
  label(record): Annotation[] {
    const boxes = (record as { test_boxes?: TestBox[] }).test_boxes ?? [];
    return boxes.map((b) => ({
      bbox: b.bbox,
      categoryName: b.category,
      confidence: b.confidence ?? 0.8,
      source: b.source ?? "template_matching",
      verified: b.verified ?? false,
      ...(b.metadata ? { metadata: b.metadata } : {}),
    }));
  },
};

/** A screen with a few coloured widgets (SVG rendered by sharp). */
export async function screen(width: number, height: number, background: string, widgets: [number, number, number, number, string][]): Promise<Buffer> {
  const rects = widgets.map(([x, y, w, h, fill]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${fill}"/>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/>${rects}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** An image of seeded noise: incompressible, so its PNG weighs about width × height × 3 bytes. */
export async function noiseImage(width: number, height: number, seed: number): Promise<Buffer> {
  return sharp(noise(width, height, seed), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

function noise(width: number, height: number, seed: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) & 0xff;
  }
  return out;
}

/**
 * A full-size 1920×1080 screenshot: a window layout with a photo-like noisy
 * panel (seeded), so the PNG weighs what real screens do (~0.5–1 MB).
 */
export async function fullScreen(seed: number, jpeg = false): Promise<Buffer> {
  const w = 640;
  const h = 360;
  const layout = await screen(1920, 1080, "#eef1f5", [
    [0, 0, 1920, 48, "#1f2937"],
    [24, 80, 280, 960, "#ffffff"],
    [340, 80, 1540, 60, "#3b82f6"],
    [1400, 980, 160, 48, "#10b981"],
    [1580, 980, 160, 48, "#ef4444"],
  ]);
  const img = sharp(layout).composite([{ input: noise(w, h, seed), raw: { width: w, height: h, channels: 3 }, left: 900, top: 300 }]);
  return jpeg ? img.jpeg({ quality: 90 }).toBuffer() : img.png().toBuffer();
}

export interface Dataset {
  dir: string;
  /** Image ids by screenshot file name. */
  ids: Record<string, string>;
}

/** A dataset written by the real intermediate writer from these screenshots and records. */
export async function makeDataset(shots: Record<string, Buffer>, records: TestRecord[]): Promise<Dataset> {
  const runDir = await tempDir("qweb-run-");
  await fs.mkdir(path.join(runDir, "screenshots"));
  for (const [name, bytes] of Object.entries(shots)) await fs.writeFile(path.join(runDir, "screenshots", name), bytes);
  const input = records.map((r, n) => ({
    action_id: r.actionId ?? `action-${n + 1}`,
    action_type: r.actionType ?? "CLICK",
    start_time: r.startTime ?? 1_770_000_000 + n,
    active_states_before: r.states ?? ["Main"],
    success: true,
    screenshot_reference: `screenshots/${r.shot}`,
    test_boxes: r.boxes ?? [],
  }));
  const dir = await tempDir("qweb-ds-");
  await runPipeline({ source: memorySource(runDir, input), labelers: [boxLabeler], writers: [intermediateWriter({ outDir: dir })], logger: silentLogger });
  await fs.rm(runDir, { recursive: true, force: true });
  const ids: Record<string, string> = {};
  const manifest = (await fs.readFile(path.join(dir, "manifest.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; action_id: string });
  records.forEach((r, n) => {
    ids[r.shot] ??= manifest.find((e) => e.action_id === (r.actionId ?? `action-${n + 1}`))!.id;
  });
  return { dir, ids };
}

export async function readAnnotations(dir: string, id: string): Promise<AnnotationFile> {
  return JSON.parse(await fs.readFile(path.join(dir, "annotations", `${id}.json`), "utf8")) as AnnotationFile;
}

/** Rewrites an annotation file by hand, as another tool might have. */
export async function editAnnotations(dir: string, id: string, edit: (doc: AnnotationFile) => void): Promise<void> {
  const doc = await readAnnotations(dir, id);
  edit(doc);
  await fs.writeFile(path.join(dir, "annotations", `${id}.json`), JSON.stringify(doc, null, 2));
}

/** Runs python3 and parses its JSON output. */
export function python<T = unknown>(args: string[]): T {
  const run = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python3 ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

export interface RulesReport {
  file: string;
  bytes: number;
  entries: number;
  images: number;
  annotations: number;
  problems: string[];
  review_status: Record<string, number>;
  sources: Record<string, number>;
  element_types: Record<string, number>;
  image_names: string[];
}

/** The import's rules (test/web_import_rules.py) applied to ZIPs. */
export function checkWithRules(files: string[]): RulesReport[] {
  return python<RulesReport[]>([RULES, "check", ...files]);
}

/** Every entry of a ZIP, as Python's zipfile reads it: JSON entries parsed, others as sizes. */
export function unzip(file: string): { names: string[]; json: Record<string, unknown>; sizes: Record<string, number>; manifest: Record<string, unknown>[] } {
  const script = [
    "import json, sys, zipfile",
    "zf = zipfile.ZipFile(sys.argv[1])",
    "assert zf.testzip() is None",
    "out = {'names': zf.namelist(), 'json': {}, 'sizes': {}, 'manifest': []}",
    "for n in zf.namelist():",
    "    data = zf.read(n)",
    "    out['sizes'][n] = len(data)",
    "    if n.endswith('.json'): out['json'][n] = json.loads(data)",
    "    if n.endswith('.jsonl'): out['manifest'] = [json.loads(l) for l in data.split(b'\\n') if l]",
    "print(json.dumps(out))",
  ].join("\n");
  return python([`-c`, script, file]);
}
