import { promises as fs } from "node:fs";
import path from "node:path";
import { type DatasetImage, OutputNotEmptyError } from "@qontinui/export-core";
import { encodePng } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { convertVoc, vocWriter } from "../src/index.js";
import { box, memoryInput, tempDir } from "./helpers.js";

async function oneImage(root: string, id = "00000000000000aa"): Promise<DatasetImage> {
  const file = path.join(root, `${id}.png`);
  await fs.writeFile(file, encodePng(16, 16, () => [9, 9, 9]));
  return { id, fileName: `${id}.png`, path: file, width: 16, height: 16, channels: 3, activeStates: [], annotations: [box("b", 0, [0, 0, 4, 4])] };
}

const cats = [{ id: 0, name: "b" }];

describe("output directory", () => {
  it("refuses a non-empty foreign directory unless forced", async () => {
    const root = await tempDir();
    const img = await oneImage(root);
    const out = path.join(root, "out");
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, "notes.txt"), "mine");
    const err = await convertVoc(memoryInput(cats, [img]), { outDir: out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputNotEmptyError);
    expect((err as Error).message).toMatch(/not empty.*notes\.txt.*force/);
    expect(await fs.readdir(out)).toEqual(["notes.txt"]);
    // The pipeline writer refuses at open, before the export runs.
    await expect(vocWriter({ outDir: out }).open({} as never)).rejects.toBeInstanceOf(OutputNotEmptyError);
    const summary = await convertVoc(memoryInput(cats, [img]), { outDir: out, force: true });
    expect(summary.images).toBe(1);
    expect(await fs.readFile(path.join(out, "notes.txt"), "utf8")).toBe("mine");
    await fs.rm(root, { recursive: true, force: true });
  });

  it("ignores .spool when checking emptiness", async () => {
    const root = await tempDir();
    const img = await oneImage(root);
    const out = path.join(root, "out");
    await fs.mkdir(path.join(out, ".spool"), { recursive: true });
    await expect(convertVoc(memoryInput(cats, [img]), { outDir: out })).resolves.toMatchObject({ images: 1 });
    await fs.rm(root, { recursive: true, force: true });
  });

  it("replaces a previous VOC output and keeps the user's files", async () => {
    const root = await tempDir();
    const a = await oneImage(root, "00000000000000aa");
    const b = await oneImage(root, "00000000000000bb");
    const out = path.join(root, "out");
    await convertVoc(memoryInput(cats, [a]), { outDir: out });
    await fs.writeFile(path.join(out, "README-mine.md"), "keep me");
    await convertVoc(memoryInput(cats, [b]), { outDir: out });
    expect(await fs.readdir(path.join(out, "Annotations"))).toEqual(["00000000000000bb.xml"]);
    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual(["00000000000000bb.png"]);
    expect(await fs.readFile(path.join(out, "ImageSets", "Main", "train.txt"), "utf8")).toBe("00000000000000bb\n");
    expect(await fs.readFile(path.join(out, "README-mine.md"), "utf8")).toBe("keep me");
    expect((await fs.readdir(out)).sort()).toEqual([".qontinui-output", "Annotations", "ImageSets", "JPEGImages", "README-mine.md", "labels.txt"]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("hard-links images in hardlink mode and copies by default", async () => {
    const root = await tempDir();
    const img = await oneImage(root);
    const linked = await convertVoc(memoryInput(cats, [img]), { outDir: path.join(root, "l"), imageMode: "hardlink" });
    expect(linked.imagesLinked).toBe(1);
    const src = await fs.stat(img.path);
    const dst = await fs.stat(path.join(root, "l", "JPEGImages", img.fileName));
    expect(dst.ino).toBe(src.ino);
    expect(src.nlink).toBe(2);
    const copied = await convertVoc(memoryInput(cats, [img]), { outDir: path.join(root, "c") });
    expect(copied.imagesLinked).toBe(0);
    expect((await fs.stat(path.join(root, "c", "JPEGImages", img.fileName))).ino).not.toBe(src.ino);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("writes an image once even when it is given twice", async () => {
    const root = await tempDir();
    const img = await oneImage(root);
    const summary = await convertVoc(memoryInput(cats, [img, img]), { outDir: path.join(root, "out") });
    expect(summary).toMatchObject({ images: 1, boxes: 1, splits: { train: 1 } });
    await fs.rm(root, { recursive: true, force: true });
  });
});
