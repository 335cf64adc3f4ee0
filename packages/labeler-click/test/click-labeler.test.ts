import { type Annotation, ConfigError, contentId, type ExecutionRecord, iou, parseRecord, type ResolvedImage } from "@qontinui/export-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { CLICK_SOURCE, clickLabeler, FALLBACK_SOURCE, SMART_CONFIDENCE, SMART_SOURCE } from "../src/index.js";

interface Report {
  reason: string;
  message: string;
  severity: string;
}

function record(fields: Record<string, unknown>): ExecutionRecord {
  const parsed = parseRecord({ action_id: "a1", action_type: "CLICK", ...fields });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

function resolved(bytes: Buffer, width: number, height: number): ResolvedImage {
  return { ...contentId(bytes), format: "png", extension: ".png", width, height, channels: 3, byteLength: bytes.length, sourcePath: "shot.png", bytes };
}

/** A size-only image for fixed mode (no pixels needed). */
const plain = { width: 200, height: 100 } as ResolvedImage;

async function label(
  fields: Record<string, unknown>,
  image: ResolvedImage = plain,
  options: Parameters<typeof clickLabeler>[0] = { mode: "fixed" },
): Promise<{ boxes: Annotation[]; reports: Report[] }> {
  const reports: Report[] = [];
  const boxes = await clickLabeler(options).label(record(fields), image, {
    report: (reason, message, severity = "dropped_box") => reports.push({ reason, message, severity }),
  });
  return { boxes, reports };
}

// A 640×400 light-grey screen with a blue button (with label text) and a bordered text field.
const BUTTON = [120, 150, 140, 36] as const;
const FIELD = [330, 60, 220, 28] as const;
async function screenshot(): Promise<ResolvedImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400">
    <rect x="${BUTTON[0]}" y="${BUTTON[1]}" width="${BUTTON[2]}" height="${BUTTON[3]}" rx="4" fill="#0078d4"/>
    <rect x="${BUTTON[0] + 40}" y="${BUTTON[1] + 12}" width="5" height="12" fill="#ffffff"/>
    <rect x="${BUTTON[0] + 48}" y="${BUTTON[1] + 12}" width="4" height="12" fill="#ffffff"/>
    <rect x="${BUTTON[0] + 55}" y="${BUTTON[1] + 12}" width="6" height="12" fill="#ffffff"/>
    <rect x="${FIELD[0] + 0.5}" y="${FIELD[1] + 0.5}" width="${FIELD[2] - 1}" height="${FIELD[3] - 1}" fill="#ffffff" stroke="#b4b4b4" stroke-width="1"/>
  </svg>`;
  const bytes = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 243, g: 243, b: 243 } } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return resolved(bytes, 640, 400);
}

describe("clickLabeler fixed mode (seed formula)", () => {
  it("centres a 50×50 box on the click", async () => {
    const { boxes, reports } = await label({ clicked_location: { x: 100, y: 50 } });
    expect(boxes).toEqual([{ bbox: [75, 25, 50, 50], categoryName: "click_target", confidence: 1, source: CLICK_SOURCE, verified: true }]);
    expect(reports).toEqual([]);
    expect(clickLabeler().name).toBe("click");
  });

  it("accepts the [x, y] form and fractional points", async () => {
    const { boxes } = await label({ clicked_location: [100.5, 50] });
    expect(boxes[0]?.bbox).toEqual([75.5, 25, 50, 50]);
  });

  it("clamps at the edges and marks the box clipped", async () => {
    expect((await label({ clicked_location: { x: 5, y: 5 } })).boxes[0]).toMatchObject({ bbox: [0, 0, 50, 50] });
    expect((await label({ clicked_location: { x: 5, y: 5 } })).boxes[0]?.clipped).toBeUndefined();
    const right = (await label({ clicked_location: { x: 195, y: 95 } })).boxes[0];
    expect(right).toMatchObject({ bbox: [170, 70, 30, 30], clipped: true });
  });

  it("uses a custom box size", async () => {
    const { boxes } = await label({ clicked_location: { x: 100, y: 50 } }, plain, { mode: "fixed", boxSize: 20 });
    expect(boxes[0]?.bbox).toEqual([90, 40, 20, 20]);
    const big = await label({ clicked_location: { x: 100, y: 50 } }, plain, { mode: "fixed", boxSize: 150 });
    expect(big.boxes[0]).toMatchObject({ bbox: [25, 0, 150, 100], clipped: true });
  });

  it("takes the category from click_target_type, then click_target, then the fallback", async () => {
    const at = { clicked_location: { x: 100, y: 50 } };
    expect((await label({ ...at, click_target_type: "button", click_target: "ok" })).boxes[0]?.categoryName).toBe("button");
    expect((await label({ ...at, click_target: "ok_button" })).boxes[0]?.categoryName).toBe("ok_button");
    expect((await label(at)).boxes[0]?.categoryName).toBe("click_target");
    expect((await label(at, plain, { mode: "fixed", categoryFallback: "ui" })).boxes[0]?.categoryName).toBe("ui");
  });

  it("gives no box without a click", async () => {
    expect(await label({})).toEqual({ boxes: [], reports: [] });
    expect(await label({ clicked_location: null })).toEqual({ boxes: [], reports: [] });
  });

  it("reports click_outside_image for a click outside the image or not finite", async () => {
    for (const clicked_location of [{ x: -1, y: 10 }, { x: 200, y: 10 }, { x: 10, y: 100 }, { x: 5000, y: 5000 }]) {
      const { boxes, reports } = await label({ clicked_location });
      expect(boxes, JSON.stringify(clicked_location)).toEqual([]);
      expect(reports.map((r) => [r.reason, r.severity])).toEqual([["click_outside_image", "dropped_box"]]);
    }
    const reports: Report[] = [];
    const rec = { ...record({}), clicked_location: { x: Number.NaN, y: 3 } };
    const boxes = await clickLabeler({ mode: "fixed" }).label(rec, plain, { report: (reason, message, severity = "dropped_box") => reports.push({ reason, message, severity }) });
    expect(boxes).toEqual([]);
    expect(reports[0]?.reason).toBe("click_outside_image");
  });

  it("validates its options with ConfigError", () => {
    for (const boxSize of [0, -5, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => clickLabeler({ boxSize })).toThrow(ConfigError);
    expect(() => clickLabeler({ mode: "magic" as "fixed" })).toThrow(ConfigError);
    expect(() => clickLabeler({ categoryFallback: " " })).toThrow(ConfigError);
  });
});

describe("clickLabeler smart mode", () => {
  it("is the default mode", async () => {
    const image = await screenshot();
    const boxes = await clickLabeler().label(record({ clicked_location: { x: 150, y: 160 } }), image, { report: () => {} });
    expect(boxes[0]?.source).toBe(SMART_SOURCE);
  });

  it("finds a drawn button's rectangle, also when the click lands on its label", async () => {
    const image = await screenshot();
    for (const at of [{ x: 150, y: 160 }, { x: 162, y: 170 }, { x: 255, y: 183 }]) {
      const { boxes, reports } = await label({ clicked_location: at, click_target_type: "button" }, image, { mode: "smart" });
      expect(boxes).toHaveLength(1);
      const [box] = boxes as [Annotation];
      expect(box.source, JSON.stringify(at)).toBe(SMART_SOURCE);
      expect(box).toMatchObject({ categoryName: "button", verified: true });
      expect(box.confidence).toBeGreaterThanOrEqual(0.8);
      expect(iou(box.bbox, BUTTON), `${JSON.stringify(at)} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
      expect((box.metadata?.inference_metadata as { strategy: string }).strategy).toBe("flood_fill");
      expect(reports).toEqual([]);
    }
  });

  it("finds a bordered text field", async () => {
    const image = await screenshot();
    const { boxes } = await label({ clicked_location: { x: 400, y: 70 } }, image, { mode: "smart" });
    expect(boxes[0]?.source).toBe(SMART_SOURCE);
    expect(iou(boxes[0]!.bbox, FIELD)).toBeGreaterThanOrEqual(0.9);
  });

  it("falls back to the fixed box on flat background", async () => {
    const image = await screenshot();
    const { boxes } = await label({ clicked_location: { x: 500, y: 300 } }, image, { mode: "smart" });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject({ bbox: [475, 275, 50, 50], source: FALLBACK_SOURCE, verified: true, confidence: SMART_CONFIDENCE.fallback });
    const meta = boxes[0]!.metadata?.inference_metadata as { strategy: string; reason: string; search_window: number[] };
    expect(meta.strategy).toBe("fixed_fallback");
    expect(typeof meta.reason).toBe("string");
    expect(meta.search_window).toHaveLength(4);
  });

  it("is deterministic: same bytes, same box and metadata", async () => {
    const image = await screenshot();
    const again = await screenshot();
    expect(again.sha256).toBe(image.sha256);
    for (const at of [{ x: 150, y: 160 }, { x: 500, y: 300 }, { x: 400, y: 70 }]) {
      const a = await label({ clicked_location: at }, image, { mode: "smart" });
      const b = await label({ clicked_location: at }, again, { mode: "smart" });
      expect(b).toEqual(a);
    }
  });

  it("falls back (and reports) when the bytes cannot be decoded", async () => {
    const broken = { ...plain, bytes: Buffer.from("not an image") } as ResolvedImage;
    const { boxes, reports } = await label({ clicked_location: { x: 100, y: 50 } }, broken, { mode: "smart" });
    expect(boxes[0]).toMatchObject({ bbox: [75, 25, 50, 50], source: FALLBACK_SOURCE });
    expect(reports.map((r) => [r.reason, r.severity])).toEqual([["smart_click_decode_failed", "repaired"]]);
  });

  it("still reports clicks outside the image without decoding", async () => {
    const image = await screenshot();
    const { boxes, reports } = await label({ clicked_location: { x: 700, y: 10 } }, image, { mode: "smart" });
    expect(boxes).toEqual([]);
    expect(reports[0]?.reason).toBe("click_outside_image");
  });

  it("handles greyscale and RGBA images", async () => {
    const base = await screenshot();
    for (const bytes of [await sharp(base.bytes).greyscale().png().toBuffer(), await sharp(base.bytes).ensureAlpha().png().toBuffer()]) {
      const { boxes } = await label({ clicked_location: { x: 150, y: 160 } }, resolved(bytes, 640, 400), { mode: "smart" });
      expect(boxes[0]?.source).toBe(SMART_SOURCE);
      expect(iou(boxes[0]!.bbox, BUTTON)).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("finds a large panel beyond the first search window", async () => {
    const PANEL = [100, 100, 900, 600] as const;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800"><rect x="100" y="100" width="900" height="600" fill="#dfe3e8"/></svg>`;
    const bytes = await sharp({ create: { width: 1280, height: 800, channels: 3, background: "#ffffff" } })
      .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
      .png()
      .toBuffer();
    const { boxes } = await label({ clicked_location: { x: 500, y: 400 } }, resolved(bytes, 1280, 800), { mode: "smart" });
    expect(boxes[0]?.source).toBe(SMART_SOURCE);
    expect(iou(boxes[0]!.bbox, PANEL)).toBeGreaterThanOrEqual(0.9);
  });
});
