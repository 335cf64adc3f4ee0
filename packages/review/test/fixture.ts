import { promises as fs } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { type Annotation, type ExecutionRecordInput, type Labeler, runPipeline, silentLogger } from "@qontinui/export-core";
import { memorySource } from "@qontinui/export-core/testing";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import sharp from "sharp";

export async function tempDir(prefix = "qreview-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A screen with a few coloured widgets (SVG rendered by sharp): something to look at in the screenshot. */
async function screen(width: number, height: number, background: string, widgets: [number, number, number, number, string][]): Promise<Buffer> {
  const rects = widgets.map(([x, y, w, h, fill]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${fill}"/>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/>${rects}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Boxes from match_summary, one per record (like labeler-template, without its checks). */
const matchLabeler: Labeler = {
  name: "test-match",
  needsPixels: false,
  label(record): Annotation[] {
    const m = record.match_summary as { found?: boolean; image_id?: string; location?: { x: number; y: number }; template_size?: { width: number; height: number }; confidence?: number } | null;
    if (!m?.found || !m.location || !m.template_size) return [];
    return [
      {
        bbox: [m.location.x, m.location.y, m.template_size.width, m.template_size.height],
        categoryName: m.image_id ?? "unknown",
        confidence: m.confidence ?? 0,
        source: "template_matching",
        verified: false,
      },
    ];
  },
};

function rec(n: number, screenshot: string, match?: [string, number, number, number, number, number]): ExecutionRecordInput {
  return {
    action_id: `action-${n}`,
    action_type: "FIND",
    start_time: 1700000000 + n,
    active_states_before: ["main"],
    success: true,
    screenshot_reference: `screenshots/${screenshot}`,
    ...(match
      ? { match_summary: { found: true, image_id: match[0], location: { x: match[1], y: match[2] }, template_size: { width: match[3], height: match[4] }, confidence: match[5] } }
      : {}),
  };
}

export interface Fixture {
  dir: string;
  runDir: string;
  records: ExecutionRecordInput[];
  /** Image ids by screen name. */
  ids: { a: string; b: string; c: string };
}

/**
 * A dataset written by the real intermediate writer (record index, metadata and all):
 *   screen a 480×300: button [20,20,120,40] 0.40, icon [300,40,48,48] 0.90, button [40,160,160,50] 0.70
 *   screen b 480×300: link [10,10,90,24] 0.55 (the rare category), button [200,150,100,40] 0.95
 *   screen c 480×300: no boxes
 */
export async function makeDataset(): Promise<Fixture> {
  const runDir = await tempDir("qreview-run-");
  await fs.mkdir(path.join(runDir, "screenshots"));
  const shots = {
    "a.png": await screen(480, 300, "#dfe3ea", [[20, 20, 120, 40, "#3b82f6"], [300, 40, 48, 48, "#f59e0b"], [40, 160, 160, 50, "#10b981"]]),
    "b.png": await screen(480, 300, "#f1f5f9", [[10, 10, 90, 24, "#8b5cf6"], [200, 150, 100, 40, "#ef4444"]]),
    "c.png": await screen(480, 300, "#e2e8f0", [[60, 60, 200, 100, "#64748b"]]),
  };
  for (const [name, bytes] of Object.entries(shots)) await fs.writeFile(path.join(runDir, "screenshots", name), bytes);
  const records = [
    rec(1, "a.png", ["button", 20, 20, 120, 40, 0.4]),
    rec(2, "a.png", ["icon", 300, 40, 48, 48, 0.9]),
    rec(3, "a.png", ["button", 40, 160, 160, 50, 0.7]),
    rec(4, "b.png", ["link", 10, 10, 90, 24, 0.55]),
    rec(5, "b.png", ["button", 200, 150, 100, 40, 0.95]),
    rec(6, "c.png"),
  ];
  const dir = await tempDir("qreview-ds-");
  await exportInto(dir, runDir, records);
  const manifest = (await fs.readFile(path.join(dir, "manifest.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; action_id: string });
  const idOf = (n: number) => manifest.find((e) => e.action_id === `action-${n}`)!.id;
  return { dir, runDir, records, ids: { a: idOf(1), b: idOf(4), c: idOf(6) } };
}

/** Exports records into a dataset with the real writer; returns the writer's warnings (recovery notes). */
export async function exportInto(dir: string, runDir: string, records: ExecutionRecordInput[]): Promise<string[]> {
  const warnings: string[] = [];
  await runPipeline({
    source: memorySource(runDir, records),
    labelers: [matchLabeler],
    writers: [intermediateWriter({ outDir: dir })],
    logger: { ...silentLogger, warn: (m: string) => warnings.push(m) },
  });
  return warnings;
}

export async function readJson<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, "utf8")) as T;
}

export async function readLines<T = Record<string, unknown>>(file: string): Promise<T[]> {
  const text = await fs.readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request (Host, Origin and Cookie as given: fetch would not let a test forge them). */
export function request(
  port: number,
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; host?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: options.host ?? "127.0.0.1",
        port,
        path: pathname,
        method: options.method ?? (body ? "POST" : "GET"),
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
