import { promises as fs } from "node:fs";
import path from "node:path";
import { OUTPUT_MARKER, parseSplitRatios, validateAgainst } from "@qontinui/export-core";
import { convertedThrough, listFiles } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { describe, expect, it } from "vitest";
import { cocoFormat, cocoWriter, toCoco } from "../src/index.js";
import { intermediateDataset, readCoco, readCoco2017, tempDir } from "./helpers.js";

describeWriterContract({
  name: "coco writer, coco2017 layout",
  createWriter: (dir) => cocoWriter({ outDir: dir, layout: "coco2017" }),
  read: readCoco2017,
});
describeWriterContract({
  name: "coco converter, coco2017 layout (the images travel with the output)",
  createWriter: convertedThrough(
    (dir) => intermediateWriter({ outDir: dir }),
    (dataset, out) => cocoFormat.fromDataset(dataset, { out }, { layout: "coco2017" }),
  ),
  read: readCoco2017,
});
describeWriterContract({
  name: "coco converter, coco2017 layout with a split and hard links",
  createWriter: convertedThrough(
    (dir) => intermediateWriter({ outDir: dir }),
    (dataset, out) => cocoFormat.fromDataset(dataset, { out, split: { ratios: [0.5, 0.3, 0.2], seed: 3 }, linkImages: true }, { layout: "coco2017" }),
  ),
  read: readCoco2017,
});

describe("coco2017 layout", () => {
  it("writes annotations/<split>.json and images/<split>/, 1-based categories and int ids from 1 in each split", async () => {
    const { dir } = await intermediateDataset(20);
    const out = path.join(await tempDir(), "coco out");
    const split = { ratios: parseSplitRatios("0.6,0.2,0.2"), seed: 5 };
    const summary = await toCoco(dir, { outDir: out, split, layout: "coco2017" });
    expect(summary.layout).toBe("coco2017");
    expect(summary.imagesDir).toBe(path.join(out, "images"));
    const files = await listFiles(out);
    expect(files.filter((f) => f.startsWith("annotations/"))).toEqual(["annotations/test.json", "annotations/train.json", "annotations/val.json"]);
    expect(files.includes(OUTPUT_MARKER)).toBe(true);
    const seen = new Set<string>();
    let images = 0;
    for (const s of ["train", "val", "test"]) {
      const coco = await readCoco(path.join(out, "annotations", `${s}.json`));
      expect(validateAgainst("coco", coco)).toEqual({ ok: true });
      expect(coco.categories.map((c) => c.id)).toEqual([1, 2, 3]);
      expect(coco.images.map((i) => i.id)).toEqual(coco.images.map((_, k) => k + 1));
      expect(coco.annotations.map((a) => a.id)).toEqual(coco.annotations.map((_, k) => k + 1));
      for (const img of coco.images) {
        expect(img.file_name).not.toMatch(/[/\\]/);
        await fs.access(path.join(out, "images", s, img.file_name));
        expect(seen.has(img.content_hash!)).toBe(false);
        seen.add(img.content_hash!);
      }
      // Nothing but this split's images in its folder.
      expect((await fs.readdir(path.join(out, "images", s))).sort()).toEqual(coco.images.map((i) => i.file_name).sort());
      images += coco.images.length;
    }
    expect(images).toBe(20);
  });

  it("without a split puts every image in train", async () => {
    const { dir } = await intermediateDataset(6);
    const summary = await toCoco(dir, { layout: "coco2017" });
    expect(summary.files.map((f) => [path.relative(dir, f.file), f.images])).toEqual([[path.join("coco", "annotations", "train.json"), 6]]);
    expect(await fs.readdir(path.join(dir, "coco", "images", "train"))).toHaveLength(6);
  });

  it("re-converting replaces the previous splits and keeps the user's files; a foreign directory is refused", async () => {
    const { dir } = await intermediateDataset(10);
    const out = path.join(await tempDir(), "coco");
    await toCoco(dir, { outDir: out, split: { ratios: [0.5, 0.3, 0.2], seed: 1 }, layout: "coco2017" });
    await fs.writeFile(path.join(out, "notes.txt"), "mine");
    await fs.writeFile(path.join(out, "annotations", "my-notes.json"), "{}");
    await toCoco(dir, { outDir: out, layout: "coco2017" });
    const files = await listFiles(out);
    expect(files.filter((f) => f.startsWith("annotations/"))).toEqual(["annotations/my-notes.json", "annotations/train.json"]);
    expect(files.filter((f) => f.startsWith("images/") && !f.startsWith("images/train/"))).toEqual([]);
    expect(files).toContain("notes.txt");

    const foreign = await tempDir();
    await fs.writeFile(path.join(foreign, "thesis.docx"), "x");
    await expect(toCoco(dir, { outDir: foreign, layout: "coco2017" })).rejects.toThrow(/not empty/);
  });

  it("refuses a single-file target for a directory layout", async () => {
    const { dir } = await intermediateDataset(2);
    await expect(toCoco(dir, { out: path.join(dir, "x.json"), layout: "coco2017" })).rejects.toThrow(/coco2017 layout is a directory/);
  });
});
