import { promises as fs } from "node:fs";
import path from "node:path";
import { DatasetError } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { type AnnotationFile, datasetConvertInput, type ImageProblem, openDataset } from "../src/index.js";
import { box, writeDataset } from "./fixtures.js";

// A dataset is input too: `coco`, `yolo`, `voc` and `merge` read what someone else wrote.
// What is not data is left out with a named problem, never copied or written into XML, YAML or a path.

async function rewriteAnnotationFile(dir: string, id: string, change: (f: AnnotationFile) => void): Promise<void> {
  const file = path.join(dir, "annotations", `${id}.json`);
  const doc = JSON.parse(await fs.readFile(file, "utf8")) as AnnotationFile;
  change(doc);
  await fs.writeFile(file, JSON.stringify(doc));
}

describe("a hostile intermediate dataset", () => {
  it("leaves out boxes that are not boxes, each with its reason, and keeps the good one", async () => {
    const { dir, ids } = await writeDataset([{ width: 120, height: 80, boxes: [box([10, 10, 20, 10], "login_button")], records: 1 }]);
    await rewriteAnnotationFile(dir, ids[0]!, (f) => {
      f.annotations.push(
        { ...f.annotations[0]!, bbox: [-500, -500, 99999, 99999] },
        { ...f.annotations[0]!, confidence: 7 },
        { ...f.annotations[0]!, bbox: ["NaN", 1, 2, 3] as never },
        { ...f.annotations[0]!, bbox: [1, 1, 0, 5] },
        { ...f.annotations[0]!, category_name: null as never, category_id: 99 },
        null as never,
      );
    });
    const ds = await openDataset(dir);
    const problems: ImageProblem[] = [];
    const image = await ds.image(ids[0]!, (p) => problems.push(p));
    expect(image.annotations).toHaveLength(1);
    expect(image.annotations[0]).toMatchObject({ bbox: [10, 10, 20, 10], categoryName: "login_button", categoryId: 0 });
    expect(problems.map((p) => p.reason)).toEqual([
      "stored_box_outside_image",
      "stored_box_confidence_invalid",
      "stored_box_invalid",
      "stored_box_invalid",
      "stored_box_category_invalid",
      "stored_box_invalid",
    ]);
  });

  it("never takes a path or markup from an annotation file: image_filename '..' and a width holding XML", async () => {
    const { dir, ids } = await writeDataset([{ width: 64, height: 48, boxes: [box([1, 1, 5, 5], "search_field")], records: 1 }]);
    await rewriteAnnotationFile(dir, ids[0]!, (f) => {
      f.image_filename = "..";
      f.image_width = "800</width><evil>x</evil><width>800" as never;
    });
    const ds = await openDataset(dir);
    const problems: ImageProblem[] = [];
    const image = await ds.image(ids[0]!, (p) => problems.push(p));
    expect(image.fileName).toBe(`${ids[0]}.png`);
    expect(image.path).toBe(path.join(dir, "images", `${ids[0]}.png`));
    expect([image.width, image.height]).toEqual([64, 48]); // from the image itself
    expect(problems.map((p) => p.reason)).toEqual(["stored_filename_invalid", "stored_size_invalid"]);
    for (const other of ["../../etc/passwd", `${ids[0]}.png/../x`, "ffffffffffffffff.png"]) {
      await rewriteAnnotationFile(dir, ids[0]!, (f) => {
        f.image_filename = other;
      });
      expect((await ds.image(ids[0]!)).fileName).toBe(`${ids[0]}.png`);
    }
  });

  it("reads categories named __proto__ and constructor as names, and refuses a category_map that is not one", async () => {
    const { dir, ids } = await writeDataset([{ width: 50, height: 50, boxes: [box([1, 1, 5, 5], "login_button")], records: 1 }]);
    const metaFile = path.join(dir, "metadata.json");
    const meta = JSON.parse(await fs.readFile(metaFile, "utf8"));
    await fs.writeFile(metaFile, JSON.stringify(meta).replace('"category_map":{', '"category_map":{"__proto__":2,"constructor":3,'));
    await rewriteAnnotationFile(dir, ids[0]!, (f) => {
      f.annotations.push({ ...f.annotations[0]!, category_name: "__proto__", category_id: undefined as never }, { ...f.annotations[0]!, bbox: [10, 10, 5, 5], category_name: "constructor", category_id: 3 });
      // A name not in the map must not find Object.prototype's "toString".
      f.annotations.push({ ...f.annotations[0]!, category_name: "toString", category_id: undefined as never });
    });
    const ds = await openDataset(dir);
    expect(ds.categories()).toEqual([
      { id: 0, name: "login_button" },
      { id: 1, name: "search_field" },
      { id: 2, name: "__proto__" },
      { id: 3, name: "constructor" },
    ]);
    const problems: ImageProblem[] = [];
    const image = await ds.image(ids[0]!, (p) => problems.push(p));
    expect(image.annotations.map((a) => [a.categoryName, a.categoryId])).toEqual([
      ["login_button", 0],
      ["__proto__", 2],
      ["constructor", 3],
    ]);
    expect(problems.map((p) => p.reason)).toEqual(["stored_box_category_invalid"]);

    for (const bad of ['"category_map":{"a":-1}', '"category_map":{"a":0,"b":0}', '"category_map":{"a":"0"}', '"category_map":[]']) {
      await fs.writeFile(metaFile, JSON.stringify(meta).replace(/"category_map":\{[^}]*\}/, bad));
      await expect(openDataset(dir), bad).rejects.toBeInstanceOf(DatasetError);
    }
  });

  it("a converter is told, a few times per reason, and gets only good boxes", async () => {
    const { dir, ids } = await writeDataset(Array.from({ length: 10 }, () => ({ width: 40, height: 30, boxes: [box([1, 1, 5, 5], "login_button")], records: 1 })));
    for (const id of ids) await rewriteAnnotationFile(dir, id, (f) => f.annotations.push({ ...f.annotations[0]!, confidence: -1 }));
    const warnings: string[] = [];
    const input = await datasetConvertInput(dir, { logger: { info() {}, warn: (m: string) => warnings.push(m), debug() {} } as never });
    let boxes = 0;
    for await (const image of input.images()) boxes += image.annotations.length;
    expect(boxes).toBe(10);
    expect(warnings.filter((w) => w.endsWith("(stored_box_confidence_invalid)"))).toHaveLength(5);
    expect(warnings.at(-1)).toMatch(/more stored_box_confidence_invalid problems are not shown/);
  });

  it("gives every format one normalised name per category: padding, U+FFFE and controls go, as an export does", async () => {
    const { dir, ids } = await writeDataset([{ width: 50, height: 50, boxes: [box([1, 1, 5, 5], "login_button")], records: 1 }]);
    const metaFile = path.join(dir, "metadata.json");
    const meta = JSON.parse(await fs.readFile(metaFile, "utf8"));
    meta.category_map = { "  padded  ": 0, "x\ufffey": 1 };
    await fs.writeFile(metaFile, JSON.stringify(meta));
    await rewriteAnnotationFile(dir, ids[0]!, (f) => {
      f.annotations = [
        { ...f.annotations[0]!, category_name: "  padded  ", category_id: 0 },
        { ...f.annotations[0]!, bbox: [10, 10, 5, 5], category_name: "x\ufffey", category_id: 1 },
        { ...f.annotations[0]!, bbox: [20, 20, 5, 5], category_name: "padded", category_id: undefined as never },
      ];
    });
    const ds = await openDataset(dir);
    expect(ds.categories()).toEqual([
      { id: 0, name: "padded" },
      { id: 1, name: "x y" },
    ]);
    expect((await ds.image(ids[0]!)).annotations.map((a) => [a.categoryName, a.categoryId])).toEqual([
      ["padded", 0],
      ["x y", 1],
      ["padded", 0],
    ]);
    meta.category_map = { padded: 0, " padded": 1 };
    await fs.writeFile(metaFile, JSON.stringify(meta));
    await expect(openDataset(dir)).rejects.toThrow(/both "padded" once normalised/);
  });
});

