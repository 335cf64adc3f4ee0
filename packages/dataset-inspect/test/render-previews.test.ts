import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boxOverlaySvg, categoryColor, escapeXml, renderPreviews } from "../src/index.js";
import { GRAY, IDS, makeDataset, pixelAt } from "./fixture.js";

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await makeDataset();
  out = await fs.mkdtemp(path.join(os.tmpdir(), "dataset-inspect-out-"));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(out, { recursive: true, force: true });
});

const isGray = ([r, g, b]: [number, number, number]) => r === GRAY.r && g === GRAY.g && b === GRAY.b;

describe("renderPreviews", () => {
  it("writes a preview per image at the original size, and a contact sheet", async () => {
    const outDir = path.join(out, "all", "nested");
    const progress: [number, number][] = [];
    const result = await renderPreviews(dir, { outDir, onProgress: (d, t) => progress.push([d, t]) });
    expect(result.images).toEqual([IDS.a, IDS.b, IDS.c, IDS.d].map((id) => path.join(outDir, `${id}.png`)));
    expect(result.skipped).toEqual([]);
    expect(progress).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    const sizes = await Promise.all(result.images.map(async (p) => {
      const m = await sharp(p).metadata();
      return [m.format, m.width, m.height];
    }));
    expect(sizes).toEqual([["png", 200, 150], ["png", 200, 150], ["png", 320, 240], ["png", 320, 240]]);

    expect(result.contactSheet).toBe(path.join(outDir, "contact-sheet.png"));
    const sheet = await sharp(result.contactSheet!).metadata();
    expect(sheet.format).toBe("png");
    expect(sheet.width).toBe(8 + 4 * (320 + 8));
    expect(sheet.height).toBe(8 + (240 + 20 + 8));
  });

  it("draws the boxes: solid edges for verified boxes, dashed for unverified", async () => {
    const outDir = path.join(out, "boxes");
    const { images } = await renderPreviews(dir, { outDir, contactSheet: false });
    const a = images[0]!;
    const original = path.join(dir, "images", `${IDS.a}.png`);
    // Away from the boxes the preview is the original.
    expect(await pixelAt(a, 190, 5)).toEqual(await pixelAt(original, 190, 5));
    expect(isGray(await pixelAt(original, 20, 50))).toBe(true);
    // The verified button box [20,30,60,40]: its left edge is drawn all along, in the category colour.
    const [r, g, b] = await pixelAt(a, 20, 50);
    expect(`#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`).toBe(categoryColor(0));
    for (let y = 35; y <= 65; y++) expect(isGray(await pixelAt(a, 20, y))).toBe(false);
    // The unverified icon box [100,60,50,50]: its bottom edge is dashed (drawn and undrawn pixels).
    const bottom = await Promise.all(Array.from({ length: 45 }, (_, i) => pixelAt(a, 103 + i, 110)));
    expect(bottom.filter(isGray).length).toBeGreaterThan(5);
    expect(bottom.filter((p) => !isGray(p)).length).toBeGreaterThan(5);
    // An image without boxes is unchanged.
    const c = images[2]!;
    const { data } = await sharp(c).raw().toBuffer({ resolveWithObject: true });
    const orig = await sharp(path.join(dir, "images", `${IDS.c}.png`)).raw().toBuffer();
    expect(Buffer.compare(data, orig)).toBe(0);
  });

  it("respects the limit and the contact sheet switch", async () => {
    const outDir = path.join(out, "limited");
    const result = await renderPreviews(dir, { outDir, limit: 2, contactSheet: false });
    expect(result.images).toHaveLength(2);
    expect(result.contactSheet).toBeUndefined();
    const files = (await fs.readdir(outDir)).sort();
    expect(files).toEqual([`${IDS.a}.png`, `${IDS.b}.png`]);

    const withSheet = await renderPreviews(dir, { outDir: path.join(out, "limited-sheet"), limit: 1 });
    expect(withSheet.images).toHaveLength(1);
    const sheet = await sharp(withSheet.contactSheet!).metadata();
    expect(sheet.width).toBe(8 + 320 + 8);
  });

  it("never deletes what is already in outDir", async () => {
    const outDir = path.join(out, "existing");
    await fs.mkdir(outDir, { recursive: true });
    await fs.writeFile(path.join(outDir, "keep.txt"), "mine");
    await renderPreviews(dir, { outDir, limit: 1 });
    expect(await fs.readFile(path.join(outDir, "keep.txt"), "utf8")).toBe("mine");
  });

  it("reports images it cannot read instead of failing", async () => {
    const broken = await makeDataset();
    await fs.rm(path.join(broken, "images", `${IDS.b}.png`));
    const result = await renderPreviews(broken, { outDir: path.join(out, "broken"), contactSheet: false });
    expect(result.images).toHaveLength(3);
    expect(result.skipped.map((s) => s.id)).toEqual([IDS.b]);
    await fs.rm(broken, { recursive: true, force: true });
  });

  it("refuses to write into the dataset's own folders", async () => {
    await expect(renderPreviews(dir, { outDir: path.join(dir, "images") })).rejects.toThrow(/refusing/);
    await expect(renderPreviews(dir, { outDir: dir })).rejects.toThrow(/refusing/);
  });

  it("rejects a bad limit", async () => {
    await expect(renderPreviews(dir, { outDir: path.join(out, "bad"), limit: -1 })).rejects.toThrow(RangeError);
  });
});

describe("SVG overlay", () => {
  it("escapes XML in labels", () => {
    expect(escapeXml(`a<b&c>"'`)).toBe("a&lt;b&amp;c&gt;&quot;&apos;");
    const svg = boxOverlaySvg(100, 100, [
      { bbox: [1, 2, 30, 40], categoryId: 2, categoryName: "a<b&c", confidence: 0.871, source: "x", verified: false },
    ]);
    expect(svg).toContain(">a&lt;b&amp;c 0.87</text>");
    expect(svg).not.toContain("a<b");
    expect(svg).toContain("stroke-dasharray");
    expect(svg).toContain(`stroke="${categoryColor(2)}"`);
  });

  it("uses a solid stroke for verified boxes and skips degenerate boxes", () => {
    const svg = boxOverlaySvg(100, 100, [
      { bbox: [1, 2, 30, 40], categoryId: 0, categoryName: "ok", confidence: 1, source: "x", verified: true },
      { bbox: [1, 2, 0, 40], categoryId: 0, categoryName: "empty", confidence: 1, source: "x", verified: true },
    ]);
    expect(svg).not.toContain("stroke-dasharray");
    expect(svg).not.toContain("empty");
    expect(svg.match(/<text/g)).toHaveLength(1);
  });

  it("gives each category a fixed colour", () => {
    expect(categoryColor(0)).toBe(categoryColor(20));
    expect(categoryColor(0)).not.toBe(categoryColor(1));
    expect(categoryColor(-1)).toMatch(/^#[0-9a-f]{6}$/);
  });
});
