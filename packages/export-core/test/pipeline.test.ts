import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  type Annotation,
  type ExportItem,
  type Labeler,
  parseRecord,
  runPipeline,
  ScreenshotError,
  silentLogger,
  type Source,
  type Writer,
} from "../src/index.js";

async function source(records: unknown[], files: Record<string, Buffer>): Promise<Source> {
  return {
    name: "mem",
    async *read() {
      let line = 0;
      for (const r of records) {
        line++;
        const p = parseRecord(r);
        if (p.ok) yield { record: p.record, line };
        else yield { problem: { reason: p.reason, severity: "skipped" as const, message: p.message, line } };
      }
    },
    async readScreenshot(ref) {
      const bytes = files[ref];
      if (!bytes) throw new ScreenshotError("screenshot_missing", `${ref} missing`);
      return { path: `/mem/${ref}`, bytes };
    },
  };
}

function collectingWriter(items: ExportItem[]): Writer {
  return {
    name: "collect",
    async open() {},
    async write(item) {
      items.push(item);
    },
    async close() {
      return { writer: "collect" };
    },
  };
}

const boxes = (list: Partial<Annotation>[]): Labeler => ({
  name: "fixed-boxes",
  label: () => list.map((b) => ({ bbox: [0, 0, 10, 10], categoryName: "c", confidence: 1, source: "test", verified: true, ...b }) as Annotation),
});

