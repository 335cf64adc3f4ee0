import { describe, expect, it } from "vitest";
import { type LabelRequest, placeLabels } from "../src/label-placement.js";
import { type Rect, RectIndex, rectsIntersect } from "../src/rect-index.js";

const STROKE = 4;

function box(x: number, y: number, width: number, height: number): Rect {
  return { x, y, width, height };
}

function request(b: Rect, width = 120, height = 20): LabelRequest {
  return { box: b, width, height };
}

function place(requests: LabelRequest[], imageWidth = 640, imageHeight = 480) {
  return placeLabels(requests, { imageWidth, imageHeight, stroke: STROKE });
}

/** The box with its stroke: what a label must not cover to leave the box visible. */
function outer(b: Rect): Rect {
  return { x: b.x - STROKE / 2, y: b.y - STROKE / 2, width: b.width + STROKE, height: b.height + STROKE };
}

/** Every label placed, the size asked for, inside the image, no two intersecting. */
function expectNoOverlap(requests: LabelRequest[], placed: (Rect | undefined)[], imageWidth = 640, imageHeight = 480) {
  expect(placed).toHaveLength(requests.length);
  const rects = placed.filter((p): p is Rect => p !== undefined);
  expect(rects).toHaveLength(requests.length);
  rects.forEach((p, i) => {
    expect([p.width, p.height]).toEqual([requests[i]!.width, requests[i]!.height]);
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.x + p.width).toBeLessThanOrEqual(imageWidth);
    expect(p.y + p.height).toBeLessThanOrEqual(imageHeight);
    expect(Number.isInteger(p.x) && Number.isInteger(p.y)).toBe(true);
  });
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      if (rectsIntersect(rects[i]!, rects[j]!)) throw new Error(`labels ${i} and ${j} intersect: ${JSON.stringify([rects[i], rects[j]])}`);
    }
  }
  return rects;
}

