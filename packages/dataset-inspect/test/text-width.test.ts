import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { escapeXml } from "@qontinui/export-core";
import { fitText, textWidth } from "../src/text-width.js";

const FONT_SIZE = 24;
const ORIGIN = 20;

/** How far right of its origin `text` inks when librsvg draws it in the preview's font list. */
async function inkWidth(text: string): Promise<number> {
  const width = 1600;
  const height = 2 * FONT_SIZE;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<text x="${ORIGIN}" y="${FONT_SIZE * 1.2}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="${FONT_SIZE}" fill="#fff">${escapeXml(text)}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let right = ORIGIN;
  for (let y = 0; y < info.height; y++) {
    for (let x = right; x < info.width; x++) if (data[(y * info.width + x) * 4 + 3]! > 0) right = x + 1;
  }
  return right - ORIGIN;
}

describe("textWidth", () => {
  it("is at least as wide as the rendered glyphs, also for wide letters and other scripts", async () => {
    const labels = [
      "button 0.95",
      "WWWWWWWW 1.00",
      "mmmmmmmm 0.50",
      "MMMMMMM",
      "@@@@%%%%",
      "ÆŒæœ ‰",
      "Übersicht 0.12",
      "ПРИВЕТ мир Ж",
      "按钮 确认 0.50",
      "a<b&c 0.05",
      "cafe\u0301 0.10",
      "___ --- ~~~",
    ];
    for (const label of labels) {
      const ink = await inkWidth(label);
      expect(ink, label).toBeGreaterThan(0);
      expect(textWidth(label, FONT_SIZE), label).toBeGreaterThanOrEqual(ink);
    }
  });

  it("stays close for the usual 'name 0.87' labels", async () => {
    for (const label of ["button 0.95", "text_field 0.35", "icon 1.00"]) {
      expect(textWidth(label, FONT_SIZE), label).toBeLessThanOrEqual(1.3 * (await inkWidth(label)));
    }
  });

  it("scales with the font size", () => {
    expect(textWidth("", 20)).toBe(0);
    expect(textWidth("icon 0.50", 22)).toBeGreaterThan(textWidth("icon 0.50", 11));
  });
});

describe("fitText", () => {
  it("keeps a label that fits, and cuts a longer one short with an ellipsis", () => {
    expect(fitText("button 0.95", 12, 500)).toBe("button 0.95");
    const cut = fitText("a_very_long_category_name 0.95", 12, 100);
    expect(cut).toMatch(/^a_very.*…$/);
    expect(textWidth(cut, 12)).toBeLessThanOrEqual(100);
    expect(textWidth(fitText("a_very_long_category_name 0.95", 12, 101), 12)).toBeLessThanOrEqual(101);
    expect(fitText("button", 12, 5)).toBe("");
  });
});