describe("the reader's size limits", () => {
  it("a manifest line past the cap (and a 20 MB one without a newline) is a problem, not memory; the other lines are read", async () => {
    const { dir, ids } = await writeDataset([
      { width: 40, height: 30, boxes: [box([1, 1, 5, 5], "login_button")], records: 1 },
      { width: 40, height: 30, boxes: [box([2, 2, 5, 5], "search_field")], records: 1 },
    ]);
    const manifest = path.join(dir, "manifest.jsonl");
    const lines = (await fs.readFile(manifest, "utf8")).trim().split("\n");
    const huge = `{"id":"${"f".repeat(16)}","pad":"${"x".repeat(20 * 1024 * 1024)}"}`;
    await fs.writeFile(manifest, `${lines[0]}\n${huge}\n${lines[1]}\n{"id":"${"e".repeat(16)}","pad":"${"y".repeat(20 * 1024 * 1024)}`);
    const dataset = await openDataset(dir);
    const problems: { line: number; message: string }[] = [];
    expect(await dataset.imageIds((p) => problems.push(p))).toEqual(ids);
    expect(problems.map((p) => p.line)).toEqual([2, 4]);
    expect(problems[0]!.message).toMatch(/longer than|line_too_long|bytes/i);
    // Python's NaN in a manifest line is read (as null), not a broken line.
    await fs.writeFile(manifest, `${lines[0]!.replace(/"timestamp":[^,}]*/, '"timestamp":NaN')}\n`);
    expect(await fs.readFile(manifest, "utf8")).toContain('"timestamp":NaN');
    const again: unknown[] = [];
    expect(await (await openDataset(dir)).imageIds((p) => again.push(p))).toEqual([ids[0]]);
    expect(again).toEqual([]);
  });

  it("an annotation file over 64 MiB is refused by name, not read into memory", async () => {
    const { dir, ids } = await writeDataset([{ width: 40, height: 30, boxes: [box([1, 1, 5, 5], "login_button")], records: 1 }]);
    const file = path.join(dir, "annotations", `${ids[0]}.json`);
    await fs.truncate(file, 64 * 1024 * 1024 + 1);
    await expect((await openDataset(dir)).readAnnotationFile(ids[0]!)).rejects.toThrow(/over the 67108864-byte limit/);
  });
});
