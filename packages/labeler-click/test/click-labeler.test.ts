import { execFile as execFileCallback } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type Annotation, ConfigError, contentId, type ExecutionRecord, iou, parseRecord, type ResolvedImage } from "@qontinui/export-core";
import sharp from "sharp";
import { describe, expect, it, vi } from "vitest";
import { CLICK_SOURCE, clickLabeler, FALLBACK_SOURCE, SMART_CONFIDENCE, SMART_SOURCE } from "../src/index.js";
import { ScreenshotPixels } from "../src/screenshot-pixels.js";

const execFile = promisify(execFileCallback);

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
      expect(box.confidence).toBeGreaterThanOrEqual(0.9);
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

  it("gives a low-confidence fallback, reason empty_space, on empty background", async () => {
    const image = await screenshot();
    const { boxes } = await label({ clicked_location: { x: 500, y: 300 } }, image, { mode: "smart" });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject({ bbox: [475, 275, 50, 50], source: FALLBACK_SOURCE, verified: true, confidence: SMART_CONFIDENCE.fallback.empty_space });
    expect(boxes[0]!.confidence).toBeLessThanOrEqual(0.3);
    const meta = boxes[0]!.metadata?.inference_metadata as { strategy: string; reason: string; search_window: number[] };
    expect(meta).toMatchObject({ strategy: "fixed_fallback", reason: "empty_space" });
    expect(meta.search_window).toHaveLength(4);
  });

  it("refuses a panel larger than a control: a click on its empty middle gets the fallback, not the panel", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800"><rect x="100" y="100" width="900" height="600" fill="#dfe3e8"/><rect x="0" y="0" width="220" height="800" fill="#2b2d31"/></svg>`;
    const bytes = await sharp({ create: { width: 1280, height: 800, channels: 3, background: "#ffffff" } })
      .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
      .png()
      .toBuffer();
    for (const at of [{ x: 500, y: 400 }, { x: 110, y: 700 }]) {
      const { boxes } = await label({ clicked_location: at }, resolved(bytes, 1280, 800), { mode: "smart" });
      expect(boxes[0]?.source, JSON.stringify(at)).toBe(FALLBACK_SOURCE);
      expect(boxes[0]!.confidence).toBeLessThanOrEqual(0.3);
      expect((boxes[0]!.metadata?.inference_metadata as { reason: string }).reason).toBe("empty_space");
    }
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
    const broken = { ...plain, sha256: "0".repeat(64), bytes: Buffer.from("not an image") } as ResolvedImage;
    const { boxes, reports } = await label({ clicked_location: { x: 100, y: 50 } }, broken, { mode: "smart" });
    expect(boxes[0]).toMatchObject({ bbox: [75, 25, 50, 50], source: FALLBACK_SOURCE, confidence: SMART_CONFIDENCE.fallback.decode_failed });
    expect((boxes[0]!.metadata?.inference_metadata as { reason: string }).reason).toBe("decode_failed");
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

  it("validates the threads option", () => {
    for (const threads of [-1, 1.5, Number.NaN]) expect(() => clickLabeler({ threads })).toThrow(ConfigError);
    expect(clickLabeler({ threads: 0 }).needsPixels).toBe(true);
  });
});

describe("decoding once per screenshot", () => {
  it("decodes a screenshot once for rows asked for in any order, by content hash", async () => {
    const image = await screenshot();
    const pixels = new ScreenshotPixels();
    const rasters = await Promise.all([[0, 100], [200, 400], [50, 300]].map(([y0, y1]) => pixels.rows(image, y0!, y1!)));
    expect(pixels.decodes).toBe(1);
    expect(rasters[1]).toMatchObject({ left: 0, top: 200, width: 640, height: 200, imageWidth: 640, imageHeight: 400 });
    await pixels.rows({ ...image, sourcePath: "again.png" }, 10, 50);
    expect(pixels.decodes).toBe(1);
  });

  it("labels several clicks on one screenshot with one decode", async () => {
    const image = await screenshot();
    const labeler = clickLabeler({ mode: "smart", threads: 0 });
    const open = vi.spyOn(ScreenshotPixels.prototype as unknown as { open: () => unknown }, "open");
    const at = [{ x: 150, y: 160 }, { x: 400, y: 70 }, { x: 500, y: 300 }];
    const boxes = await Promise.all(at.map((clicked_location) => labeler.label(record({ clicked_location }), image, { report: () => {} })));
    expect(boxes.map((b) => b[0]?.source)).toEqual([SMART_SOURCE, SMART_SOURCE, FALLBACK_SOURCE]);
    // Later clicks on it decode nothing more.
    await labeler.label(record({ clicked_location: { x: 160, y: 170 } }), image, { report: () => {} });
    expect(open).toHaveBeenCalledTimes(1);
    open.mockRestore();
  });

  it("gives the same boxes from a JPEG (decoded by sharp) as from the PNG of the same screen", async () => {
    const png = await screenshot();
    const jpegBytes = await sharp(png.bytes).jpeg({ quality: 95 }).toBuffer();
    const jpeg = { ...resolved(jpegBytes, 640, 400), format: "jpeg" as const, extension: ".jpg" };
    for (const at of [{ x: 150, y: 160 }, { x: 400, y: 70 }]) {
      const a = (await label({ clicked_location: at }, png, { mode: "smart", threads: 0 })).boxes[0]!;
      const b = (await label({ clicked_location: at }, jpeg, { mode: "smart", threads: 0 })).boxes[0]!;
      expect(iou(a.bbox, b.bbox), JSON.stringify(at)).toBeGreaterThanOrEqual(0.9);
    }
  });
});

