import { iou } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { FALLBACK_SOURCE, SMART_CONFIDENCE, SMART_SOURCE, smartConfidence } from "../src/index.js";
import { flat, horizontalGradient, inference, noiseTexture, screenshot, smartBox, stripes } from "./images.js";

const W = 640;
const H = 400;
const LIGHT: [number, number, number] = [243, 243, 243];

// A 32×32 tile icon (blue, rounded) with a white plus glyph, a 24×24 tile with a white ring glyph, and a plain 20 px filled circle.
const TILE = [200, 120, 32, 32] as const;
const RING_TILE = [300, 124, 24, 24] as const;
const CIRCLE = [400, 126, 20, 20] as const;
const icons = `
  <rect x="${TILE[0]}" y="${TILE[1]}" width="32" height="32" rx="6" fill="#0078d4"/>
  <rect x="${TILE[0] + 13}" y="${TILE[1] + 7}" width="6" height="18" fill="#ffffff"/>
  <rect x="${TILE[0] + 7}" y="${TILE[1] + 13}" width="18" height="6" fill="#ffffff"/>
  <rect x="${RING_TILE[0]}" y="${RING_TILE[1]}" width="24" height="24" rx="5" fill="#107c10"/>
  <circle cx="${RING_TILE[0] + 12}" cy="${RING_TILE[1] + 12}" r="6" fill="none" stroke="#ffffff" stroke-width="2"/>
  <circle cx="${CIRCLE[0] + 10}" cy="${CIRCLE[1] + 10}" r="10" fill="#5c2d91"/>`;

// A 140×36 blue button with label text.
const BUTTON = [250, 180, 140, 36] as const;
const button = `
  <rect x="${BUTTON[0]}" y="${BUTTON[1]}" width="${BUTTON[2]}" height="${BUTTON[3]}" rx="4" fill="#0078d4"/>
  <text x="${BUTTON[0] + 70}" y="${BUTTON[1] + 23}" font-family="sans-serif" font-size="15" text-anchor="middle" fill="#ffffff">Save file</text>`;
/** On the fill, on the label, near the edge. */
const BUTTON_CLICKS = [
  [BUTTON[0] + 10, BUTTON[1] + 8],
  [BUTTON[0] + 70, BUTTON[1] + 19],
  [BUTTON[0] + BUTTON[2] - 3, BUTTON[1] + BUTTON[3] - 3],
] as const;

