import { promises as fs } from "node:fs";
import path from "node:path";
import { type DatasetImage, OutputNotEmptyError } from "@qontinui/export-core";
import { encodePng } from "@qontinui/export-core/testing";
import sharp from "sharp";
import { afterEach, describe, expect, it, vi } from "vitest";
import { convertVoc, prepareOutDir, vocWriter } from "../src/index.js";
import { box, memoryInput, tempDir } from "./helpers.js";

async function oneImage(root: string, id = "00000000000000aa"): Promise<DatasetImage> {
  const file = path.join(root, `${id}.png`);
  await fs.writeFile(file, encodePng(16, 16, () => [9, 9, 9]));
  return { id, fileName: `${id}.png`, path: file, width: 16, height: 16, channels: 3, activeStates: [], annotations: [box("b", 0, [0, 0, 4, 4])] };
}

const cats = [{ id: 0, name: "b" }];

describe("output directory", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a re-conversion removes what makes the old output look complete (ImageSets/, labels.txt) before its annotations and images", async () => {
    // A kill while the old output is being removed must not leave ImageSets/ and labels.txt beside half an Annotations/
    // (seen in the kill-per-format test on a fresh clone: a complete-looking output holding 7 of 126 files).
    const root = await tempDir();
    const img = await oneImage(root);
    const out = path.join(root, "out");
    await convertVoc(memoryInput(cats, [img]), { outDir: out });
    const removed: string[] = [];
    const rm = fs.rm.bind(fs);
    vi.spyOn(fs, "rm").mockImplementation(async (target, options) => {
      removed.push(path.relative(out, String(target)));
      return rm(target, options);
    });
    await prepareOutDir(out, { clean: true });
    const at = (name: string) => removed.indexOf(name);
    expect(at("ImageSets")).toBeGreaterThanOrEqual(0);
    expect(at("labels.txt")).toBeGreaterThan(at("ImageSets"));
    expect(at("Annotations")).toBeGreaterThan(at("labels.txt"));
    expect(at("JPEGImages")).toBeGreaterThan(at("labels.txt"));
    expect((await fs.readdir(out)).sort()).toEqual([".qontinui-output"]);
  });

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
    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual(["00000000000000bb.jpg"]);
    expect(await fs.readFile(path.join(out, "ImageSets", "Main", "train.txt"), "utf8")).toBe("00000000000000bb\n");
    // A keepOriginal output replaced by a JPEG one (and back) leaves no file of the other kind.
    await convertVoc(memoryInput(cats, [a]), { outDir: out, keepOriginal: true });
    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual(["00000000000000aa.png"]);
    await convertVoc(memoryInput(cats, [a]), { outDir: out });
    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual(["00000000000000aa.jpg"]);
    expect(await fs.readFile(path.join(out, "README-mine.md"), "utf8")).toBe("keep me");
    expect((await fs.readdir(out)).sort()).toEqual([".qontinui-output", "Annotations", "ImageSets", "JPEGImages", "README-mine.md", "labels.txt"]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("hard-links images placed as they are in hardlink mode, and copies by default", async () => {
    const root = await tempDir();
    const png = await oneImage(root);
    const jpegFile = path.join(root, "00000000000000cc.png"); // JPEG bytes behind a .png name
    await fs.writeFile(jpegFile, await sharp({ create: { width: 16, height: 16, channels: 3, background: "#123456" } }).jpeg().toBuffer());
    const jpeg: DatasetImage = { ...png, id: "00000000000000cc", fileName: "00000000000000cc.png", path: jpegFile };
    // keepOriginal: every image is placed as it is.
    const linked = await convertVoc(memoryInput(cats, [png]), { outDir: path.join(root, "l"), imageMode: "hardlink", keepOriginal: true });
    expect(linked).toMatchObject({ imagesLinked: 1, imagesPlaced: 1, imagesTranscoded: 0 });
    const src = await fs.stat(png.path);
    expect((await fs.stat(path.join(root, "l", "JPEGImages", png.fileName))).ino).toBe(src.ino);
    expect(src.nlink).toBe(2);
    const copied = await convertVoc(memoryInput(cats, [png]), { outDir: path.join(root, "c"), keepOriginal: true });
    expect(copied.imagesLinked).toBe(0);
    expect((await fs.stat(path.join(root, "c", "JPEGImages", png.fileName))).ino).not.toBe(src.ino);
    // Default: a JPEG input is linked as <stem>.jpg, a PNG is transcoded (a new file whatever the mode).
    const mixed = await convertVoc(memoryInput(cats, [png, jpeg]), { outDir: path.join(root, "m"), imageMode: "hardlink" });
    expect(mixed).toMatchObject({ imagesLinked: 1, imagesPlaced: 1, imagesTranscoded: 1 });
    expect((await fs.stat(path.join(root, "m", "JPEGImages", "00000000000000cc.jpg"))).ino).toBe((await fs.stat(jpegFile)).ino);
    expect((await fs.stat(path.join(root, "m", "JPEGImages", "00000000000000aa.jpg"))).ino).not.toBe(src.ino);
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