// Start-up: sharp (libvips, ~100 ms and tens of MB to load) is loaded only when a screenshot needs it.
const builtIndex = new URL("../dist/index.js", import.meta.url);
describe.skipIf(!existsSync(builtIndex))("loading sharp lazily (the build)", () => {
  it("does not load sharp to import the labeler or to label PNG screenshots, and loads it for a JPEG", async () => {
    const image = await screenshot();
    const jpeg = await sharp(image.bytes).jpeg().toBuffer();
    const dir = await mkdtemp(path.join(os.tmpdir(), "labeler-click-lazy-"));
    try {
      await writeFile(path.join(dir, "shot.png"), image.bytes);
      await writeFile(path.join(dir, "shot.jpg"), jpeg);
      // A child process: this one has sharp loaded already.
      const script = `
        import { readFile } from "node:fs/promises";
        import { clickLabeler } from ${JSON.stringify(builtIndex.href)};
        const vips = () => process.report.getReport().sharedObjects.some((o) => /libvips|sharp/.test(o));
        const out = { imported: vips() };
        const labeler = clickLabeler({ mode: "smart", threads: 0 });
        const record = { action_id: "a", clicked_location: { x: 150, y: 160 } };
        const ctx = { report() {} };
        const shot = async (file, format) => { const bytes = await readFile(${JSON.stringify(dir)} + "/" + file); return { id: file, sha256: file, format, extension: "." + format, width: 640, height: 400, channels: 3, byteLength: bytes.length, sourcePath: file, bytes }; };
        out.png = (await labeler.label(record, await shot("shot.png", "png"), ctx))[0].source;
        out.afterPng = vips();
        out.jpeg = (await labeler.label(record, await shot("shot.jpg", "jpeg"), ctx))[0].source;
        out.afterJpeg = vips();
        console.log(JSON.stringify(out));`;
      const { stdout } = await execFile(process.execPath, ["--input-type=module", "-e", script]);
      expect(JSON.parse(stdout)).toEqual({ imported: false, png: SMART_SOURCE, afterPng: false, jpeg: SMART_SOURCE, afterJpeg: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The worker thread's script exists in the build only (`pnpm --filter @qontinui/labeler-click build`).
const built = new URL("../dist/index.js", import.meta.url);
describe.skipIf(!existsSync(new URL("../dist/analysis-worker.js", import.meta.url)))("smart mode on worker threads (the build)", () => {
  it("gives the same boxes as on the calling thread", async () => {
    const dist = (await import(/* @vite-ignore */ built.href)) as typeof import("../src/index.js");
    const image = await screenshot();
    const at = [{ x: 150, y: 160 }, { x: 400, y: 70 }, { x: 500, y: 300 }, { x: 162, y: 170 }];
    const ctx = { report: () => {} };
    const threaded = dist.clickLabeler({ mode: "smart", threads: 1 });
    const inline = clickLabeler({ mode: "smart", threads: 0 });
    const a = await Promise.all(at.map((clicked_location) => threaded.label(record({ clicked_location }), image, ctx)));
    const b = await Promise.all(at.map((clicked_location) => inline.label(record({ clicked_location }), image, ctx)));
    expect(a).toEqual(b);
    const broken = { ...plain, sha256: "1".repeat(64), bytes: Buffer.from("not an image") } as ResolvedImage;
    const reports: Report[] = [];
    const [box] = await threaded.label(record({ clicked_location: { x: 10, y: 10 } }), broken, { report: (reason, message, severity = "dropped_box") => reports.push({ reason, message, severity }) });
    expect(box?.source).toBe(FALLBACK_SOURCE);
    expect(reports.map((r) => r.reason)).toEqual(["smart_click_decode_failed"]);
  });
});

