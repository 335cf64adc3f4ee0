import { iou } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { FALLBACK_SOURCE, SMART_CONFIDENCE, SMART_SOURCE, smartConfidence } from "../src/index.js";
import { flat, horizontalGradient, inference, inkBox, noiseTexture, screenshot, smartBox } from "./images.js";

const W = 640;
const H = 400;
const LIGHT: [number, number, number] = [243, 243, 243];
const WHITE: [number, number, number] = [255, 255, 255];
const FONT = 'font-family="DejaVu Sans" font-size="14"';

describe("smart mode on controls with a fill of their own", () => {
  // A 32×32 tile icon (blue, rounded) with a white plus glyph.
  const TILE = [200, 120, 32, 32] as const;
  const tile = `<rect x="200" y="120" width="32" height="32" rx="6" fill="#0078d4"/>
    <rect x="213" y="127" width="6" height="18" fill="#ffffff"/><rect x="207" y="133" width="18" height="6" fill="#ffffff"/>`;
  const BUTTON = [250, 200, 140, 36] as const;
  const button = `<rect x="250" y="200" width="140" height="36" rx="4" fill="#0078d4"/>
    <text x="320" y="223" ${FONT} text-anchor="middle" fill="#ffffff">Save file</text>`;

  it("finds a tile icon whether the click lands on its glyph or on its fill", async () => {
    const image = await screenshot(W, H, flat(LIGHT), tile);
    for (const [x, y] of [[216, 136], [216, 129], [204, 147]] as const) {
      const box = await smartBox(image, x, y);
      expect(box.source, `${x},${y}`).toBe(SMART_SOURCE);
      expect(iou(box.bbox, TILE), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  for (const [name, background] of [
    ["flat", flat(LIGHT)],
    ["a screen-wide gradient", horizontalGradient([225, 232, 242], [160, 175, 200], W)],
    ["seeded noise (±8, like JPEG)", noiseTexture([230, 230, 230], 8, 42)],
  ] as const) {
    it(`finds a button on ${name}, on its fill and on its label`, async () => {
      const image = await screenshot(W, H, background, button);
      for (const [x, y] of [[260, 208], [320, 219], [387, 233]] as const) {
        const box = await smartBox(image, x, y);
        expect(inference(box).strategy, `${x},${y}`).toBe("flood_fill");
        expect(iou(box.bbox, BUTTON), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
        expect(box.confidence).toBeGreaterThanOrEqual(0.9);
      }
    });
  }

  it("finds a gradient button (its fill is followed down the gradient)", async () => {
    const svg = `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5aa0ff"/><stop offset="1" stop-color="#0a4fb0"/></linearGradient></defs>
      <rect x="250" y="200" width="140" height="40" rx="6" fill="url(#g)"/><text x="320" y="225" ${FONT} text-anchor="middle" fill="#ffffff">Continue</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    const box = await smartBox(image, 270, 205);
    expect(iou(box.bbox, [250, 200, 140, 40]), box.bbox.join(",")).toBeGreaterThanOrEqual(0.9);
  });

  it("finds a switch from its track or its knob, without its label", async () => {
    const svg = `<rect x="300" y="100" width="44" height="24" rx="12" fill="#16a34a"/><circle cx="332" cy="112" r="9" fill="#ffffff"/>
      <text x="354" y="117" ${FONT} fill="#1f2937">Dark mode</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    for (const [x, y] of [[310, 112], [332, 112]] as const) {
      const box = await smartBox(image, x, y);
      expect(iou(box.bbox, [300, 100, 44, 24]), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.85);
    }
  });
});

describe("smart mode on content without a fill of its own", () => {
  it("boxes a glyph icon as its drawn extent, apart from its neighbours in a dense toolbar", async () => {
    const icon = (x: number, body: string) => `<g transform="translate(${x},100)" fill="none" stroke="#1f2937" stroke-width="2" stroke-linecap="round">${body}</g>`;
    const bell = icon(100, '<path d="M3 7a5 5 0 0 1 10 0c0 5 2 6 2 6H1s2-1 2-6z"/><path d="M6.5 15.5a1.8 1.8 0 0 0 3 0"/>');
    const menu = icon(124, '<path d="M1 3h14M1 8h14M1 13h14"/>');
    const image = await screenshot(W, H, flat(WHITE), bell + menu);
    for (const [svg, at] of [[bell, [108, 106]], [menu, [131, 108]]] as const) {
      const truth = await inkBox(W, H, svg);
      const box = await smartBox(image, at[0], at[1]);
      expect(inference(box).strategy).toBe("glyph");
      expect(iou(box.bbox, truth), `${at} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.75);
    }
  });

  it("boxes a text link as its text line, and a link inside a sentence apart from the sentence", async () => {
    const link = `<text x="100" y="100" ${FONT} fill="#2563eb">Forgot password?</text>`;
    const before = `<text x="100" y="160" ${FONT} fill="#1f2937">Read the</text>`;
    const inline = `<text x="166" y="160" ${FONT} fill="#2563eb" text-decoration="underline">terms of service</text>`;
    const after = `<text x="290" y="160" ${FONT} fill="#1f2937">before you sign.</text>`;
    const image = await screenshot(W, H, flat(WHITE), link + before + inline + after);
    for (const [svg, at] of [[link, [130, 96]], [inline, [200, 156]]] as const) {
      const truth = await inkBox(W, H, svg);
      const box = await smartBox(image, at[0], at[1]);
      expect(inference(box).strategy).toBe("text_line");
      expect(iou(box.bbox, truth), `${at} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.7);
    }
  });

  it("boxes a checkbox with its label as one control, clicked on the box or on the label", async () => {
    const svg = `<rect x="100.75" y="100.75" width="14.5" height="14.5" rx="3" fill="#ffffff" stroke="#9ca3af" stroke-width="1.5"/>
      <text x="124" y="113" ${FONT} fill="#1f2937">Remember me</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    const truth = await inkBox(W, H, svg);
    for (const [x, y] of [[108, 108], [160, 109]] as const) {
      const box = await smartBox(image, x, y);
      expect(inference(box).strategy, `${x},${y}`).toBe("checkbox_label");
      expect(iou(box.bbox, truth), `${x},${y} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.8);
    }
  });

  it("boxes a borderless sidebar item as its row", async () => {
    const rows = ["Inbox", "Drafts", "Archive", "Settings"]
      .map((t, i) => `<rect x="20" y="${66 + i * 36}" width="12" height="12" fill="none" stroke="#e3e5e8" stroke-width="2"/><text x="44" y="${77 + i * 36}" ${FONT} fill="#e3e5e8">${t}</text>`)
      .join("");
    const image = await screenshot(W, H, flat(LIGHT), `<rect x="0" y="0" width="220" height="400" fill="#2b2d31"/>${rows}`);
    const box = await smartBox(image, 60, 108);
    expect(inference(box).strategy).toBe("list_row");
    expect(iou(box.bbox, [0, 90, 220, 36]), box.bbox.join(",")).toBeGreaterThanOrEqual(0.7);
  });

  it("gives the low-confidence fallback for a click on a card's empty space", async () => {
    const svg = `<rect x="100" y="60" width="300" height="200" rx="8" fill="#ffffff" stroke="#d0d5dd"/>
      <text x="120" y="90" ${FONT} fill="#1f2937">Revenue</text><text x="120" y="130" font-family="DejaVu Sans" font-size="28" fill="#1f2937">$43,203</text>`;
    const image = await screenshot(W, H, flat(LIGHT), svg);
    const box = await smartBox(image, 320, 200);
    expect(box.source).toBe(FALLBACK_SOURCE);
    expect(inference(box).reason).toBe("empty_space");
    expect(box.confidence).toBeLessThanOrEqual(0.3);
  });
});

describe("smart mode confidence", () => {
  it("is the calibrated constant of the strategy and evidence", () => {
    expect(smartConfidence("flood_fill", { fillRatio: 0.9 })).toBe(SMART_CONFIDENCE.floodFill.filled);
    expect(smartConfidence("flood_fill", { fillRatio: 0.3 })).toBe(SMART_CONFIDENCE.floodFill.sparse);
    expect(smartConfidence("text_line")).toBe(SMART_CONFIDENCE.textLine);
    expect(smartConfidence("glyph", { onInk: true })).toBe(SMART_CONFIDENCE.glyph.onInk);
    expect(smartConfidence("glyph", { onInk: false })).toBe(SMART_CONFIDENCE.glyph.offInk);
    expect(smartConfidence("checkbox_label")).toBe(SMART_CONFIDENCE.checkboxLabel);
    expect(smartConfidence("list_row")).toBe(SMART_CONFIDENCE.listRow);
    expect(smartConfidence("fixed_fallback", { reason: "empty_space" })).toBe(SMART_CONFIDENCE.fallback.empty_space);
  });

  it("puts every fallback at or below 0.3 and below every found box", () => {
    const fallbacks = Object.values(SMART_CONFIDENCE.fallback);
    const found = [smartConfidence("flood_fill", { fillRatio: 0 }), smartConfidence("glyph", { onInk: false }), smartConfidence("text_line")];
    expect(Math.max(...fallbacks)).toBeLessThanOrEqual(0.3);
    expect(Math.max(...fallbacks)).toBeLessThan(Math.min(...found));
  });

  it("is deterministic: same bytes, same box, confidence and metadata", async () => {
    const svg = `<rect x="250" y="200" width="140" height="36" rx="4" fill="#0078d4"/><text x="100" y="100" ${FONT} fill="#2563eb">Forgot password?</text>`;
    const a = await screenshot(W, H, noiseTexture([230, 230, 230], 6, 42), svg);
    const b = await screenshot(W, H, noiseTexture([230, 230, 230], 6, 42), svg);
    expect(b.sha256).toBe(a.sha256);
    for (const [x, y] of [[260, 208], [130, 96], [560, 340]] as const) expect(await smartBox(b, x, y)).toEqual(await smartBox(a, x, y));
  });
});
