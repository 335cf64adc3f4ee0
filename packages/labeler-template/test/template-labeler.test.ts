import {
  type Annotation,
  type ExportItem,
  type ExecutionRecord,
  parseRecord,
  type ResolvedImage,
  runPipeline,
  silentLogger,
  type Source,
} from "@qontinui/export-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { templateLabeler } from "../src/index.js";

const image = { width: 200, height: 100 } as ResolvedImage;

function record(match_summary: unknown): ExecutionRecord {
  const parsed = parseRecord({ action_id: "a1", action_type: "FIND", match_summary });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

interface Report {
  reason: string;
  message: string;
  severity: string;
}

async function label(match: unknown, options?: Parameters<typeof templateLabeler>[0]): Promise<{ boxes: Annotation[]; reports: Report[] }> {
  const reports: Report[] = [];
  const boxes = await templateLabeler(options).label(record(match), image, {
    report: (reason, message, severity = "dropped_box") => reports.push({ reason, message, severity }),
  });
  return { boxes, reports };
}

const good = { found: true, image_id: "login_button", location: { x: 10, y: 20 }, template_size: { width: 30, height: 12 }, confidence: 0.93 };

describe("templateLabeler", () => {
  it("turns a found match into one box: top-left location, template size, image_id category", async () => {
    const { boxes, reports } = await label(good);
    expect(boxes).toEqual([{ bbox: [10, 20, 30, 12], categoryName: "login_button", confidence: 0.93, source: "template_matching", verified: false }]);
    expect(reports).toEqual([]);
    expect(templateLabeler().name).toBe("template");
  });

  it("gives no box for records without a match, or a match not found", async () => {
    expect(await label(null)).toEqual({ boxes: [], reports: [] });
    expect(await label({ ...good, found: false })).toEqual({ boxes: [], reports: [] });
    expect(await label({ ...good, found: "true" })).toEqual({ boxes: [], reports: [] });
    const { found: _found, ...withoutFound } = good;
    expect(await label(withoutFound)).toEqual({ boxes: [], reports: [] });
  });

  it("drops zero, negative and non-finite sizes with box_invalid_size", async () => {
    for (const template_size of [{ width: 0, height: 12 }, { width: 30, height: -1 }, { width: "30", height: 12 }, { width: 30, height: 1e400 }]) {
      const { boxes, reports } = await label({ ...good, template_size });
      expect(boxes, JSON.stringify(template_size)).toEqual([]);
      expect(reports.map((r) => [r.reason, r.severity])).toEqual([["box_invalid_size", "dropped_box"]]);
    }
  });

  it("reports match_incomplete when location or template_size is missing", async () => {
    const cases: [unknown, string][] = [
      [{ ...good, location: undefined }, "location {x, y}"],
      [{ ...good, location: { x: 10 } }, "location {x, y}"],
      [{ ...good, location: { x: Number.NaN, y: 2 } }, "location {x, y}"],
      [{ ...good, template_size: null }, "template_size {width, height}"],
      [{ ...good, template_size: { width: 30 } }, "template_size {width, height}"],
      [{ ...good, location: "10,20", template_size: undefined }, "location {x, y} and template_size {width, height}"],
    ];
    for (const [match, missing] of cases) {
      const { boxes, reports } = await label(match);
      expect(boxes).toEqual([]);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.reason).toBe("match_incomplete");
      expect(reports[0]!.message).toContain(missing);
    }
  });

  it("accepts a location given as [x, y]", async () => {
    expect((await label({ ...good, location: [4, 5] })).boxes[0]?.bbox).toEqual([4, 5, 30, 12]);
  });

  it("clamps and parses confidence, reporting confidence_repaired", async () => {
    const cases: [unknown, number][] = [
      [1.7, 1],
      [-0.2, 0],
      ["0.9", 0.9],
      [" 0.25 ", 0.25],
      ["high", 0],
      [Number.NaN, 0],
      [undefined, 0],
      [{ v: 1 }, 0],
    ];
    for (const [confidence, expected] of cases) {
      const { boxes, reports } = await label({ ...good, confidence });
      expect(boxes[0]?.confidence, String(confidence)).toBe(expected);
      expect(reports.map((r) => [r.reason, r.severity])).toEqual([["confidence_repaired", "repaired"]]);
    }
    expect((await label({ ...good, confidence: 0 })).reports).toEqual([]);
    expect((await label({ ...good, confidence: 1 })).reports).toEqual([]);
  });

  it("drops a box reaching past the image (a thumbnail of the screen) with a named reason, clips sub-pixel overhang, drops one wholly outside", async () => {
    const past = await label({ ...good, location: { x: 190, y: -5 } });
    expect(past.boxes).toEqual([]);
    expect(past.reports.map((r) => [r.reason, r.severity])).toEqual([["template_box_exceeds_image", "dropped_box"]]);
    expect(past.reports[0]!.message).toContain("thumbnail");

    const rounding = await label({ ...good, location: { x: 170.5, y: -0.5 } });
    expect(rounding.boxes[0]).toMatchObject({ bbox: [170.5, 0, 29.5, 11.5], clipped: true });
    expect(rounding.reports.map((r) => r.reason)).toEqual(["box_clipped"]);

    const outside = await label({ ...good, location: { x: 250, y: 10 } });
    expect(outside.boxes).toEqual([]);
    expect(outside.reports.map((r) => [r.reason, r.severity])).toEqual([["box_outside_image", "dropped_box"]]);
  });

  it("drops a match found on a screen of another size than the image (a thumbnail), even when its box would fit", async () => {
    const onThumbnail = await label({ ...good, screenshot_size: { width: 1280, height: 720 } });
    expect(onThumbnail.boxes).toEqual([]);
    expect(onThumbnail.reports.map((r) => r.reason)).toEqual(["template_screen_size_mismatch"]);
    // The runner's own field is 0×0 in practice: no evidence, the box is kept.
    expect((await label({ ...good, screenshot_size: { width: 0, height: 0 } })).boxes).toHaveLength(1);
    expect((await label({ ...good, screenshot_size: { width: 200, height: 100 } })).boxes).toHaveLength(1);
  });

  it("uses the category fallback for a missing or empty image_id", async () => {
    for (const image_id of [undefined, "", "   ", null]) {
      const { boxes, reports } = await label({ ...good, image_id });
      expect(boxes[0]?.categoryName).toBe("unknown");
      expect(reports.map((r) => r.reason)).toEqual(["category_missing"]);
    }
    expect((await label({ ...good, image_id: undefined }, { categoryFallback: "ui_element" })).boxes[0]?.categoryName).toBe("ui_element");
    expect((await label({ ...good, image_id: 42 })).boxes[0]?.categoryName).toBe("42");
  });

  it("in the pipeline: repairs are counted once, the category name is normalised", async () => {
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: "#fff" } }).png().toBuffer();
    const records = [
      { action_id: "1", screenshot_reference: "s.png", match_summary: { ...good, confidence: "0.8", location: { x: 170.5, y: 88 } } },
      { action_id: "2", screenshot_reference: "s.png", match_summary: { ...good, image_id: "search\nfield" } },
      { action_id: "3", screenshot_reference: "s.png", match_summary: { ...good, found: false } },
    ];
    const source: Source = {
      name: "mem",
      async *read() {
        for (const r of records) {
          const p = parseRecord(r);
          if (p.ok) yield { record: p.record };
        }
      },
      readScreenshot: async () => ({ path: "/mem/s.png", bytes: png }),
    };
    const items: ExportItem[] = [];
    const { statistics } = await runPipeline({
      source,
      labelers: [templateLabeler()],
      writers: [{ name: "collect", open: async () => {}, write: async (i) => void items.push(i), close: async () => ({ writer: "collect" }) }],
      logger: silentLogger,
    });
    expect(items.map((i) => i.annotations.map((a) => [a.categoryName, a.bbox, a.confidence]))).toEqual([
      [["login_button", [170.5, 88, 29.5, 12], 0.8]],
      [["search field", [10, 20, 30, 12], 0.93]],
      [],
    ]);
    expect(statistics.problems.byReason).toEqual({ box_clipped: 1, confidence_repaired: 1, category_name_repaired: 1 });
    expect(statistics.annotationsBySource).toEqual({ template_matching: 2 });
  });
});
