import { promises as fs } from "node:fs";
import path from "node:path";
import { type Category, OutputNotEmptyError } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { convertYolo, dataYamlText, formatYoloLine, toYoloBox } from "../src/index.js";
import { listFiles, makeImages, memoryInput, parseDataYaml, tempDir } from "./helpers.js";

const categories: Category[] = [
  { id: 0, name: "button" },
  { id: 1, name: "text field" },
  { id: 2, name: 'say "hi": ボタン # x' },
];

describe("label lines", () => {
  it("writes class cx cy w h, normalised, clipped, with 6 decimals", async () => {
    const root = await tempDir();
    const images = await makeImages(
      path.join(root, "src"),
      [
        {
          id: "a",
          width: 64,
          height: 48,
          boxes: [
            { categoryId: 1, bbox: [10, 20, 30, 8] },
            { categoryId: 0, bbox: [50, 40, 30, 30] }, // clipped to [50,40,14,8]
            { categoryId: 2, bbox: [70, 10, 5, 5] }, // outside: dropped
            { categoryId: 0, bbox: [10, 10, 0, 5] }, // zero width: dropped
          ],
        },
        { id: "empty", width: 20, height: 10 },
      ],
      categories,
    );
    const out = path.join(root, "out");
    const summary = await convertYolo(memoryInput(images, categories), { outDir: out });
    expect(await fs.readFile(path.join(out, "labels/train/a.txt"), "utf8")).toBe(
      "1 0.390625 0.500000 0.468750 0.166667\n0 0.890625 0.916667 0.218750 0.166667\n",
    );
    expect(await fs.readFile(path.join(out, "labels/train/empty.txt"), "utf8")).toBe("");
    expect(summary).toEqual({
      outDir: out,
      images: 2,
      boxes: 2,
      boxesDropped: 2,
      splits: { train: 2 },
      dataYaml: path.join(out, "data.yaml"),
      duplicatesMerged: 0,
    });
    expect(await listFiles(out)).toEqual([".qontinui-output", "data.yaml", "images/train/a.png", "images/train/empty.png", "labels/train/a.txt", "labels/train/empty.txt"]);
  });

  it("clips to [0, 1] and formats fixed decimals", () => {
    expect(formatYoloLine(toYoloBox([-10, -10, 20, 20], 100, 50, 3)!)).toBe("3 0.050000 0.100000 0.100000 0.200000");
    expect(toYoloBox([0, 0, 1e-9, 5], 100, 100, 0)).toBeUndefined();
    expect(toYoloBox([Number.NaN, 0, 5, 5], 100, 100, 0)).toBeUndefined();
  });
});

describe("data.yaml", () => {
  it("points val at train without a split, names as an index mapping that round-trips awkward names", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), [{ id: "a", width: 8, height: 8, boxes: [{ categoryId: 2, bbox: [1, 1, 2, 2] }] }], categories);
    const out = path.join(root, "out");
    await convertYolo(memoryInput(images, categories), { outDir: out });
    const text = await fs.readFile(path.join(out, "data.yaml"), "utf8");
    expect(text).toContain(`\npath: ${out}\n`);
    expect(text).toContain("\ntrain: images/train\nval: images/train\nnc: 3\nnames:\n  0: \"button\"\n  1: \"text field\"\n");
    expect(text).not.toContain("test:");
    const parsed = parseDataYaml(text);
    expect([...parsed.names.entries()]).toEqual(categories.map((c) => [c.id, c.name]));
    expect(parsed.path).toBe(out);
  });

  it("quotes a path that is not a safe plain scalar, and writes names: {} without categories", () => {
    const text = dataYamlText({ root: "/tmp/my data #1", train: "images/train", val: "images/train", categories: [] });
    expect(text).toContain('path: "/tmp/my data #1"\n');
    expect(text).toContain("nc: 0\nnames: {}\n");
  });
});

