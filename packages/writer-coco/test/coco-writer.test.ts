import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError, parseSplitRatios, runPipeline, silentLogger, validateAgainst } from "@qontinui/export-core";
import { encodePng, memorySource } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { describe, expect, it } from "vitest";
import { cocoWriter, toCoco } from "../src/index.js";
import { boxesLabeler, idOf, intermediateDataset, readCoco, readCocoDir, tempDir } from "./helpers.js";

describeWriterContract({ name: "coco writer", createWriter: (dir) => cocoWriter({ outDir: dir }), read: readCocoDir });

describe("toCoco on an intermediate dataset directory", () => {
  it("writes dataset.json that validates, with ids from 1, areas, extras and 1-based categories", async () => {
    const { dir, images } = await intermediateDataset(8);
    const summary = await toCoco(dir);
    expect(summary.files).toEqual([{ split: null, file: path.join(dir, "dataset.json"), images: 8, annotations: 13 }]);
    expect(summary.imagesDir).toBe(path.join(dir, "images"));
    const coco = await readCoco(path.join(dir, "dataset.json"));
    expect(validateAgainst("coco", coco)).toEqual({ ok: true });
    expect(coco.categories).toEqual([
      { id: 1, name: "button", supercategory: "gui" },
      { id: 2, name: "text field", supercategory: "gui" },
      { id: 3, name: "rare", supercategory: "gui" },
    ]);
    expect(coco.images.map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(coco.annotations.map((a) => a.id)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(coco.images[0]).toEqual({ id: 1, file_name: `${idOf(images[0]!)}.png`, width: 40, height: 30, content_hash: idOf(images[0]!), active_states: ["main"] });
    for (const img of coco.images) await fs.access(path.join(dir, "images", img.file_name));
    expect(coco.annotations[0]).toEqual({
      id: 1,
      image_id: 1,
      category_id: 1,
      bbox: [1, 1, 10, 8],
      area: 80,
      iscrowd: 0,
      segmentation: [],
      confidence: 0.9,
      source: "template_matching",
      verified: false,
    });
    for (const a of coco.annotations) expect(a.area).toBe(a.bbox[2] * a.bbox[3]);
    expect(coco.info.version).toBe("1.0.0");
    expect(coco.licenses).toEqual([]);
  });

  it("categoryIdBase 0, minConfidence, verifiedOnly and dropping empty images", async () => {
    const { dir } = await intermediateDataset(8);
    const zero = await readCoco((await toCoco(dir, { out: path.join(dir, "zero.json"), categoryIdBase: 0 })).files[0]!.file);
    expect(zero.categories.map((c) => c.id)).toEqual([0, 1, 2]);
    expect(Math.min(...zero.annotations.map((a) => a.category_id))).toBe(0);

    const confident = await toCoco(dir, { out: path.join(dir, "confident.json"), minConfidence: 0.5 });
    expect(confident.annotations).toBe(7);
    expect(confident.annotationsFiltered).toBe(6);

    const verified = await toCoco(dir, { out: path.join(dir, "verified.json"), verifiedOnly: true, includeEmptyImages: false });
    expect(verified.annotations).toBe(0);
    expect(verified.images).toBe(0);
    expect(verified.emptyImagesDropped).toBe(8);
    expect(validateAgainst("coco", await readCoco(path.join(dir, "verified.json")))).toEqual({ ok: true });

    const withEmpty = await toCoco(dir, { out: path.join(dir, "all.json") });
    expect(withEmpty.images).toBe(8);
    const dropped = await toCoco(dir, { out: path.join(dir, "boxed.json"), includeEmptyImages: false });
    expect(dropped.images).toBe(6);
  });

  it("clips boxes that stick out of the image; a box that misses it is left out by the reader, with a warning", async () => {
    const { dir } = await intermediateDataset(1);
    const [annName] = await fs.readdir(path.join(dir, "annotations"));
    const file = path.join(dir, "annotations", annName!);
    const ann = JSON.parse(await fs.readFile(file, "utf8"));
    ann.annotations = [
      { ...ann.annotations[0], bbox: [30, 25, 20, 20] },
      { ...ann.annotations[0], bbox: [45, 35, 5, 5] },
      { ...ann.annotations[0], bbox: [-5, -5, 10, 10.5] },
    ];
    await fs.writeFile(file, JSON.stringify(ann));
    const warnings: string[] = [];
    const summary = await toCoco(dir, { logger: { info() {}, warn: (m: string) => warnings.push(m) } });
    // The box that misses the image is not data: the dataset reader leaves it out and says so.
    expect(summary.annotationsDropped).toBe(0);
    expect(warnings).toEqual([expect.stringMatching(/bbox \[45,35,5,5\] misses the 40×30 image.*stored_box_outside_image/)]);
    const coco = await readCoco(path.join(dir, "dataset.json"));
    expect(coco.annotations.map((a) => [a.bbox, a.area, a.clipped])).toEqual([
      [[30, 25, 10, 5], 50, true],
      [[0, 0, 5, 5.5], 27.5, true],
    ]);
  });

  it("converts a dataset in the seed exporter's layout (0-based category_map, annotation files only for boxed images)", async () => {
    const dir = await tempDir();
    const a = encodePng(100, 50);
    const b = encodePng(60, 40, () => [1, 2, 3]);
    const [ia, ib] = [idOf(a), idOf(b)];
    await fs.mkdir(path.join(dir, "images"));
    await fs.mkdir(path.join(dir, "annotations"));
    await fs.writeFile(path.join(dir, "images", `${ia}.png`), a);
    await fs.writeFile(path.join(dir, "images", `${ib}.png`), b);
    const entry = (id: string, actionId: string) => ({
      id,
      image: `images/${id}.png`,
      annotations: `annotations/${id}.json`,
      action_id: actionId,
      action_type: "FIND",
      timestamp: 1700000000.5,
      active_states: ["Login"],
      source: "runner_execution",
      is_new: true,
      reviewed: false,
    });
    await fs.writeFile(path.join(dir, "manifest.jsonl"), `${[entry(ia, "x1"), entry(ib, "x2"), entry(ia, "x3")].map((e) => JSON.stringify(e)).join("\n")}\n`);
    await fs.writeFile(
      path.join(dir, "annotations", `${ia}.json`),
      JSON.stringify({
        image_id: ia,
        image_filename: `${ia}.png`,
        image_width: 100,
        image_height: 50,
        annotations: [
          { bbox: [10, 10, 20, 10], category_id: 1, category_name: "ok_button", confidence: 0.95, source: "template_matching", verified: false },
          { bbox: [50, 20, 50, 50], category_id: 0, category_name: "submit", confidence: 1.0, source: "user_click", verified: true },
        ],
        context: { action_type: "FIND", active_states: ["Login"], timestamp: 1700000000.5, success: true },
        version: "1.0.0",
      }),
    );
    await fs.writeFile(
      path.join(dir, "metadata.json"),
      JSON.stringify({
        dataset_version: "1.0.0",
        created: "2025-01-01T00:00:00",
        total_images: 2,
        total_annotations: 2,
        category_map: { submit: 0, ok_button: 1 },
        statistics: { total_records_processed: 3, records_with_screenshots: 3, records_with_matches: 1, records_with_clicks: 1, skipped_records: 0, export_time_seconds: 0.1 },
        format: "intermediate",
      }),
    );
    await toCoco(dir);
    const coco = await readCoco(path.join(dir, "dataset.json"));
    expect(validateAgainst("coco", coco)).toEqual({ ok: true });
    expect(coco.categories.map((c) => [c.id, c.name])).toEqual([
      [1, "submit"],
      [2, "ok_button"],
    ]);
    expect(coco.images.map((i) => [i.id, i.content_hash, i.width, i.height])).toEqual([
      [1, ia, 100, 50],
      [2, ib, 60, 40],
    ]);
    expect(coco.annotations.map((a) => [a.image_id, a.category_id, a.bbox, a.verified])).toEqual([
      [1, 2, [10, 10, 20, 10], false],
      [1, 1, [50, 20, 50, 30], true],
    ]);
  });

  it("says clearly when the directory is not a dataset", async () => {
    await expect(toCoco(await tempDir())).rejects.toThrow(/not an intermediate dataset: no metadata.json/);
  });
});

describe("COCO splits", () => {
  it("one file per split, every image in exactly one, sizes within one image of the ratio, reproducible", async () => {
    const { dir } = await intermediateDataset(33);
    const split = { ratios: [0.7, 0.2, 0.1], seed: 7 };
    const first = await toCoco(dir, { split, outDir: path.join(dir, "s1") });
    const second = await toCoco(dir, { split, outDir: path.join(dir, "s2") });
    expect(first.files.map((f) => path.basename(f.file))).toEqual(["train.json", "val.json", "test.json"]);
    const hashes: Record<string, string[]> = {};
    for (const f of first.files) {
      const coco = await readCoco(f.file);
      expect(validateAgainst("coco", coco)).toEqual({ ok: true });
      hashes[f.split!] = coco.images.map((i) => i.content_hash).sort();
      expect(coco.images.map((i) => i.id)).toEqual(coco.images.map((_, k) => k + 1));
      const ids = new Set(coco.images.map((i) => i.id));
      for (const a of coco.annotations) expect(ids.has(a.image_id)).toBe(true);
    }
    const all = Object.values(hashes).flat();
    expect(new Set(all).size).toBe(33);
    expect(all).toHaveLength(33);
    [0.7, 0.2, 0.1].forEach((r, i) => expect(Math.abs(hashes[["train", "val", "test"][i]!]!.length - r * 33)).toBeLessThan(1));
    for (const f of second.files) expect((await readCoco(f.file)).images.map((i) => i.content_hash).sort()).toEqual(hashes[f.split!]);
    // Every box of an image stays with the image: the split's annotation total is the images' box total.
    expect(first.annotations).toBe((await toCoco(dir, { out: path.join(dir, "whole.json") })).annotations);

    const other = await toCoco(dir, { split: { ...split, seed: 8 }, outDir: path.join(dir, "s3") });
    const otherTrain = (await readCoco(other.files[0]!.file)).images.map((i) => i.content_hash).sort();
    expect(otherTrain).not.toEqual(hashes.train);
  });

  it("stratified: a rare category appears in every split", async () => {
    const { dir } = await intermediateDataset(40, { rareEvery: 13 }); // 4 images with "rare"
    const summary = await toCoco(dir, { split: { ratios: [0.5, 0.25, 0.25], seed: 1, stratify: true }, outDir: path.join(dir, "strat") });
    for (const f of summary.files) {
      const coco = await readCoco(f.file);
      const rare = coco.categories.find((c) => c.name === "rare")!.id;
      expect(coco.annotations.some((a) => a.category_id === rare), `${f.split} has a rare box`).toBe(true);
    }
  });

  it("refuses ratios that do not sum to 1, negative or empty ones with a clear error", () => {
    expect(() => parseSplitRatios("0.7,0.2")).toThrow(/sum to 0.9, they must sum to 1/);
    expect(() => parseSplitRatios("1.2,-0.2")).toThrow(/must not be negative/);
    expect(() => parseSplitRatios("")).toThrow(ConfigError);
    expect(() => parseSplitRatios("0.5,,0.5")).toThrow(/comma-separated fractions/);
  });

  it("refuses a single output file with a split", async () => {
    const { dir } = await intermediateDataset(2);
    await expect(toCoco(dir, { out: path.join(dir, "x.json"), split: { ratios: [1] } })).rejects.toThrow(/one file per split/);
  });
});

describe("cocoWriter in a pipeline", () => {
  it("writes split files next to an intermediate dataset's images", async () => {
    const run = await tempDir();
    const records = [];
    for (let i = 0; i < 10; i++) {
      await fs.writeFile(path.join(run, `${i}.png`), encodePng(30 + i, 20));
      records.push({ action_id: `a${i}`, screenshot_reference: `${i}.png`, boxes: [{ name: "icon", bbox: [0, 0, 5, 5] }] });
    }
    records.push({ action_id: "again", screenshot_reference: "0.png", boxes: [{ name: "icon", bbox: [6, 6, 5, 5] }] });
    const out = await tempDir();
    const result = await runPipeline({
      source: memorySource(run, records),
      labelers: [boxesLabeler],
      writers: [cocoWriter({ outDir: out, split: { ratios: [0.8, 0.2], seed: 2 } })],
      logger: silentLogger,
    });
    expect(result.writers[0]).toMatchObject({ writer: "coco", images: 10, annotations: 11 });
    expect((await fs.readdir(out)).sort()).toEqual(["images", "train.json", "val.json"]);
    expect(await fs.readdir(path.join(out, "images"))).toHaveLength(10);
    const train = await readCoco(path.join(out, "train.json"));
    const val = await readCoco(path.join(out, "val.json"));
    expect([train.images.length, val.images.length]).toEqual([8, 2]);
    const shared = [...train.images, ...val.images].find((i) => i.width === 30)!;
    const owner = train.images.includes(shared) ? train : val;
    expect(owner.annotations.filter((a) => a.image_id === shared.id)).toHaveLength(2);
  });
});
