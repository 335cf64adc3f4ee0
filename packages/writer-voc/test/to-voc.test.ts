import { promises as fs } from "node:fs";
import path from "node:path";
import { contentId } from "@qontinui/export-core";
import { encodePng } from "@qontinui/export-core/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { toVoc } from "../src/index.js";
import { tempDir } from "./helpers.js";
import { readVoc } from "./read-voc.js";

/** An intermediate dataset written by hand: metadata.json, manifest.jsonl, images/, annotations/. */
async function writeDataset(dir: string) {
  const categoryMap = { button: 0, "menu/item": 1, ボタン: 2 };
  const shots = [
    { png: encodePng(40, 30, (x, y) => [x, y, 1]), width: 40, height: 30, boxes: [
      { bbox: [0, 0, 10, 10], category_id: 0, category_name: "button", confidence: 0.9, source: "template_matching", verified: false },
      { bbox: [30, 20, 10, 10], category_id: 1, category_name: "menu/item", confidence: 1, source: "user_click", verified: true, clipped: true },
    ] },
    { png: encodePng(20, 20, (x, y) => [x, y, 2]), width: 20, height: 20, boxes: [
      { bbox: [5, 5, 5, 5], category_id: 2, category_name: "ボタン", confidence: 1, source: "user_click", verified: true },
    ] },
    { png: encodePng(10, 10, (x, y) => [x, y, 3]), width: 10, height: 10, boxes: [] },
  ];
  await fs.mkdir(path.join(dir, "images"), { recursive: true });
  await fs.mkdir(path.join(dir, "annotations"));
  const manifest: string[] = [];
  const ids: string[] = [];
  for (const [i, s] of shots.entries()) {
    const id = contentId(s.png).id;
    ids.push(id);
    await fs.writeFile(path.join(dir, "images", `${id}.png`), s.png);
    await fs.writeFile(
      path.join(dir, "annotations", `${id}.json`),
      JSON.stringify({
        image_id: id,
        image_filename: `${id}.png`,
        image_width: s.width,
        image_height: s.height,
        annotations: s.boxes,
        context: { action_type: "CLICK", active_states: [], timestamp: null, success: true },
        version: "1.0.0",
      }),
    );
    manifest.push(JSON.stringify({ id, image: `images/${id}.png`, annotations: `annotations/${id}.json`, action_id: `a${i}`, action_type: "CLICK", timestamp: null, active_states: [], source: "test", is_new: true, reviewed: false }));
  }
  // A second record on the first screenshot: the image is written once.
  manifest.push(JSON.stringify({ id: ids[0], image: `images/${ids[0]}.png`, annotations: `annotations/${ids[0]}.json`, action_id: "a9", action_type: "CLICK", timestamp: null, active_states: [], source: "test", is_new: false, reviewed: false }));
  await fs.writeFile(path.join(dir, "manifest.jsonl"), manifest.join("\n") + "\n");
  await fs.writeFile(path.join(dir, "metadata.json"), JSON.stringify({ dataset_version: "1.0.0", category_map: categoryMap }));
  return { ids, shots };
}

describe("toVoc", () => {
  it("converts an intermediate dataset directory", async () => {
    const root = await tempDir();
    const ds = path.join(root, "dataset");
    const { ids, shots } = await writeDataset(ds);
    const out = path.join(root, "voc");
    const summary = await toVoc(ds, { outDir: out });
    expect(summary).toMatchObject({ images: 3, boxes: 3, boxesDropped: 0, splits: { train: 3 } });
    const read = await readVoc(out);
    expect(read.map((r) => r.stem).sort()).toEqual([...ids].sort());
    const first = read.find((r) => r.stem === ids[0])!;
    expect(first).toMatchObject({ file: `JPEGImages/${ids[0]}.jpg`, width: 40, height: 30, depth: 3 });
    expect(first.boxes).toEqual([
      { categoryName: "button", bbox: [0, 0, 10, 10] },
      { categoryName: "menu/item", bbox: [30, 20, 10, 10] },
    ]);
    expect(first.objects.map((o) => [o.truncated, o.confidence, o.source, o.verified])).toEqual([
      [0, "0.9", "template_matching", "0"],
      [1, "1", "user_click", "1"],
    ]);
    expect(read.find((r) => r.stem === ids[1])!.boxes).toEqual([{ categoryName: "ボタン", bbox: [5, 5, 5, 5] }]);
    expect(read.find((r) => r.stem === ids[2])!.boxes).toEqual([]);
    for (const [i, id] of ids.entries()) {
      const meta = await sharp(path.join(out, "JPEGImages", `${id}.jpg`)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", shots[i]!.width, shots[i]!.height]);
    }
    expect(await fs.readFile(path.join(out, "ImageSets", "Main", "trainval.txt"), "utf8")).toBe([...ids].sort().join("\n") + "\n");
    expect(await fs.readFile(path.join(out, "labels.txt"), "utf8")).toBe("button\nmenu/item\nボタン\n");
    // The dataset is untouched.
    expect((await fs.readdir(ds)).sort()).toEqual(["annotations", "images", "manifest.jsonl", "metadata.json"]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("splits a dataset directory", async () => {
    const root = await tempDir();
    const ds = path.join(root, "dataset");
    await writeDataset(ds);
    const summary = await toVoc(ds, { outDir: path.join(root, "voc"), split: { ratios: [2 / 3, 1 / 3], seed: 1 } });
    expect(summary.splits).toEqual({ train: 2, val: 1 });
    await fs.rm(root, { recursive: true, force: true });
  });
});
