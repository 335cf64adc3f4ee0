import { promises as fs } from "node:fs";
import path from "node:path";
import { contentId, type DatasetImage, TEMP_FILE_PATTERN } from "@qontinui/export-core";
import { encodePng, listFiles } from "@qontinui/export-core/testing";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { convertVoc, VocFormatOptions, vocFormat } from "../src/index.js";
import { box, memoryInput, tempDir } from "./helpers.js";
import { readVoc } from "./read-voc.js";
import { screenJpeg, screenPng } from "./screens.js";

const cats = [
  { id: 0, name: "button" },
  { id: 1, name: "text field" },
];

/** A screenshot file in `dir`, named by its content id with `ext` (JPEG bytes may sit behind ".png"). */
async function shot(dir: string, bytes: Buffer, width: number, height: number, ext = ".png"): Promise<DatasetImage> {
  const { id } = contentId(bytes);
  const file = path.join(dir, `${id}${ext}`);
  await fs.writeFile(file, bytes);
  return {
    id,
    fileName: `${id}${ext}`,
    path: file,
    width,
    height,
    channels: 3,
    activeStates: [],
    annotations: [box("button", 0, [100, 200, 120, 34]), box("text field", 1, [300, 200, 360, 30])],
  };
}

const warnings = () => {
  const seen: string[] = [];
  return { seen, logger: { info: () => {}, warn: (m: string) => void seen.push(m) } };
};