/** A seeded generator (LCG), so the random layouts are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("placeLabels", () => {
  it("puts a lone label above the box's top-left corner, touching the stroke", () => {
    const [p] = place([request(box(100, 100, 200, 80))]);
    expect(p).toEqual({ x: 98, y: 78, width: 120, height: 20 });
  });

  it("two boxes side by side sharing a corner: the second label does not hide the first", () => {
    // Both labels want to sit above their box; the first is wider than its box and reaches over the second's.
    const requests = [request(box(100, 100, 50, 50)), request(box(150, 100, 50, 50))];
    const [first, second] = expectNoOverlap(requests, place(requests));
    expect(first).toEqual({ x: 98, y: 78, width: 120, height: 20 });
    // Neither covers the other box (nor its own: each label is wider than its box).
    for (const r of requests) expect(rectsIntersect(second!, outer(r.box))).toBe(false);
  });

  it("two boxes sharing a corner diagonally: labels stay off both labels and the other box's edges", () => {
    const a = box(100, 100, 200, 80);
    const b = box(300, 180, 200, 80);
    const requests = [request(a), request(b)];
    const [pa, pb] = expectNoOverlap(requests, place(requests));
    expect(pa).toEqual({ x: 98, y: 78, width: 120, height: 20 });
    // Above b (or inside its top) would cover a's bottom edge; below b is the first clean place.
    expect(pb).toEqual({ x: 298, y: 262, width: 120, height: 20 });
  });

  it("ten boxes at the same spot: ten labels around it, none over the box", () => {
    const b = box(300, 200, 60, 30);
    const requests = Array.from({ length: 10 }, () => request(b));
    const rects = expectNoOverlap(requests, place(requests));
    for (const p of rects) {
      expect(rectsIntersect(p, outer(b))).toBe(false);
      // Near the box: within a few label heights and widths.
      expect(Math.abs(p.y - b.y)).toBeLessThanOrEqual(5 * 20 + 30);
      expect(Math.abs(p.x - b.x)).toBeLessThanOrEqual(2 * 120);
    }
  });

  it("boxes at every edge and corner of the image: labels inside the image, off their boxes", () => {
    const [w, h] = [640, 480];
    const boxes = [
      box(0, 0, 40, 20), box(300, 0, 40, 20), box(600, 0, 40, 20),
      box(0, 230, 40, 20), box(600, 230, 40, 20),
      box(0, 460, 40, 20), box(300, 460, 40, 20), box(600, 460, 40, 20),
      // Boxes reaching outside the image are clamped too.
      box(-10, -10, 30, 30), box(630, 470, 30, 30),
    ];
    const requests = boxes.map((b) => request(b));
    const rects = expectNoOverlap(requests, place(requests, w, h), w, h);
    rects.forEach((p, i) => expect(rectsIntersect(p, outer(boxes[i]!))).toBe(false));
  });

  it("a label wider than its box sits above it, left-aligned; one that fits goes inside when above is taken", () => {
    const tiny = box(300, 200, 10, 10);
    const [p] = place([request(tiny, 150, 20)]);
    expect(p).toEqual({ x: 298, y: 178, width: 150, height: 20 });

    // A box at the top of the image has no room above: a label that fits goes inside its top-left.
    const top = box(100, 0, 300, 100);
    const [q] = place([request(top)]);
    expect(q).toEqual({ x: 98, y: 0, width: 120, height: 20 });
  });

  it("a label too big for the image, or empty, is not placed", () => {
    const b = box(10, 10, 20, 20);
    expect(place([request(b, 700, 20), request(b, 100, 500), request(b, 0, 20)])).toEqual([undefined, undefined, undefined]);
  });

  it("is deterministic and gives the first box the first choice", () => {
    const requests = [request(box(100, 100, 50, 50)), request(box(100, 100, 50, 50))];
    expect(place(requests)).toEqual(place(requests));
    const [first] = place(requests);
    expect(first).toEqual({ x: 98, y: 78, width: 120, height: 20 });
  });

  it("places 500 random boxes on 1920×1080 with no two labels intersecting, all inside the image", () => {
    const rand = random(500);
    // Tags as the preview sizes them for 500 boxes: 11 px text, 17 px high, 40-140 px wide.
    const requests = Array.from({ length: 500 }, () => {
      const w = 8 + rand() * 300;
      const h = 8 + rand() * 160;
      return request(box(rand() * (1920 - w), rand() * (1080 - h), w, h), Math.round(40 + rand() * 100), 17);
    });
    expectNoOverlap(requests, placeLabels(requests, { imageWidth: 1920, imageHeight: 1080, stroke: 4 }), 1920, 1080);
  });

  it("on an image too crowded for every label, leaves some out rather than overlap them", () => {
    const rand = random(7);
    const requests = Array.from({ length: 400 }, () => request(box(rand() * 280, rand() * 180, 20, 20), 60, 20));
    const placed = placeLabels(requests, { imageWidth: 320, imageHeight: 240, stroke: 2 });
    const rects = placed.filter((p): p is Rect => p !== undefined);
    // 320×240 holds at most 5 × 12 labels of 60×20.
    expect(rects.length).toBeGreaterThan(30);
    expect(rects.length).toBeLessThanOrEqual(60);
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) expect(rectsIntersect(rects[i]!, rects[j]!)).toBe(false);
    for (const p of rects) expect(p.x >= 0 && p.y >= 0 && p.x + p.width <= 320 && p.y + p.height <= 240).toBe(true);
  });
});

describe("RectIndex", () => {
  it("finds exactly the rectangles intersecting a query, each once, also across cells and outside the area", () => {
    const rand = random(3);
    const index = new RectIndex<number>(400, 300, 50, 20);
    const rects: Rect[] = Array.from({ length: 300 }, () => box(rand() * 460 - 30, rand() * 360 - 30, 1 + rand() * 120, 1 + rand() * 60));
    rects.forEach((r, i) => index.insert(r, i));
    for (let k = 0; k < 100; k++) {
      const q = box(rand() * 420 - 10, rand() * 320 - 10, 1 + rand() * 150, 1 + rand() * 80);
      const found: number[] = [];
      index.search(q, (i) => {
        found.push(i);
      });
      const expected = rects.flatMap((r, i) => (rectsIntersect(r, q) ? [i] : []));
      expect(found.sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it("counts touching rectangles as apart", () => {
    expect(rectsIntersect(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(false);
    expect(rectsIntersect(box(0, 0, 10, 10), box(0, 10, 10, 10))).toBe(false);
    expect(rectsIntersect(box(0, 0, 10, 10), box(9, 9, 10, 10))).toBe(true);
  });
});
