import { promises as fs } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confidenceBin, datasetStats, type DatasetStats, formatStats } from "../src/index.js";
import { makeDataset } from "./fixture.js";

let dir: string;
let stats: DatasetStats;

beforeAll(async () => {
  dir = await makeDataset();
  stats = await datasetStats(dir);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("datasetStats", () => {
  it("counts records, images, duplicates and reviews", () => {
    expect(stats.records).toBe(7);
    expect(stats.images).toBe(4);
    expect(stats.duplicateRecords).toBe(3);
    expect(stats.maxRecordsPerImage).toBe(3);
    expect(stats.reviewedImages).toBe(2);
    expect(stats.reviewedRecords).toBe(2);
    expect(stats.manifestProblems).toBe(1);
    expect(stats.unreadableImages).toBe(0);
  });

  it("counts boxes, verified share and images without boxes", () => {
    expect(stats.boxes).toBe(4);
    expect(stats.verifiedBoxes).toBe(2);
    expect(stats.verifiedShare).toBe(0.5);
    expect(stats.imagesWithoutBoxes).toBe(2);
  });

  it("counts per category, per source and per size", () => {
    expect(stats.categories).toEqual([
      { id: 0, name: "button", boxes: 2, images: 1 },
      { id: 1, name: "icon", boxes: 1, images: 1 },
      { id: 2, name: "a<b&c", boxes: 1, images: 1 },
    ]);
    expect(stats.boxesBySource).toEqual({ template_matching: 2, user_click: 2 });
    expect(stats.imageSizes).toEqual({ "200x150": 2, "320x240": 2 });
  });

  it("bins confidences into ten bins, 1.0 in the last", () => {
    expect(stats.confidenceHistogram).toHaveLength(10);
    expect(stats.confidenceHistogram.map((b) => b.count)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(stats.confidenceHistogram[0]).toEqual({ from: 0, to: 0.1, count: 1 });
    expect(stats.confidenceHistogram[9]).toEqual({ from: 0.9, to: 1, count: 2 });
    expect(confidenceBin(0.3)).toBe(3);
    expect(confidenceBin(0.7)).toBe(7);
    expect(confidenceBin(0.0999)).toBe(0);
    expect(confidenceBin(-1)).toBe(0);
    expect(confidenceBin(1.5)).toBe(9);
    expect(confidenceBin(Number.NaN)).toBe(0);
  });

  it("streams an empty dataset to zeros", async () => {
    const empty = await makeDataset();
    await fs.writeFile(`${empty}/manifest.jsonl`, "");
    const s = await datasetStats(empty);
    expect(s.records).toBe(0);
    expect(s.images).toBe(0);
    expect(s.boxes).toBe(0);
    expect(s.verifiedShare).toBe(0);
    expect(s.categories.map((c) => c.boxes)).toEqual([0, 0, 0]);
    expect(formatStats(s)).toContain("(none)");
    await fs.rm(empty, { recursive: true, force: true });
  });

  it("rejects a directory that is not a dataset", async () => {
    await expect(datasetStats("/nonexistent/dataset")).rejects.toThrow(/no metadata.json/);
  });
});

describe("formatStats", () => {
  it("prints an aligned table with a line per category", () => {
    const text = formatStats(stats);
    const lines = text.split("\n");
    expect(lines.some((l) => /^\s+0\s+button\s+2\s+50\.0%\s+1$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+1\s+icon\s+1\s+25\.0%\s+1$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+2\s+a<b&c\s+1\s+25\.0%\s+1$/.test(l))).toBe(true);
    expect(text).toMatch(/records:\s+7/);
    expect(text).toMatch(/duplicate records:\s+3/);
    expect(text).toMatch(/verified boxes:\s+2\s+\(50\.0%\)/);
    expect(text).toMatch(/template_matching\s+2\s+50\.0%/);
    expect(text).toMatch(/\[0\.9, 1\.0\]\s+2/);
    expect(text).toMatch(/200x150\s+2\s+50\.0%/);
    expect(text).toMatch(/bad manifest lines:\s+1/);
    // Category rows are aligned: the "boxes" column ends at the same offset.
    const rows = lines.filter((l) => /^\s+\d+\s+(button|icon|a<b&c)\s/.test(l));
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
  });
});
