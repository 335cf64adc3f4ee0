import { iou } from "@qontinui/export-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { BACKGROUND_KINDS, elementAt, sampleClicks, type SyntheticScreen, syntheticScreen } from "../eval/synthetic-screens.mjs";
import { clickLabeler } from "../src/index.js";
import { record, resolved } from "./images.js";

/** Distinct colours in a 24×24 patch of the screen's background, clear of every element and of the labels next to fields (undefined when there is none). */
async function backgroundColours(screen: SyntheticScreen): Promise<number | undefined> {
  const { data } = await sharp(screen.png).raw().toBuffer({ resolveWithObject: true });
  const near = (x: number, y: number) =>
    screen.elements.some((e) => {
      const m = e.kind === "field" ? 120 : 4;
      return e.box[0] < x + 24 + m && x - m < e.box[0] + e.box[2] && e.box[1] < y + 24 + m && y - m < e.box[1] + e.box[3];
    });
  for (let y = 0; y + 24 <= screen.height; y += 24) {
    for (let x = 0; x + 24 <= screen.width; x += 24) {
      if (near(x, y)) continue;
      const colours = new Set<string>();
      for (let j = y; j < y + 24; j++) for (let i = x; i < x + 24; i++) colours.add(data.subarray((j * screen.width + i) * 3, (j * screen.width + i) * 3 + 3).join(","));
      return colours.size;
    }
  }
  return undefined;
}

describe("synthetic screens (eval/synthetic-screens.mjs)", () => {
  it("are deterministic per (seed, index) and rotate the background kinds", async () => {
    const a = await syntheticScreen(7, 4);
    const b = await syntheticScreen(7, 4);
    expect(b.png.equals(a.png)).toBe(true);
    expect(b.elements).toEqual(a.elements);
    expect((await syntheticScreen(8, 4)).png.equals(a.png)).toBe(false);
    expect([0, 1, 2, 3].map((i) => BACKGROUND_KINDS[i % 3])).toEqual(["flat", "gradient", "textured", "flat"]);
    expect(sampleClicks(a, 5)).toEqual(sampleClicks(b, 5));
  });

  it("draw textured backgrounds as texture and flat ones as one colour", async () => {
    const checked = new Set<string>();
    for (const index of [0, 2, 3, 5, 8, 11]) {
      const screen = await syntheticScreen(7, index);
      const colours = await backgroundColours(screen);
      if (colours === undefined) continue;
      checked.add(screen.background);
      if (screen.background === "flat") expect(colours, `screen ${index}`).toBe(1);
      if (screen.background === "textured") expect(colours, `screen ${index} (${screen.texture})`).toBeGreaterThanOrEqual(2);
    }
    expect(checked).toEqual(new Set(["flat", "textured"]));
  });

  it("sample clicks inside their element (the innermost one under the point)", async () => {
    const screen = await syntheticScreen(11, 1);
    for (const click of sampleClicks(screen, 30)) {
      const [x, y, w, h] = click.element.box;
      expect(click.x >= x && click.x < x + w && click.y >= y && click.y < y + h).toBe(true);
      expect(elementAt(screen.elements, click.x, click.y)).toBe(click.element);
    }
  });
});

describe("evaluation on a small seeded set", () => {
  it("smart mode: IoU ≥ 0.5 on at least 80 % of clicks, and mean IoU well above the fixed box's", async () => {
    const smart = clickLabeler({ mode: "smart" });
    const fixed = clickLabeler({ mode: "fixed" });
    const ctx = { report: () => {} };
    const rows: { smart: number; fixed: number; background: string }[] = [];
    for (let index = 0; index < 12; index++) {
      const screen = await syntheticScreen(7, index);
      const image = resolved(screen.png, screen.width, screen.height);
      for (const click of sampleClicks(screen, 3)) {
        const rec = record({ clicked_location: { x: click.x, y: click.y } });
        const [a] = await smart.label(rec, image, ctx);
        const [b] = await fixed.label(rec, image, ctx);
        rows.push({ smart: iou(a!.bbox, click.element.box), fixed: iou(b!.bbox, click.element.box), background: screen.background });
      }
    }
    expect(rows).toHaveLength(36);
    expect(new Set(rows.map((r) => r.background))).toEqual(new Set(BACKGROUND_KINDS));
    const share = rows.filter((r) => r.smart >= 0.5).length / rows.length;
    const smartMean = rows.reduce((t, r) => t + r.smart, 0) / rows.length;
    const fixedMean = rows.reduce((t, r) => t + r.fixed, 0) / rows.length;
    expect(share).toBeGreaterThanOrEqual(0.8);
    expect(smartMean).toBeGreaterThan(fixedMean + 0.3);
  });
});