describe("runPipeline", () => {
  it("counts every problem by reason and goes on; writes in record order", async () => {
    const png = await sharp({ create: { width: 100, height: 50, channels: 3, background: "#fff" } }).png().toBuffer();
    const items: ExportItem[] = [];
    const result = await runPipeline({
      source: await source(
        [
          { action_id: "1", screenshot_reference: "a.png" },
          { nope: true },
          { action_id: "2" },
          { action_id: "3", screenshot_reference: "missing.png" },
          { action_id: "4", screenshot_reference: "empty.png" },
          { action_id: "5", screenshot_reference: "a.png" },
        ],
        { "a.png": png, "empty.png": Buffer.alloc(0) },
      ),
      labelers: [
        boxes([
          { bbox: [90, 40, 20, 20] },
          { bbox: [0, 0, -1, 5] },
          { bbox: [500, 500, 5, 5] },
          { bbox: [1, 1, 5, 5], confidence: 1.7 },
          { bbox: [1, 1, 5, 5], categoryName: "a\nb" },
          { bbox: [1, 1, Number.NaN, 5] },
        ]),
      ],
      writers: [collectingWriter(items)],
      logger: silentLogger,
      concurrency: 3,
    });
    const s = result.statistics;
    expect(items.map((i) => i.record.action_id)).toEqual(["1", "5"]);
    expect(s.recordsRead).toBe(6);
    expect(s.recordsExported).toBe(2);
    expect(s.recordsSkipped).toBe(4);
    expect(s.problems.byReason).toMatchObject({
      invalid_record: 1,
      no_screenshot: 1,
      screenshot_missing: 1,
      screenshot_corrupt: 1,
      box_clipped: 2,
      box_invalid_size: 4,
      box_outside_image: 2,
      confidence_repaired: 2,
      category_name_repaired: 2,
    });
    const first = items[0]!.annotations;
    expect(first.map((a) => a.bbox)).toEqual([
      [90, 40, 10, 10],
      [1, 1, 5, 5],
      [1, 1, 5, 5],
    ]);
    expect(first[0]!.clipped).toBe(true);
    expect(first[1]!.confidence).toBe(1);
    expect(first[2]!.categoryName).toBe("a b");
    expect(first.map((a) => a.categoryId)).toEqual([0, 0, 1]);
    expect(items[0]!.image).toMatchObject({ width: 100, height: 50, format: "png", extension: ".png" });
    expect(items[0]!.image.id).toMatch(/^[0-9a-f]{16}$/);
    expect(s.uniqueImages).toBe(1);
  });

  it("takes a writer that is a plain object with one hook, and a source that only names its root", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qx-one-hook-"));
    await fs.writeFile(path.join(dir, "a.png"), await sharp({ create: { width: 40, height: 30, channels: 3, background: "#0af" } }).png().toBuffer());
    const seen: string[] = [];
    const log: Writer = { name: "log", write: (item) => void seen.push(`${item.record.action_id} ${item.image.width}x${item.image.height} ${item.annotations.length}`) };
    const rooted: Source = {
      name: "rooted",
      root: dir,
      async *read() {
        for (const [id, ref] of [["1", "a.png"], ["2", "../outside.png"]]) {
          const p = parseRecord({ action_id: id, screenshot_reference: ref });
          if (p.ok) yield { record: p.record };
        }
      },
    };
    const result = await runPipeline({ source: rooted, labelers: [boxes([{}])], writers: [log], logger: silentLogger });
    expect(seen).toEqual(["1 40x30 1"]);
    expect(result.statistics.problems.byReason).toEqual({ path_escapes_root: 1 });
    expect(result.writers).toEqual([{ writer: "log" }]);
    await expect(runPipeline({ source: { name: "nowhere", read: rooted.read }, labelers: [], writers: [log] })).rejects.toThrow(/neither a root directory nor readScreenshot/);
  });

  it("warns about a labeler that does not say whether it reads pixels (the slow, safe default)", async () => {
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (m: string) => void warnings.push(m) };
    const src = await source([], {});
    await runPipeline({ source: src, labelers: [boxes([]), { ...boxes([]), name: "sized", needsPixels: false }], writers: [], logger });
    expect(warnings).toEqual([expect.stringMatching(/labeler fixed-boxes does not say whether it reads image.bytes.*needsPixels: false/)]);
  });

  it("refuses decompression bombs by the pixel limit", async () => {
    // A real PNG header declaring 100000 × 100000 pixels, and nothing behind it decoded.
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: "#000" } }).png().toBuffer();
    const bomb = Buffer.from(png);
    bomb.writeUInt32BE(100000, 16);
    bomb.writeUInt32BE(100000, 20);
    const items: ExportItem[] = [];
    const result = await runPipeline({
      source: await source([{ action_id: "b", screenshot_reference: "bomb.png" }], { "bomb.png": bomb }),
      labelers: [],
      writers: [collectingWriter(items)],
      logger: silentLogger,
    });
    expect(items).toHaveLength(0);
    expect(result.statistics.problems.byReason).toEqual({ screenshot_too_large: 1 });
  });

  it("applies filters and counts them apart from problems", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer();
    const items: ExportItem[] = [];
    const result = await runPipeline({
      source: await source(
        [
          { action_id: "1", success: true, screenshot_reference: "a.png" },
          { action_id: "2", success: false, screenshot_reference: "a.png" },
        ],
        { "a.png": png },
      ),
      labelers: [],
      writers: [collectingWriter(items)],
      filters: [{ name: "ok", test: (r) => r.success === true }],
      logger: silentLogger,
    });
    expect(items.map((i) => i.record.action_id)).toEqual(["1"]);
    expect(result.statistics.recordsFiltered).toBe(1);
    expect(result.statistics.recordsFilteredBy).toEqual({ ok: 1 });
    expect(result.statistics.problems.total).toBe(0);
  });

  it("honours an AbortSignal: stops reading, closes writers, throws ExportAbortedError", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer();
    const controller = new AbortController();
    let closed = false;
    const items: ExportItem[] = [];
    const writer: Writer = {
      ...collectingWriter(items),
      async write(item) {
        items.push(item);
        if (items.length === 2) controller.abort();
      },
      async close() {
        closed = true;
        return { writer: "x" };
      },
    };
    const records = Array.from({ length: 100 }, (_, i) => ({ action_id: String(i), screenshot_reference: "a.png" }));
    await expect(
      runPipeline({ source: await source(records, { "a.png": png }), labelers: [], writers: [writer], signal: controller.signal, logger: silentLogger, concurrency: 1 }),
    ).rejects.toMatchObject({ code: "EXPORT_ABORTED" });
    expect(closed).toBe(true);
    expect(items.length).toBeLessThan(10);
  });

  it("works on `concurrency` distinct screenshots at once; the records of one screenshot share a slot", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer();
    const files: Record<string, Buffer> = {};
    const records: unknown[] = [];
    for (let s = 0; s < 10; s++) {
      files[`${s}.png`] = png;
      for (let r = 0; r < 4; r++) records.push({ action_id: `${s}-${r}`, screenshot_reference: `${s}.png` });
    }
    const base = await source(records, files);
    let reading = 0;
    let mostAtOnce = 0;
    const slow: Source = {
      ...base,
      async readScreenshot(ref) {
        reading++;
        mostAtOnce = Math.max(mostAtOnce, reading);
        await new Promise((r) => setTimeout(r, 5));
        reading--;
        return base.readScreenshot!(ref);
      },
    };
    const items: ExportItem[] = [];
    await runPipeline({ source: slow, labelers: [], writers: [collectingWriter(items)], concurrency: 3, logger: silentLogger });
    // Three screenshots in flight (with a window of records it would be one: 3 records of the same screen).
    expect(mostAtOnce).toBe(3);
    expect(items.map((i) => i.record.action_id)).toEqual(records.map((r) => (r as { action_id: string }).action_id));
  });

  it("emits progress events", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer();
    const events: number[] = [];
    await runPipeline({
      source: await source([{ action_id: "1", screenshot_reference: "a.png" }, { action_id: "2", screenshot_reference: "a.png" }], { "a.png": png }),
      labelers: [],
      writers: [],
      logger: silentLogger,
      onProgress: (e) => events.push(e.recordsDone),
    });
    expect(events).toEqual([1, 2]);
  });
});