/** Byte-identical files (Buffer.equals: a deep toEqual over a megabyte takes seconds). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  return (await fs.readFile(a)).equals(await fs.readFile(b));
}

async function setLines(out: string, name: string): Promise<string[]> {
  return (await fs.readFile(path.join(out, "ImageSets", "Main", `${name}.txt`), "utf8")).split("\n").filter((l) => l !== "");
}

let root: string;
let fullHd: DatasetImage; // 1920×1080 PNG
let hdJpeg: DatasetImage; // 1280×720 JPEG behind a .png name
let fullHdPng: Buffer;

beforeAll(async () => {
  root = await tempDir("qx-voc-jpeg-");
  const src = path.join(root, "run");
  await fs.mkdir(src);
  fullHdPng = await screenPng(1920, 1080, 1);
  fullHd = await shot(src, fullHdPng, 1920, 1080);
  hdJpeg = await shot(src, await screenJpeg(1280, 720, 2), 1280, 720);
  return () => fs.rm(root, { recursive: true, force: true });
});

describe("JPEGImages/ holds JPEG files (torchvision's VOCDetection opens JPEGImages/<id>.jpg)", () => {
  it("transcodes a full-size PNG screenshot to <id>.jpg of the same size and copies a JPEG byte for byte", async () => {
    expect(fullHdPng.length).toBeGreaterThan(100_000);
    const out = path.join(root, "default");
    const summary = await convertVoc(memoryInput(cats, [fullHd, hdJpeg]), { outDir: out });
    expect(summary).toMatchObject({ images: 2, boxes: 4, imageFiles: "jpeg", quality: 95, imagesTranscoded: 1, imagesPlaced: 1, imagesSkipped: 0, splits: { train: 2 } });
    expect(summary.warning).toBeUndefined();

    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual([`${fullHd.id}.jpg`, `${hdJpeg.id}.jpg`].sort());
    const written = path.join(out, "JPEGImages", `${fullHd.id}.jpg`);
    const meta = await sharp(written).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels, meta.space]).toEqual(["jpeg", 1920, 1080, 3, "srgb"]);
    const head = await fs.readFile(written);
    expect([...head.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    // The JPEG input is not re-encoded.
    expect(await sameBytes(path.join(out, "JPEGImages", `${hdJpeg.id}.jpg`), hdJpeg.path)).toBe(true);

    const read = await readVoc(out);
    expect(read.map((r) => [r.file, r.width, r.height, r.depth])).toEqual(
      [
        [`JPEGImages/${fullHd.id}.jpg`, 1920, 1080, 3],
        [`JPEGImages/${hdJpeg.id}.jpg`, 1280, 720, 3],
      ].sort(),
    );
    const ids = [fullHd.id, hdJpeg.id].sort();
    expect(await setLines(out, "train")).toEqual(ids);
    expect(await setLines(out, "trainval")).toEqual(ids);
    expect(await setLines(out, "val")).toEqual([]);
    await expect(fs.access(path.join(out, "ImageSets", "Main", "test.txt"))).rejects.toThrow();
  });

  it("lists the ids of each split part, trainval = train ∪ val", async () => {
    const out = path.join(root, "split");
    const small = await Promise.all([3, 4, 5, 6].map(async (seed) => shot(path.join(root, "run"), await screenPng(320, 200, seed), 320, 200)));
    const all = [fullHd, hdJpeg, ...small];
    const summary = await convertVoc(memoryInput(cats, all, { ratios: [0.5, 0.25, 0.25], seed: 1 }), { outDir: out });
    expect(summary.splits).toEqual({ train: 3, val: 2, test: 1 });
    const [train, val, test, trainval] = await Promise.all(["train", "val", "test", "trainval"].map((n) => setLines(out, n)));
    expect([...train!, ...val!, ...test!].sort()).toEqual(all.map((i) => i.id).sort());
    expect(trainval).toEqual([...train!, ...val!].sort());
    for (const id of all.map((i) => i.id)) await fs.access(path.join(out, "JPEGImages", `${id}.jpg`));
  });

  it("flattens transparency on white and writes depth 3", async () => {
    const dir = path.join(root, "alpha");
    await fs.mkdir(dir);
    // Left half transparent, right half opaque red.
    const rgba = await sharp(
      Buffer.from(Array.from({ length: 32 * 16 }, (_, i) => (i % 32 < 16 ? [0, 0, 0, 0] : [255, 0, 0, 255])).flat()),
      { raw: { width: 32, height: 16, channels: 4 } },
    )
      .png()
      .toBuffer();
    const image = { ...(await shot(dir, rgba, 32, 16)), channels: 4, annotations: [] };
    const out = path.join(dir, "voc");
    await convertVoc(memoryInput(cats, [image]), { outDir: out });
    const { data, info } = await sharp(path.join(out, "JPEGImages", `${image.id}.jpg`)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([32, 16, 3]);
    const at = (x: number, y: number) => [...data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3)];
    for (const v of at(4, 8)) expect(v).toBeGreaterThan(245); // white, not black
    expect(at(28, 8)[0]).toBeGreaterThan(230);
    expect((await readVoc(out))[0]!.depth).toBe(3);
  });

  it("gives smaller files at lower quality", async () => {
    const sizes: number[] = [];
    for (const quality of [95, 80, 50]) {
      const out = path.join(root, `q${quality}`);
      const summary = await convertVoc(memoryInput(cats, [fullHd]), { outDir: out, quality });
      expect(summary.quality).toBe(quality);
      sizes.push((await fs.stat(path.join(out, "JPEGImages", `${fullHd.id}.jpg`))).size);
    }
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    expect(sizes[1]).toBeGreaterThan(sizes[2]!);
    await expect(convertVoc(memoryInput(cats, [fullHd]), { outDir: path.join(root, "q0"), quality: 0 })).rejects.toThrow(/quality must be an integer from 1 to 100/);
  });

  it("writes the same files whatever the concurrency, with progress in order", async () => {
    const dir = path.join(root, "conc");
    await fs.mkdir(dir);
    const images = await Promise.all([7, 8, 9, 10, 11].map(async (seed) => shot(dir, await screenPng(640, 360, seed), 640, 360)));
    const outputs: Record<string, string>[] = [];
    for (const concurrency of [1, 2, 3]) {
      const out = path.join(dir, `c${concurrency}`);
      const progress: number[] = [];
      await convertVoc(memoryInput(cats, [...images, hdJpeg]), { outDir: out, concurrency, onProgress: (done) => progress.push(done) });
      expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
      const files: Record<string, string> = {};
      for (const f of await listFiles(out)) files[f] = contentId(await fs.readFile(path.join(out, f))).id;
      outputs.push(files);
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});

describe("keepOriginal", () => {
  it("keeps the original bytes and extension and says torchvision will not load them", async () => {
    const out = path.join(root, "original");
    const { seen, logger } = warnings();
    const summary = await convertVoc(memoryInput(cats, [fullHd, hdJpeg]), { outDir: out, keepOriginal: true, logger });
    expect(summary).toMatchObject({ imageFiles: "original", imagesTranscoded: 0, imagesPlaced: 2 });
    expect(summary.quality).toBeUndefined();
    expect(summary.warning).toMatch(/2 of 2 images.*torchvision's VOCDetection opens JPEGImages\/<id>\.jpg and will not load them/);
    expect(seen).toEqual([summary.warning]);
    expect(await sameBytes(path.join(out, "JPEGImages", fullHd.fileName), fullHd.path)).toBe(true);
    expect(await sameBytes(path.join(out, "JPEGImages", hdJpeg.fileName), hdJpeg.path)).toBe(true);
    expect((await readVoc(out)).map((r) => r.file).sort()).toEqual([`JPEGImages/${fullHd.fileName}`, `JPEGImages/${hdJpeg.fileName}`].sort());
  });

  it("does not warn when every original is already <id>.jpg", async () => {
    const dir = path.join(root, "jpg-named");
    await fs.mkdir(dir);
    const jpg = await shot(dir, await fs.readFile(hdJpeg.path), 1280, 720, ".jpg");
    const { seen, logger } = warnings();
    const summary = await convertVoc(memoryInput(cats, [jpg]), { outDir: path.join(dir, "voc"), keepOriginal: true, logger });
    expect(summary.warning).toBeUndefined();
    expect(seen).toEqual([]);
  });
});

describe("whole files only", () => {
  it("leaves no temp file after a killed conversion is run again", async () => {
    const out = path.join(root, "killed");
    await convertVoc(memoryInput(cats, [hdJpeg]), { outDir: out });
    // What a conversion killed mid-way leaves: temp files beside each kind of file it writes, and a half-written image.
    const leftovers = [
      path.join(out, "JPEGImages", `.${fullHd.id}.jpg.0123456789ab.tmp`),
      path.join(out, "Annotations", `.${fullHd.id}.xml.0123456789ab.tmp`),
      path.join(out, "ImageSets", "Main", ".train.txt.0123456789ab.tmp"),
      path.join(out, ".labels.txt.0123456789ab.tmp"),
    ];
    for (const f of leftovers) await fs.writeFile(f, fullHdPng.subarray(0, 5000));
    await fs.writeFile(path.join(out, "notes.tmp"), "the user's"); // not ours: kept
    const summary = await convertVoc(memoryInput(cats, [fullHd, hdJpeg]), { outDir: out });
    expect(summary.images).toBe(2);
    const files = await listFiles(out);
    expect(files.filter((f) => TEMP_FILE_PATTERN.test(path.basename(f)))).toEqual([]);
    expect(files).toContain("notes.tmp");
    expect((await sharp(path.join(out, "JPEGImages", `${fullHd.id}.jpg`)).metadata()).width).toBe(1920);
  });

  it("leaves no temp file when a conversion fails with images in flight", async () => {
    const out = path.join(root, "failed");
    const missing = { ...hdJpeg, id: "ffffffffffffffff", fileName: "ffffffffffffffff.png", path: path.join(root, "run", "gone.png") };
    await expect(convertVoc(memoryInput(cats, [fullHd, missing, hdJpeg]), { outDir: out })).rejects.toThrow(/ENOENT/);
    expect((await listFiles(out)).filter((f) => TEMP_FILE_PATTERN.test(path.basename(f)))).toEqual([]);
  });

  it("leaves out an image it cannot decode, names it, and writes the rest", async () => {
    const dir = path.join(root, "corrupt");
    await fs.mkdir(dir);
    // A PNG whose chunks are whole (it passes the header check) but whose pixel data is not.
    const png = Buffer.from(encodePng(64, 48, (x, y) => [x, y, 7]));
    const idat = png.indexOf("IDAT");
    for (let i = idat + 6; i < idat + 30; i++) png[i] = 0x55;
    const bad = await shot(dir, png, 64, 48);
    const { seen, logger } = warnings();
    const out = path.join(dir, "voc");
    const summary = await convertVoc(memoryInput(cats, [bad, hdJpeg]), { outDir: out, logger });
    expect(summary).toMatchObject({ images: 1, imagesSkipped: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(bad.id);
    expect(await setLines(out, "train")).toEqual([hdJpeg.id]);
    expect(await listFiles(out)).not.toContain(`Annotations/${bad.id}.xml`);
    expect((await listFiles(out)).filter((f) => TEMP_FILE_PATTERN.test(path.basename(f)))).toEqual([]);
  });
});

describe("options from one place (CLI flags, run --format voc, the export service)", () => {
  it("validates and coerces quality and keepOriginal", () => {
    expect(VocFormatOptions.parse({ quality: "80" })).toEqual({ quality: 80 });
    expect(VocFormatOptions.safeParse({ quality: "0" }).success).toBe(false);
    expect(VocFormatOptions.safeParse({ quality: "95.5" }).success).toBe(false);
    const both = VocFormatOptions.safeParse({ quality: "80", keepOriginal: true });
    expect(both.success).toBe(false);
    expect(both.error!.issues[0]!.path).toEqual(["quality"]);
    expect(vocFormat.flags.map((f) => [f.flag, f.key])).toEqual([
      ["force", "force"],
      ["quality", "quality"],
      ["keep-original", "keepOriginal"],
    ]);
  });
});
