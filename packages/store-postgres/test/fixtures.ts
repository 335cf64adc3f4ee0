import { execFile as execFileCb, spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type Annotation,
  type ExecutionRecordInput,
  type Labeler,
  parseRecord,
  recordKey,
  runPipeline,
  seededRandom,
  silentLogger,
} from "@qontinui/export-core";
import { memorySource, pngChunk } from "@qontinui/export-core/testing";
import { openDataset } from "@qontinui/intermediate-format";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import sharp from "sharp";

export const execFile = promisify(execFileCb);
const here = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_DIR = path.resolve(here, "..");
export const CHILD_SCRIPT = path.join(here, "ingest-child.mjs");

export async function tempDir(prefix = "qs-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** The child processes run the built package: say how to build it when it is not built. */
export function requireBuild(): void {
  if (!existsSync(path.join(PACKAGE_DIR, "dist", "index.js"))) {
    throw new Error("packages/store-postgres/dist is missing: build it first (pnpm turbo run build --filter=@qontinui/store-postgres...)");
  }
}

// ---------------------------------------------------------------- images

/** A PNG tEXt chunk: inserted after IHDR, it gives a PNG new bytes (a new content id) with the same pixels. */
function textChunk(text: string): Buffer {
  return pngChunk("tEXt", Buffer.from(`Comment\0${text}`, "latin1"));
}

export function pngVariant(png: Buffer, text: string): Buffer {
  return Buffer.concat([png.subarray(0, 33), textChunk(text), png.subarray(33)]);
}

/** A GUI-like screen drawn with sharp (panels, buttons, text, a noisy tile): 100-300 KB at 1920×1080. */
export async function drawScreen(index: number, width = 1920, height = 1080): Promise<Buffer> {
  const rnd = seededRandom(1000 + index);
  const parts = [`<rect width="${width}" height="${height}" fill="${index % 2 ? "#1e1f22" : "#f3f4f6"}"/>`];
  parts.push(`<rect width="${width}" height="34" fill="#2b2f36"/>`);
  for (let i = 0; i < 30; i++) {
    const x = Math.floor(rnd() * (width - 200));
    const y = 40 + Math.floor(rnd() * (height - 100));
    parts.push(`<rect x="${x}" y="${y}" width="${60 + Math.floor(rnd() * 140)}" height="${24 + Math.floor(rnd() * 20)}" rx="4" fill="#3358d4"/>`);
    parts.push(`<text x="${x + 8}" y="${y + 18}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#ffffff">button ${index}-${i}</text>`);
  }
  for (let y = 0; y < 12; y++)
    for (let x = 0; x < 40; x++) {
      const v = Math.floor(rnd() * 200 + 30);
      parts.push(`<rect x="${width - 400 + x * 9}" y="${height - 140 + y * 9}" width="9" height="9" fill="rgb(${v},${(v * 7) % 255},${(v * 13) % 255})"/>`);
    }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join("")}</svg>`;
  return sharp(Buffer.from(svg)).png({ compressionLevel: 6 }).toBuffer();
}

/** A small flat-colour PNG (distinct per index). */
export async function smallPng(index: number): Promise<Buffer> {
  return sharp({ create: { width: 64 + (index % 5), height: 48, channels: 3, background: { r: (index * 37) & 255, g: (index * 91) & 255, b: (index * 53) & 255 } } })
    .png()
    .toBuffer();
}

// ---------------------------------------------------------------- labelers

type Match = { found?: boolean; image_id?: string; location?: { x: number; y: number }; template_size?: { width: number; height: number }; confidence?: number };

/** Boxes from match_summary (the template labeler's rule, without its checks). */
export const matchLabeler: Labeler = {
  name: "test-match",
  needsPixels: false,
  label(record): Annotation[] {
    const m = record.match_summary as Match | null;
    if (!m?.found || !m.location || !m.template_size) return [];
    return [{ bbox: [m.location.x, m.location.y, m.template_size.width, m.template_size.height], categoryName: m.image_id ?? "unknown", confidence: m.confidence ?? 0, source: "template_matching", verified: false }];
  },
};

/** A 50×50 box around the click, with inference facts (nested, key order that jsonb would change). */
export const clickLabeler: Labeler = {
  name: "test-click",
  needsPixels: false,
  label(record, image): Annotation[] {
    const c = record.clicked_location;
    if (!c) return [];
    return [
      {
        bbox: [c.x - 25, c.y - 25, 50, 50],
        categoryName: "click_target",
        confidence: 0.5,
        source: "user_click",
        verified: true,
        metadata: { inference_metadata: { zeta: 1, alpha: { b: 2, a: [1, 2.5] }, image: `${image.width}x${image.height}` } },
      },
    ];
  },
};

// ---------------------------------------------------------------- runs and shards

export interface Universe {
  runDir: string;
  /** Every record (shards take subsets). */
  records: ExecutionRecordInput[];
  screenshots: string[];
}

const CATEGORIES = ["ok_button", "cancel", "search_field", "menu_file", "tab_overview", "link_help"];

/**
 * A run directory with `images` screenshots and `records` records: each record points at a
 * screenshot, has a template match (categories from a small set), some a click, some an
 * attempt_id (two attempts of one action on one screen). `fullSize` draws 1920×1080 screens
 * (four drawn with sharp, the rest variants of them with their own bytes).
 */
export async function makeUniverse(options: { images: number; records: number; seed?: number; fullSize?: boolean }): Promise<Universe> {
  const rnd = seededRandom(options.seed ?? 7);
  const runDir = await tempDir("qs-run-");
  await fs.mkdir(path.join(runDir, "screenshots"));
  const bases = options.fullSize ? await Promise.all([0, 1, 2, 3].map((i) => drawScreen(i))) : [];
  const size = options.fullSize ? { w: 1920, h: 1080 } : { w: 64, h: 48 };
  const screenshots: string[] = [];
  for (let i = 0; i < options.images; i++) {
    const name = `shot-${String(i).padStart(4, "0")}.png`;
    const bytes = options.fullSize ? pngVariant(bases[i % bases.length]!, `screen ${i}`) : await smallPng(i);
    await fs.writeFile(path.join(runDir, "screenshots", name), bytes);
    screenshots.push(name);
  }
  const records: ExecutionRecordInput[] = [];
  for (let k = 0; k < options.records; k++) {
    const shot = Math.floor(rnd() * options.images);
    const w = 8 + Math.floor(rnd() * (size.w / 4));
    const h = 8 + Math.floor(rnd() * (size.h / 4));
    const record: ExecutionRecordInput = {
      action_id: `action-${Math.floor(k / 2)}`,
      action_type: rnd() < 0.5 ? "CLICK" : "FIND",
      start_time: 1718000000 + Math.floor(k / 2) + (k % 2) * 0.25,
      active_states_before: rnd() < 0.5 ? ["Main", "Dialog"] : ["Editor"],
      success: rnd() < 0.9,
      screenshot_reference: `screenshots/${screenshots[shot]}`,
      match_summary: {
        found: true,
        image_id: CATEGORIES[Math.floor(rnd() * CATEGORIES.length)]!,
        location: { x: Math.floor(rnd() * (size.w - w)), y: Math.floor(rnd() * (size.h - h)) },
        template_size: { width: w, height: h },
        confidence: Math.round(rnd() * 1000) / 1000,
      },
      ...(rnd() < 0.3 ? { clicked_location: [30 + Math.floor(rnd() * (size.w - 60)), 30 + Math.floor(rnd() * (size.h - 60))] as [number, number] } : {}),
      // Two records per action: two attempts when they show one screen (the key needs attempt_id then).
      attempt_id: `attempt-${k % 2}`,
    };
    records.push(record);
  }
  return { runDir, records, screenshots };
}

/** Exports records of the run into an on-disk dataset with the real pipeline and intermediate writer. */
export async function exportShard(universe: Universe, records: ExecutionRecordInput[], outDir: string): Promise<void> {
  await runPipeline({
    source: memorySource(universe.runDir, records),
    labelers: [matchLabeler, clickLabeler],
    writers: [intermediateWriter({ outDir })],
    logger: silentLogger,
  });
}

/**
 * `count` overlapping shards: each takes every record with probability `share` (records two
 * shards share are the same record exported on two machines).
 */
export async function makeShards(universe: Universe, count: number, share: number, seed = 11): Promise<string[]> {
  const rnd = seededRandom(seed);
  const root = await tempDir("qs-shards-");
  const dirs: string[] = [];
  for (let s = 0; s < count; s++) {
    const dir = path.join(root, `shard-${s}`);
    const picked = universe.records.filter(() => rnd() < share);
    await exportShard(universe, picked, dir);
    dirs.push(dir);
  }
  return dirs;
}

/** What the union of shards holds: record keys, image ids, and each image's boxes (bbox + category name). */
export async function shardUnion(dirs: string[]): Promise<{ keys: Set<string>; images: Set<string>; boxes: Map<string, Set<string>> }> {
  const keys = new Set<string>();
  const images = new Set<string>();
  const boxes = new Map<string, Set<string>>();
  for (const dir of dirs) {
    const ds = await openDataset(dir);
    for await (const { entry } of ds.manifest()) {
      const parsed = parseRecord({ action_id: entry.action_id, attempt_id: entry.attempt_id ?? null });
      if (!parsed.ok) throw new Error(parsed.message);
      keys.add(recordKey(parsed.record, entry.id));
      images.add(entry.id);
      const ann = await ds.readAnnotationFile(entry.id);
      let set = boxes.get(entry.id);
      if (!set) boxes.set(entry.id, (set = new Set()));
      for (const a of ann?.annotations ?? []) set.add(`${JSON.stringify(a.bbox)}|${a.category_name}`);
    }
  }
  return { keys, images, boxes };
}

// ---------------------------------------------------------------- child processes

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs test/ingest-child.mjs (the built package) on shards; `onLine` sees each stdout line as it comes. */
export function runChild(args: string[], env: Record<string, string> = {}, onLine?: (line: string, kill: () => void) => void): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine?.(line, () => child.kill("SIGKILL"));
      }
    });
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every file under a directory (relative paths, sorted), without the writer's bookkeeping. */
export async function datasetFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    for (const e of await fs.readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, e.name);
      if (e.isDirectory()) {
        if (rel !== ".qontinui") await walk(rel);
      } else out.push(rel);
    }
  };
  await walk("");
  return out.sort();
}

/** metadata.json without the fields allowed to differ between two exports of the same data. */
export function timeless(metadataText: string): unknown {
  const m = JSON.parse(metadataText) as { created?: string; statistics?: { export_time_seconds?: number } };
  delete m.created;
  if (m.statistics) delete m.statistics.export_time_seconds;
  return m;
}

/** Asserts two dataset directories hold the same files, byte for byte (metadata.json: all but its time fields). */
export async function compareDatasets(a: string, b: string): Promise<string[]> {
  const differences: string[] = [];
  const fa = await datasetFiles(a);
  const fb = await datasetFiles(b);
  if (JSON.stringify(fa) !== JSON.stringify(fb)) differences.push(`file lists differ: only in first ${fa.filter((f) => !fb.includes(f)).slice(0, 5)}; only in second ${fb.filter((f) => !fa.includes(f)).slice(0, 5)}`);
  for (const f of fa.filter((x) => fb.includes(x))) {
    const x = await fs.readFile(path.join(a, f));
    const y = await fs.readFile(path.join(b, f));
    if (f === "metadata.json") {
      const tx = JSON.stringify(timeless(x.toString("utf8")), null, 1);
      const ty = JSON.stringify(timeless(y.toString("utf8")), null, 1);
      if (tx !== ty) differences.push(`${f} (but for created and export_time_seconds) differs:\n${firstDifference(tx, ty)}`);
    } else if (!x.equals(y)) {
      differences.push(`${f} differs${f.endsWith(".json") || f.endsWith(".jsonl") ? `:\n${firstDifference(x.toString("utf8"), y.toString("utf8"))}` : ""}`);
    }
  }
  return differences;
}

function firstDifference(x: string, y: string): string {
  const lx = x.split("\n");
  const ly = y.split("\n");
  for (let i = 0; i < Math.max(lx.length, ly.length); i++) if (lx[i] !== ly[i]) return `  line ${i + 1}: ${lx[i]?.slice(0, 300)}\n       vs: ${ly[i]?.slice(0, 300)}`;
  return "";
}
