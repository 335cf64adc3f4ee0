import { describe, expect, it } from "vitest";
import { assignSplits, ConfigError, parseSplitRatios, splitSizes } from "../src/index.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `img${String(i).padStart(4, "0")}` }));

describe("splits", () => {
  it("sizes are within one image of ratio × count", () => {
    for (const n of [0, 1, 2, 7, 10, 101, 999]) {
      const sizes = splitSizes(n, [0.7, 0.2, 0.1]);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      sizes.forEach((s, i) => expect(Math.abs(s - [0.7, 0.2, 0.1][i]! * n)).toBeLessThan(1));
    }
  });

  it("is reproducible for a seed whatever the input order, and differs across seeds", () => {
    const a = assignSplits(ids(200), { ratios: [0.7, 0.2, 0.1], seed: 7 });
    const b = assignSplits(ids(200).reverse(), { ratios: [0.7, 0.2, 0.1], seed: 7 });
    const c = assignSplits(ids(200), { ratios: [0.7, 0.2, 0.1], seed: 8 });
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect([...a.entries()].sort()).not.toEqual([...c.entries()].sort());
    const counts = { train: 0, val: 0, test: 0 } as Record<string, number>;
    for (const s of a.values()) counts[s]!++;
    expect(counts).toEqual({ train: 140, val: 40, test: 20 });
  });

  it("stratified: a rare category lands in every split", () => {
    const images = ids(100).map((img, i) => ({ ...img, categories: i % 33 === 0 ? [0, 9] : [0] }));
    // category 9 is on 4 images (0, 33, 66, 99)
    const split = assignSplits(images, { ratios: [0.5, 0.25, 0.25], seed: 1, stratify: true });
    const withRare = images.filter((im) => im.categories.includes(9)).map((im) => split.get(im.id));
    expect(new Set(withRare)).toEqual(new Set(["train", "val", "test"]));
    const counts = { train: 0, val: 0, test: 0 } as Record<string, number>;
    for (const s of split.values()) counts[s]!++;
    expect(counts).toEqual({ train: 50, val: 25, test: 25 });
  });

  it("refuses ratios that do not sum to 1, negative or empty, with a clear error", () => {
    expect(() => parseSplitRatios("0.7,0.2")).toThrow(/sum to 0.9/);
    expect(() => parseSplitRatios("1.2,-0.2")).toThrow(/negative/);
    expect(() => parseSplitRatios("")).toThrow(ConfigError);
    expect(() => parseSplitRatios("0.5,,0.5")).toThrow(ConfigError);
    expect(() => parseSplitRatios("a,b")).toThrow(/not a number/);
    expect(parseSplitRatios("0.7, 0.2, 0.1")).toEqual([0.7, 0.2, 0.1]);
  });
});
