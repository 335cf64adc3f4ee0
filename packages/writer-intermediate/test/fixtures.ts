import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Annotation, ExecutionRecordInput, Labeler } from "@qontinui/export-core";
import sharp from "sharp";

export async function tempDir(prefix = "qx-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A flat-colour PNG of the given size: different colours give different content ids. */
export async function png(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

/** A run directory: screenshots/<name>.png and the records (kept in memory, served by memorySource). */
export async function makeRun(
  screens: Record<string, Buffer>,
  records: ExecutionRecordInput[],
): Promise<{ dir: string; records: ExecutionRecordInput[] }> {
  const dir = await tempDir("qx-run-");
  await fs.mkdir(path.join(dir, "screenshots"));
  for (const [name, bytes] of Object.entries(screens)) await fs.writeFile(path.join(dir, "screenshots", name), bytes);
  return { dir, records };
}

export { listFiles, memorySource } from "@qontinui/export-core/testing";

/** Boxes from match_summary, like labeler-template but without its checks. */
export const matchLabeler: Labeler = {
  name: "test-match",
  label(record): Annotation[] {
    const m = record.match_summary as
      | { found?: boolean; image_id?: string; location?: { x: number; y: number }; template_size?: { width: number; height: number }; confidence?: number }
      | null;
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

export function record(id: string, screenshot: string, extra: Partial<ExecutionRecordInput> = {}): ExecutionRecordInput {
  return {
    action_id: id,
    action_type: "FIND",
    start_time: 1700000000 + Number(id.replace(/\D/g, "") || 0),
    active_states_before: ["main", "dialog"],
    success: true,
    screenshot_reference: `screenshots/${screenshot}`,
    ...extra,
  };
}

export function match(imageId: string, x: number, y: number, w: number, h: number, confidence = 0.9) {
  return { found: true, image_id: imageId, location: { x, y }, template_size: { width: w, height: h }, confidence };
}
