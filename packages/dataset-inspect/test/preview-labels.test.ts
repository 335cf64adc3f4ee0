import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatasetImage, LabeledAnnotation } from "@qontinui/export-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boxOverlaySvg, categoryColor, renderPreview } from "../src/index.js";
import { type Rect, rectsIntersect } from "../src/rect-index.js";
import { pixelAt } from "./fixture.js";

const W = 1920;
const H = 1080;
const NAMES = ["button", "icon", "text_field", "checkbox", "menu_item", "Window Title", "WWW_MMM"];

let dir: string;
let screenshot: string;

/** A GUI-like 1920×1080 screenshot: title bar, sidebar, panels and buttons. */
async function drawScreenshot(file: string): Promise<void> {
  const shapes = [
    `<rect width="${W}" height="40" fill="#2d3e50"/>`,
    `<rect y="40" width="260" height="${H - 40}" fill="#e4e7eb"/>`,
    ...Array.from({ length: 12 }, (_, i) => `<rect x="300" y="${80 + i * 70}" width="600" height="50" rx="6" fill="#ffffff" stroke="#9aa5b1"/>`),
    ...Array.from({ length: 6 }, (_, i) => `<rect x="${1000 + i * 150}" y="900" width="130" height="44" rx="4" fill="#3f7cc9"/>`),
  ];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${shapes.join("")}</svg>`;
  await sharp({ create: { width: W, height: H, channels: 3, background: { r: 248, g: 249, b: 250 } } })
    .composite([{ input: Buffer.from(svg) }])
    .removeAlpha()
    .png()
    .toFile(file);
}

/** Boxes that used to hide each other's labels, plus a looped automation's worth of random ones. */
function annotations(): LabeledAnnotation[] {
  const out: LabeledAnnotation[] = [];
  const add = (x: number, y: number, w: number, h: number) => {
    const i = out.length;
    out.push({ bbox: [x, y, w, h], categoryId: i % 20, categoryName: NAMES[i % NAMES.length]!, confidence: (i % 100) / 100, source: "test", verified: i % 2 === 0 });
  };
  // Buttons in a row and panels in a column: neighbours share corners and edges.
  for (let i = 0; i < 6; i++) add(1000 + i * 130, 900, 130, 44);
  for (let i = 0; i < 5; i++) add(300, 80 + i * 50, 600, 50);
  // The same button found ten times.
  for (let i = 0; i < 10; i++) add(1400, 500, 90, 30);
  // Every edge and corner.
  for (const [x, y] of [[0, 0], [940, 0], [1880, 0], [0, 520], [1880, 520], [0, 1050], [940, 1050], [1880, 1050]] as const) add(x, y, 40, 30);
  let s = 42;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < 300; i++) {
    const w = 10 + rand() * 250;
    const h = 10 + rand() * 120;
    add(rand() * (W - w), rand() * (H - h), w, h);
  }
  return out;
}

function labelRects(svg: string): Rect[] {
  return [...svg.matchAll(/<rect class="label" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    width: Number(m[3]),
    height: Number(m[4]),
  }));
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "dataset-inspect-labels-"));
  screenshot = path.join(dir, "screen.png");
  await drawScreenshot(screenshot);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("preview labels on a 1920×1080 screenshot", () => {
  const boxes = annotations();
  const svg = boxOverlaySvg(W, H, boxes);
  const labels = labelRects(svg);

  it("draws one tag per box, inside the image, no two intersecting", () => {
    expect(labels).toHaveLength(boxes.length);
    expect(svg.match(/<text /g)).toHaveLength(boxes.length);
    for (const r of labels) expect(r.x >= 0 && r.y >= 0 && r.x + r.width <= W && r.y + r.height <= H, JSON.stringify(r)).toBe(true);
    const overlapping: [number, number][] = [];
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) if (rectsIntersect(labels[i]!, labels[j]!)) overlapping.push([i, j]);
    }
    expect(overlapping).toEqual([]);
  });

  it("keeps every glyph inside its tag: the overlay inks only strokes and tags", async () => {
    const stroke = Number(/stroke-width="(\d+)"/.exec(svg)?.[1]);
    const allowed = new Uint8Array(W * H);
    const fill = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(H, Math.ceil(y1)); y++) {
        allowed.fill(1, y * W + Math.max(0, Math.floor(x0)), y * W + Math.min(W, Math.ceil(x1)));
      }
    };
    for (const r of labels) fill(r.x, r.y, r.x + r.width, r.y + r.height);
    // Each stroke with a pixel of anti-aliasing either side.
    const t = stroke / 2 + 1;
    for (const { bbox: [x, y, w, h] } of boxes) {
      fill(x - t, y - t, x + w + t, y + t);
      fill(x - t, y + h - t, x + w + t, y + h + t);
      fill(x - t, y - t, x + t, y + h + t);
      fill(x + w - t, y - t, x + w + t, y + h + t);
    }
    const { data } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    let stray = 0;
    for (let i = 0; i < W * H; i++) if (data[i * 4 + 3]! > 0 && !allowed[i]) stray++;
    expect(stray).toBe(0);
  });

  it("renders the preview at full size with the tags in their category colour", async () => {
    const image: DatasetImage = {
      id: "0123456789abcdef",
      fileName: "screen.png",
      path: screenshot,
      width: W,
      height: H,
      channels: 3,
      annotations: boxes,
      activeStates: [],
    };
    const out = await renderPreview(image, path.join(dir, "preview.png"));
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(["png", W, H, 3]);
    // A tag's top-left pixel is padding, never text: the category's colour.
    for (const i of [0, 6, 11, 12, 20, boxes.length - 1]) {
      const r = labels[i]!;
      const rgb = await pixelAt(out, r.x + 1, r.y + 1);
      expect(`#${rgb.map((v) => v.toString(16).padStart(2, "0")).join("")}`, `tag ${i}`).toBe(categoryColor(boxes[i]!.categoryId));
    }
  });
});

describe("tag size", () => {
  const at = (x: number, y: number, name = "button"): LabeledAnnotation => ({ bbox: [x, y, 40, 20], categoryId: 0, categoryName: name, confidence: 0.5, source: "test", verified: true });
  const fontSize = (svg: string) => Number(/font-size="(\d+)"/.exec(svg)?.[1]);

  it("cuts a label wider than the image short with an ellipsis", () => {
    const svg = boxOverlaySvg(160, 100, [at(10, 40, "a_category_name_far_too_long_for_this_image")]);
    expect(svg).toMatch(/>a_category_[^<]*…<\/text>/);
    const [tag] = labelRects(svg);
    expect(tag!.x + tag!.width).toBeLessThanOrEqual(160);
  });

  it("shrinks the tags of a crowded image so they all find a place", () => {
    const few = Array.from({ length: 20 }, (_, i) => at((i % 5) * 380 + 20, Math.floor(i / 5) * 260 + 40));
    expect(fontSize(boxOverlaySvg(W, H, few))).toBe(24);
    const many = Array.from({ length: 500 }, (_, i) => at((i % 25) * 76 + 10, Math.floor(i / 25) * 53 + 25));
    const svg = boxOverlaySvg(W, H, many);
    expect(fontSize(svg)).toBeLessThan(24);
    expect(fontSize(svg)).toBeGreaterThanOrEqual(11);
    expect(labelRects(svg)).toHaveLength(500);
  });
});
