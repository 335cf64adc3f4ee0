import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Labeler, runPipeline, silentLogger } from "@qontinui/export-core";
import { encodePng, memorySource, type ReadBackImage } from "@qontinui/export-core/testing";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import type { CocoDataset } from "../src/index.js";

export const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), "qx-coco-"));
export const idOf = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);

export async function readCoco(file: string): Promise<CocoDataset> {
  return JSON.parse(await fs.readFile(file, "utf8")) as CocoDataset;
}

/** An independent COCO reader for the writer contract: file names resolve against `<dir>/images`. */
export async function readCocoDir(dir: string): Promise<ReadBackImage[]> {
  const coco = await readCoco(path.join(dir, "dataset.json"));
  const names = new Map(coco.categories.map((c) => [c.id, c.name]));
  return coco.images.map((img) => ({
    file: `images/${img.file_name}`,
    width: img.width,
    height: img.height,
    boxes: coco.annotations
      .filter((a) => a.image_id === img.id)
      .map((a) => ({ categoryName: names.get(a.category_id) ?? `?${a.category_id}`, bbox: a.bbox })),
  }));
}

/** Boxes from a record's `boxes` field: [{ name, bbox, confidence?, verified? }]. */
export const boxesLabeler: Labeler = {
  name: "test-boxes",
  label(record) {
    const boxes = (record as { boxes?: { name: string; bbox: [number, number, number, number]; confidence?: number; verified?: boolean }[] }).boxes ?? [];
    return boxes.map((b) => ({
      bbox: b.bbox,
      categoryName: b.name,
      confidence: b.confidence ?? 0.9,
      source: b.verified ? "user_click" : "template_matching",
      verified: b.verified ?? false,
    }));
  },
};

/**
 * A run of `n` distinct screenshots (sizes vary) with records carrying boxes
 * from a few categories, one rare; exported with the intermediate writer.
 */
export async function intermediateDataset(n: number, options: { rareEvery?: number } = {}): Promise<{ dir: string; images: Buffer[] }> {
  const run = await tempDir();
  const dir = path.join(await tempDir(), "dataset");
  await fs.mkdir(path.join(run, "shots"));
  const images: Buffer[] = [];
  const records: unknown[] = [];
  const rareEvery = options.rareEvery ?? 10;
  for (let i = 0; i < n; i++) {
    const w = 40 + (i % 7) * 3;
    const h = 30 + (i % 5) * 2;
    const png = encodePng(w, h, (x, y) => [(x + i) & 255, (y * 3 + i) & 255, (i * 11) & 255]);
    images.push(png);
    await fs.writeFile(path.join(run, "shots", `${i}.png`), png);
    const boxes = i % 4 === 3 ? [] : [{ name: "button", bbox: [1, 1, 10, 8] }, { name: "text field", bbox: [5, 10, 20, 6], confidence: 0.4 }];
    if (i % rareEvery === 0) boxes.push({ name: "rare", bbox: [0, 0, 4, 4] });
    records.push({ action_id: `r${i}`, action_type: "CLICK", success: true, screenshot_reference: `shots/${i}.png`, active_states_before: ["main"], boxes });
  }
  await runPipeline({ source: memorySource(run, records), labelers: [boxesLabeler], writers: [intermediateWriter({ outDir: dir })], logger: silentLogger });
  return { dir, images };
}

/** An independent reader of the coco2017 layout: every `annotations/<split>.json`, file names against `images/<split>/`. */
export async function readCoco2017(dir: string): Promise<ReadBackImage[]> {
  const out: ReadBackImage[] = [];
  for (const f of (await fs.readdir(path.join(dir, "annotations"))).sort()) {
    const split = f.replace(/\.json$/, "");
    const coco = await readCoco(path.join(dir, "annotations", f));
    const names = new Map(coco.categories.map((c) => [c.id, c.name]));
    for (const img of coco.images) {
      out.push({
        file: `images/${split}/${img.file_name}`,
        width: img.width,
        height: img.height,
        boxes: coco.annotations
          .filter((a) => a.image_id === img.id)
          .map((a) => ({ categoryName: names.get(a.category_id) ?? `?${a.category_id}`, bbox: a.bbox })),
      });
    }
  }
  return out;
}
