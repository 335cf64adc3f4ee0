import { promises as fs } from "node:fs";
import path from "node:path";
import { DatasetError } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { datasetConvertInput, datasetSummary, openDataset, validateDataset } from "../src/index.js";
import { box, tempDir, writeDataset } from "./fixtures.js";

const images = [
  { width: 64, height: 48, records: 2, boxes: [box([2, 3, 20, 10], "login_button"), box([30, 5, 20, 10], "search_field", { clipped: true, verified: true, source: "user_click" })] },
  { width: 40, height: 30, records: 1 }, // no annotation file: the seed writes none for an image without boxes
  { width: 40, height: 40, records: 1, boxes: [box([0, 0, 10, 10], "search_field")] },
];

describe("openDataset: reading a dataset the seed exporter wrote", () => {
  it("streams each distinct image once, with its boxes as LabeledAnnotations", async () => {
    const { dir, ids } = await writeDataset(images);
    const ds = await openDataset(dir);
    expect(ds.categories()).toEqual([
      { id: 0, name: "login_button" },
      { id: 1, name: "search_field" },
    ]);
    const read = [];
    for await (const image of ds.images()) read.push(image);
    expect(read.map((i) => [i.id, i.fileName, i.width, i.height, i.annotations.length])).toEqual([
      [ids[0], `${ids[0]}.png`, 64, 48, 2],
      [ids[1], `${ids[1]}.png`, 40, 30, 0],
      [ids[2], `${ids[2]}.png`, 40, 40, 1],
    ]);
    expect(read[0]!.annotations[1]).toEqual({ bbox: [30, 5, 20, 10], categoryId: 1, categoryName: "search_field", confidence: 0.9, source: "user_click", verified: true, clipped: true });
    expect(read[0]!.activeStates).toEqual(["main"]);
  });

  it("passes over a torn last manifest line and a bad id, telling their line numbers", async () => {
    const { dir, ids } = await writeDataset(images, { tail: `{"id":"../../etc/passwd"}\n{"id":"${"a".repeat(16)}","ima` });
    const problems: number[] = [];
    const ds = await openDataset(dir);
    expect(await ds.imageIds((p) => problems.push(p.line))).toEqual(ids);
    expect(problems).toEqual([5, 6]);
  });

  it("refuses a directory without metadata.json, saying how to make a dataset", async () => {
    const dir = await tempDir();
    await expect(openDataset(dir)).rejects.toThrow(DatasetError);
    await expect(openDataset(dir)).rejects.toThrow(/no metadata\.json/);
  });
});

describe("datasetConvertInput, datasetSummary, validateDataset", () => {
  it("gives converters the categories, the image count and a reproducible stratified split", async () => {
    const { dir, ids } = await writeDataset(images);
    const split = { ratios: [0.5, 0.5], seed: 7, stratify: true };
    const input = await datasetConvertInput(dir, { split });
    expect(input.imageCount).toBe(3);
    expect(input.categories.map((c) => c.name)).toEqual(["login_button", "search_field"]);
    expect(input.datasetVersion).toBe("1.0.0");
    const again = await datasetConvertInput(dir, { split });
    expect(ids.map((id) => input.splitOf(id))).toEqual(ids.map((id) => again.splitOf(id)));
    const streamed = [];
    for await (const image of input.images()) streamed.push(image.id);
    expect(streamed).toEqual(ids);
  });

  it("summarises like the seed's get_summary()", async () => {
    const { dir } = await writeDataset(images);
    const s = await datasetSummary(dir);
    expect(s).toMatchObject({ total_images: 3, total_annotations: 3, total_categories: 2, manifest_entries: 4, reviewed_entries: 1, unreadable_manifest_lines: [] });
  });

  it("validates a consistent dataset, and names the file and box of a box outside its image", async () => {
    const { dir, ids } = await writeDataset(images);
    expect(await validateDataset(dir)).toMatchObject({ ok: true, problems: [], checked: { manifestLines: 4, images: 3, annotationFiles: 2, boxes: 3 } });
    const file = path.join(dir, "annotations", `${ids[2]}.json`);
    const ann = JSON.parse(await fs.readFile(file, "utf8"));
    ann.annotations[0].bbox = [35, 35, 10, 10];
    await fs.writeFile(file, JSON.stringify(ann));
    const report = await validateDataset(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ file: `annotations/${ids[2]}.json`, message: "/annotations/0: box [35,35,10,10] is not inside the 40×40 image" }]);
  });
});