describe("smart mode on icons", () => {
  it("finds a tile icon whether the click lands on its glyph or on its fill", async () => {
    const image = await screenshot(W, H, flat(LIGHT), icons);
    for (const [x, y] of [[TILE[0] + 16, TILE[1] + 16], [TILE[0] + 16, TILE[1] + 9], [TILE[0] + 4, TILE[1] + 27]] as const) {
      const box = await smartBox(image, x, y);
      expect(box.source, `${x},${y}`).toBe(SMART_SOURCE);
      expect(iou(box.bbox, TILE), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
    }
    // On the glyph, the metadata keeps the glyph's own box as the content found under the click.
    const onGlyph = inference(await smartBox(image, TILE[0] + 16, TILE[1] + 16));
    expect(onGlyph.content_box).toBeDefined();
    expect(iou(onGlyph.content_box!, [TILE[0] + 7, TILE[1] + 7, 18, 18])).toBeGreaterThanOrEqual(0.8);
  });

  it("finds a tile icon when the click is inside its ring glyph's hole", async () => {
    const image = await screenshot(W, H, flat(LIGHT), icons);
    const box = await smartBox(image, RING_TILE[0] + 12, RING_TILE[1] + 12);
    expect(iou(box.bbox, RING_TILE), box.bbox.join(",")).toBeGreaterThanOrEqual(0.9);
  });

  it("keeps a small solid button inside a field as itself (a search field's clear button)", async () => {
    // The field fits in the first search window around the clear button, so the content-of-widget rule sees it.
    const FIELD = [150, 200, 200, 32] as const;
    const CLEAR = [322, 206, 20, 20] as const;
    const svg = `<rect x="150.5" y="200.5" width="199" height="31" fill="#ffffff" stroke="#b4b4b4" stroke-width="1"/>
      <rect x="${CLEAR[0]}" y="${CLEAR[1]}" width="20" height="20" rx="4" fill="#8a8886"/>
      <path d="M327 211 L337 221 M337 211 L327 221" stroke="#ffffff" stroke-width="2"/>`;
    const image = await screenshot(W, H, flat(LIGHT), svg);
    const clear = await smartBox(image, CLEAR[0] + 4, CLEAR[1] + 10);
    expect(iou(clear.bbox, CLEAR), clear.bbox.join(",")).toBeGreaterThanOrEqual(0.9);
    const field = await smartBox(image, FIELD[0] + 40, FIELD[1] + 16);
    expect(iou(field.bbox, FIELD), field.bbox.join(",")).toBeGreaterThanOrEqual(0.85);
  });

  it("finds a plain glyph icon (a filled circle)", async () => {
    const image = await screenshot(W, H, flat(LIGHT), icons);
    const box = await smartBox(image, CIRCLE[0] + 10, CIRCLE[1] + 11);
    expect(box.source).toBe(SMART_SOURCE);
    // The anti-aliased rim is not filled: the box loses up to a pixel on each side of the 20 px circle.
    expect(iou(box.bbox, CIRCLE), box.bbox.join(",")).toBeGreaterThanOrEqual(0.8);
    expect(box.bbox[2]).toBeGreaterThanOrEqual(18);
  });
});

describe("smart mode on labels", () => {
  it("finds the button when the click lands inside a letter's counter (the hole of an O)", async () => {
    const OK_BUTTON = [50, 40, 120, 40] as const;
    const svg = `<rect x="50" y="40" width="120" height="40" fill="#0078d4"/>
      <text x="110" y="65.6" font-family="sans-serif" font-size="16" text-anchor="middle" fill="#ffffff">OK</text>`;
    const image = await screenshot(300, 120, flat(LIGHT), svg);
    for (const [x, y] of [[104, 59], [106, 58]] as const) {
      const box = await smartBox(image, x, y);
      expect(iou(box.bbox, OK_BUTTON), `${x},${y} → ${box.bbox.join(",")} ${box.source}`).toBeGreaterThanOrEqual(0.9);
    }
  });
});

describe("smart mode on gradient and textured backgrounds", () => {
  const backgrounds = {
    "a screen-wide gradient": horizontalGradient([225, 232, 242], [70, 90, 120], W),
    "seeded noise (±16)": noiseTexture([230, 230, 230], 16, 42),
    "fine stripes": stripes([236, 236, 236], 3, 18),
  };
  for (const [name, background] of Object.entries(backgrounds)) {
    it(`finds a button on ${name}`, async () => {
      const image = await screenshot(W, H, background, button);
      for (const [x, y] of BUTTON_CLICKS) {
        const box = await smartBox(image, x, y);
        expect(box.source, `${x},${y}`).toBe(SMART_SOURCE);
        expect(iou(box.bbox, BUTTON), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
        expect(box.confidence).toBeGreaterThanOrEqual(0.8);
      }
    });
  }
});

describe("smart mode confidence", () => {
  it("is high for a clean flood-fill box, with its evidence in the metadata", async () => {
    const image = await screenshot(W, H, flat(LIGHT), button);
    const box = await smartBox(image, BUTTON[0] + 10, BUTTON[1] + 8);
    const meta = inference(box);
    expect(meta.strategy).toBe("flood_fill");
    expect(meta.border_contrast).toBeGreaterThanOrEqual(0.9);
    expect(box.confidence).toBeGreaterThanOrEqual(0.8);
    expect(box.confidence).toBeLessThanOrEqual(1);
    expect(box.confidence).toBe(smartConfidence("flood_fill", meta.border_contrast, meta.fill_ratio));
    expect(box.verified).toBe(true);
  });

  it("is low when the region ends where a smooth gradient drifts too far, not at a visible edge", async () => {
    // A grey ramp across the whole width: the fill stops where the ramp has moved too far from the click's colour.
    const image = await screenshot(W, H, horizontalGradient([0, 0, 0], [255, 255, 255], W), "");
    const box = await smartBox(image, 320, 200);
    expect(box.source).toBe(SMART_SOURCE);
    expect(inference(box).border_contrast).toBeLessThan(0.2);
    expect(box.confidence).toBeLessThan(0.5);
  });

  it("is the low fallback constant for the fixed box, below any found box", async () => {
    const image = await screenshot(W, H, flat(LIGHT), button);
    const box = await smartBox(image, 560, 340);
    expect(box).toMatchObject({ source: FALLBACK_SOURCE, confidence: SMART_CONFIDENCE.fallback, verified: true });
    expect(SMART_CONFIDENCE.fallback).toBe(0.25);
    expect(smartConfidence("edges", 0)).toBeGreaterThan(SMART_CONFIDENCE.fallback);
    expect(smartConfidence("flood_fill", 0, 0)).toBeGreaterThan(SMART_CONFIDENCE.fallback);
  });

  it("follows the documented formula", () => {
    expect(smartConfidence("flood_fill", 1, 0.9)).toBe(1);
    expect(smartConfidence("edges", 1)).toBe(0.7);
    expect(smartConfidence("flood_fill", 0.5, 0.25)).toBe(0.475); // 0.3 + 0.7 × 0.5 × (0.25 / 0.5)
    expect(smartConfidence("edges", 0.5)).toBe(0.5); // 0.3 + 0.4 × 0.5
    expect(smartConfidence("fixed_fallback", 1, 1)).toBe(0.25);
  });

  it("is deterministic on textured scenes: same bytes, same box, confidence and metadata", async () => {
    const a = await screenshot(W, H, noiseTexture([230, 230, 230], 16, 42), button + icons);
    const b = await screenshot(W, H, noiseTexture([230, 230, 230], 16, 42), button + icons);
    expect(b.sha256).toBe(a.sha256);
    for (const [x, y] of [...BUTTON_CLICKS, [TILE[0] + 16, TILE[1] + 16], [560, 340]] as const) {
      expect(await smartBox(b, x, y)).toEqual(await smartBox(a, x, y));
    }
  });
});
