import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StoredAnnotation } from "@qontinui/intermediate-format";
import sharp from "sharp";

export const IDS = {
  a: "aaaaaaaaaaaaaaa1",
  b: "bbbbbbbbbbbbbbb2",
  c: "ccccccccccccccc3",
  d: "ddddddddddddddd4",
} as const;

export const GRAY = { r: 128, g: 128, b: 128 };

/** A box as annotations/<id>.json stores it. */
type Box = StoredAnnotation;

const CATEGORY_MAP = { button: 0, icon: 1, "a<b&c": 2 };

/**
 * A small intermediate dataset built by hand:
 *   A 200x150: button (verified, 0.95, user_click), icon (unverified, 0.35, template_matching),
 *              button (unverified, 1.0, template_matching)
 *   B 200x150: "a<b&c" (verified, 0.05, user_click)
 *   C 320x240: annotation file with no boxes
 *   D 320x240: no annotation file (seed layout)
 * manifest: A A B C A D B + one malformed line; A's 2nd and C's line reviewed.
 */
export async function makeDataset(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "dataset-inspect-"));
  await fs.mkdir(path.join(dir, "images"));
  await fs.mkdir(path.join(dir, "annotations"));

  const boxesA: Box[] = [
    { bbox: [20, 30, 60, 40], category_id: 0, category_name: "button", confidence: 0.95, source: "user_click", verified: true },
    { bbox: [100, 60, 50, 50], category_id: 1, category_name: "icon", confidence: 0.35, source: "template_matching", verified: false },
    { bbox: [10, 100, 30, 20], category_id: 0, category_name: "button", confidence: 1.0, source: "template_matching", verified: false },
  ];
  const boxesB: Box[] = [
    { bbox: [50, 50, 40, 40], category_id: 2, category_name: "a<b&c", confidence: 0.05, source: "user_click", verified: true },
  ];
  await writeImage(dir, IDS.a, 200, 150, boxesA);
  await writeImage(dir, IDS.b, 200, 150, boxesB);
  await writeImage(dir, IDS.c, 320, 240, []);
  await writeImage(dir, IDS.d, 320, 240, undefined);

  const line = (id: string, n: number, reviewed = false) =>
    JSON.stringify({
      id,
      image: `images/${id}.png`,
      annotations: `annotations/${id}.json`,
      action_id: `action-${n}`,
      action_type: "CLICK",
      timestamp: 1700000000 + n,
      active_states: ["Main"],
      source: "test",
      is_new: true,
      reviewed,
    });
  const manifest = [
    line(IDS.a, 1),
    line(IDS.a, 2, true),
    line(IDS.b, 3),
    "{ this is not json",
    line(IDS.c, 4, true),
    line(IDS.a, 5),
    line(IDS.d, 6),
    line(IDS.b, 7),
  ];
  await fs.writeFile(path.join(dir, "manifest.jsonl"), manifest.join("\n") + "\n");
  await fs.writeFile(
    path.join(dir, "metadata.json"),
    JSON.stringify({
      dataset_version: "1.0",
      created: "2024-01-01T00:00:00Z",
      category_map: CATEGORY_MAP,
      categories: Object.entries(CATEGORY_MAP).map(([name, id]) => ({ id, name })),
      total_images: 4,
      total_annotations: 4,
      statistics: {
        total_records_processed: 7,
        records_with_screenshots: 7,
        records_with_matches: 4,
        records_with_clicks: 3,
        skipped_records: 0,
        export_time_seconds: 0.1,
      },
      format: "intermediate",
      description: "test",
    }),
  );
  return dir;
}

async function writeImage(dir: string, id: string, width: number, height: number, boxes: Box[] | undefined) {
  await sharp({ create: { width, height, channels: 3, background: GRAY } })
    .png()
    .toFile(path.join(dir, "images", `${id}.png`));
  if (!boxes) return;
  await fs.writeFile(
    path.join(dir, "annotations", `${id}.json`),
    JSON.stringify({
      image_id: id,
      image_filename: `${id}.png`,
      image_width: width,
      image_height: height,
      annotations: boxes,
      context: { action_type: "CLICK", active_states: ["Main"], timestamp: 1700000000, success: true },
      version: "1.0",
    }),
  );
}

/** RGB of pixel (x, y) of a PNG. */
export async function pixelAt(file: string, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}
