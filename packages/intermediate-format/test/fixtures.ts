import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodePng } from "@qontinui/export-core/testing";
import type { AnnotationFile, ManifestEntry, Metadata, StoredAnnotation } from "../src/index.js";

export const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), "qx-format-"));
export const idOf = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);

export interface FixtureImage {
  width: number;
  height: number;
  /** The boxes of annotations/<id>.json; no file when undefined (the seed writes none for an image without boxes). */
  boxes?: StoredAnnotation[];
  /** Manifest lines (records) of this image. */
  records: number;
}

export const CATEGORY_MAP = { login_button: 0, search_field: 1 };

export const box = (bbox: [number, number, number, number], category_name: keyof typeof CATEGORY_MAP, extra: Partial<StoredAnnotation> = {}): StoredAnnotation => ({
  bbox,
  category_id: CATEGORY_MAP[category_name],
  category_name,
  confidence: 0.9,
  source: "template_matching",
  verified: false,
  ...extra,
});

/** An intermediate dataset written by hand, as the Python runner's exporter would: consistent totals, ids that are content hashes. */
export async function writeDataset(images: FixtureImage[], options: { tail?: string } = {}): Promise<{ dir: string; ids: string[] }> {
  const dir = await tempDir();
  await fs.mkdir(path.join(dir, "images"));
  await fs.mkdir(path.join(dir, "annotations"));
  const ids: string[] = [];
  const lines: string[] = [];
  let boxes = 0;
  let records = 0;
  for (const [i, image] of images.entries()) {
    const bytes = encodePng(image.width, image.height, (x, y) => [(x + i * 40) & 255, y & 255, 90]);
    const id = idOf(bytes);
    ids.push(id);
    await fs.writeFile(path.join(dir, "images", `${id}.png`), bytes);
    if (image.boxes) {
      const file: AnnotationFile = {
        image_id: id,
        image_filename: `${id}.png`,
        image_width: image.width,
        image_height: image.height,
        annotations: image.boxes,
        context: { action_type: "CLICK", active_states: ["main"], timestamp: 1700000000, success: true },
        version: "1.0.0",
      };
      await fs.writeFile(path.join(dir, "annotations", `${id}.json`), JSON.stringify(file, null, 2));
      boxes += image.boxes.length;
    }
    for (let r = 0; r < image.records; r++) {
      const entry: ManifestEntry = {
        id,
        image: `images/${id}.png`,
        annotations: `annotations/${id}.json`,
        action_id: `action-${i}-${r}`,
        action_type: "CLICK",
        timestamp: 1700000000 + records,
        active_states: ["main"],
        source: "runner_execution",
        is_new: r === 0,
        reviewed: r === 1,
      };
      lines.push(`${JSON.stringify(entry)}\n`);
      records++;
    }
  }
  await fs.writeFile(path.join(dir, "manifest.jsonl"), lines.join("") + (options.tail ?? ""));
  const metadata: Metadata = {
    dataset_version: "1.0.0",
    created: "2024-01-01T00:00:00.000Z",
    total_images: images.length,
    total_annotations: boxes,
    category_map: CATEGORY_MAP,
    categories: Object.entries(CATEGORY_MAP).map(([name, id]) => ({ id, name })),
    statistics: {
      total_records_processed: records,
      records_with_screenshots: records,
      records_with_matches: records,
      records_with_clicks: 0,
      skipped_records: 0,
      export_time_seconds: 0.5,
    },
    format: "intermediate",
    description: "written by hand",
  };
  await fs.writeFile(path.join(dir, "metadata.json"), JSON.stringify(metadata, null, 2));
  return { dir, ids };
}