describe("splits", () => {
  const specs = Array.from({ length: 20 }, (_, i) => ({
    id: `img${String(i).padStart(2, "0")}`,
    width: 16,
    height: 16,
    boxes: i % 3 === 0 ? [] : [{ categoryId: i % 2, bbox: [1, 1, 4, 4] as [number, number, number, number] }],
  }));
  const split = { ratios: [0.5, 0.25, 0.25], seed: 3 };

  async function assignment(out: string): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const s of ["train", "val", "test"]) {
      for (const f of await fs.readdir(path.join(out, "images", s))) {
        expect(map.has(f)).toBe(false); // each image in exactly one split
        map.set(f, s);
        await fs.access(path.join(out, "labels", s, f.replace(/\.png$/, ".txt")));
      }
    }
    return map;
  }

  it("puts each image in exactly one split with its label next to it, reproducibly", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), specs, categories);
    const out1 = path.join(root, "out1");
    const out2 = path.join(root, "out2");
    const progress: number[] = [];
    const s1 = await convertYolo(memoryInput(images, categories, split), { outDir: out1, split, onProgress: (d) => progress.push(d) });
    const s2 = await convertYolo(memoryInput([...images].reverse(), categories, split), { outDir: out2, split });
    expect(s1.splits).toEqual({ train: 10, val: 5, test: 5 });
    expect(s1.images).toBe(20);
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const a1 = await assignment(out1);
    const a2 = await assignment(out2);
    expect(a1.size).toBe(20);
    expect([...a1.entries()].sort()).toEqual([...a2.entries()].sort());
    const yaml = parseDataYaml(await fs.readFile(path.join(out1, "data.yaml"), "utf8"));
    expect(yaml).toMatchObject({ train: "images/train", val: "images/val", test: "images/test", nc: 3 });
    // label files hold the right boxes in their split
    for (const [file, s] of a1) {
      const i = Number(file.slice(3, 5));
      const text = await fs.readFile(path.join(out1, "labels", s, file.replace(/\.png$/, ".txt")), "utf8");
      expect(text).toBe(i % 3 === 0 ? "" : `${i % 2} 0.187500 0.187500 0.250000 0.250000\n`);
    }
  });

  it("writes each image once even when the input yields it twice", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), specs.slice(0, 3), categories);
    const input = memoryInput([...images, images[0]!], categories);
    const s = await convertYolo(input, { outDir: path.join(root, "out") });
    expect(s.images).toBe(3);
  });
});

describe("output directory", () => {
  it("hard-links images in hardlink mode", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), [{ id: "a", width: 4, height: 4 }], categories);
    const out = path.join(root, "out");
    await convertYolo(memoryInput(images, categories), { outDir: out, imageMode: "hardlink" });
    const [src, dst] = await Promise.all([fs.stat(images[0]!.path), fs.stat(path.join(out, "images/train/a.png"))]);
    expect(dst.ino).toBe(src.ino);
    expect(dst.nlink).toBe(2);
  });

  it("copies in copy mode (a separate file)", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), [{ id: "a", width: 4, height: 4 }], categories);
    const out = path.join(root, "out");
    await convertYolo(memoryInput(images, categories), { outDir: out });
    const [src, dst] = await Promise.all([fs.stat(images[0]!.path), fs.stat(path.join(out, "images/train/a.png"))]);
    expect(dst.ino).not.toBe(src.ino);
    expect(await fs.readFile(path.join(out, "images/train/a.png"))).toEqual(await fs.readFile(images[0]!.path));
  });

  it("refuses a non-empty directory that is not a YOLO output, unless force", async () => {
    const root = await tempDir();
    const images = await makeImages(path.join(root, "src"), [{ id: "a", width: 4, height: 4 }], categories);
    const out = path.join(root, "out");
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, "thesis.docx"), "precious");
    await expect(convertYolo(memoryInput(images, categories), { outDir: out })).rejects.toThrow(OutputNotEmptyError);
    await expect(convertYolo(memoryInput(images, categories), { outDir: out })).rejects.toThrow(/not empty/);
    expect(await listFiles(out)).toEqual(["thesis.docx"]);
    await convertYolo(memoryInput(images, categories), { outDir: out, force: true });
    expect(await fs.readFile(path.join(out, "thesis.docx"), "utf8")).toBe("precious");
    expect(await listFiles(out)).toContain("data.yaml");
  });

  it("re-converting into a previous output replaces its images and labels and keeps user files", async () => {
    const root = await tempDir();
    const specs = Array.from({ length: 8 }, (_, i) => ({ id: `i${i}`, width: 8, height: 8 }));
    const images = await makeImages(path.join(root, "src"), specs, categories);
    const out = path.join(root, "out");
    const split = { ratios: [0.5, 0.25, 0.25], seed: 1 };
    await convertYolo(memoryInput(images, categories, split), { outDir: out, split });
    await fs.writeFile(path.join(out, "notes.txt"), "mine");
    await fs.writeFile(path.join(out, "labels", "train.cache"), "stale");
    // Second conversion: fewer images, no split.
    await convertYolo(memoryInput(images.slice(0, 2), categories), { outDir: out });
    expect(await listFiles(out)).toEqual([
      ".qontinui-output",
      "data.yaml",
      "images/train/i0.png",
      "images/train/i1.png",
      "labels/train/i0.txt",
      "labels/train/i1.txt",
      "notes.txt",
    ]);
    expect(await fs.readFile(path.join(out, "notes.txt"), "utf8")).toBe("mine");
  });
});
