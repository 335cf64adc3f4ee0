import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ExportItem, iou, type PipelineResult, runPipeline, silentLogger } from "@qontinui/export-core";
import { templateLabeler } from "@qontinui/labeler-template";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDataSource } from "../src/run-data/index.js";
import { scratch } from "./fixtures.js";
import { collectingWriter } from "./run-data/build.js";

// Sessions from @qontinui/runner-sessions (generated data with its ground truth), read as the export reads a real run.
const sessionsUrl = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runner-sessions/src/index.mjs")).href;

type Box = { reference: string; bbox: number[]; imageBbox: number[]; category: string };
interface Truth {
  runData: string;
  eventsFile?: string;
  screenshots: { reference: string; width: number; height: number; thumbnail: boolean }[];
  templateBoxes: Box[];
  eventBoxes: (Box & { sizeFrom: string })[];
  clicks: { nodeId: string; x: number; y: number; matchReference: string }[];
  counts: { screenshots: number };
}
type Generate = (dir: string, options?: Record<string, unknown>) => Promise<Truth>;
type Hostile = (dir: string) => Promise<{ kind: string; file: string; actionId?: string }[]>;

let generateSession: Generate;
let writeHostileInputs: Hostile;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ generateSession, writeHostileInputs } = (await import(sessionsUrl)) as { generateSession: Generate; writeHostileInputs: Hostile });
  ({ dir, cleanup } = await scratch());
});
afterAll(() => cleanup());

async function exportRun(runData: string, events?: string): Promise<{ items: ExportItem[]; result: PipelineResult }> {
  const items: ExportItem[] = [];
  const source = runDataSource(runData, events ? { events } : {});
  const result = await runPipeline({ source, labelers: [templateLabeler()], writers: [collectingWriter(items)], logger: silentLogger });
  return { items, result };
}

/** The share of `boxes` found on their screenshot with the same category and IoU ≥ 0.95. */
function landed(items: ExportItem[], boxes: Box[]): { share: number; missed: Box[] } {
  const byReference = new Map<string, ExportItem[]>();
  for (const i of items) byReference.set(i.record.screenshot_reference!, [...(byReference.get(i.record.screenshot_reference!) ?? []), i]);
  const missed = boxes.filter(
    (b) => !(byReference.get(b.reference) ?? []).some((i) => i.annotations.some((a) => a.categoryName === b.category && iou(a.bbox, b.imageBbox) >= 0.95)),
  );
  return { share: boxes.length === 0 ? 1 : (boxes.length - missed.length) / boxes.length, missed };
}

function expectInside(items: ExportItem[]): void {
  for (const i of items) {
    for (const a of i.annotations) {
      const [x, y, w, h] = a.bbox;
      expect(x >= 0 && y >= 0 && x + w <= i.image.width && y + h <= i.image.height, `${i.record.screenshot_reference} ${a.bbox.join(",")}`).toBe(true);
    }
  }
}

describe("generated runner sessions", () => {
  it.each([
    { name: "camel", options: { seed: 11, actions: 40 } },
    { name: "snake", options: { seed: 12, actions: 30, eventsForm: "snake" } },
    { name: "bridge", options: { seed: 13, actions: 30, eventsForm: "bridge", debugVisuals: 0.9 } },
    { name: "png, few debug visuals", options: { seed: 14, actions: 30, jpegInPng: false, debugVisuals: 0.2 } },
  ])("$name: template boxes land on their screenshots, with and without events", async ({ name, options }) => {
    const truth = await generateSession(path.join(dir, name.replace(/\W+/g, "-")), { grounding: false, ...options });
    expect(truth.templateBoxes.length).toBeGreaterThan(5);

    const plain = await exportRun(truth.runData);
    expect(plain.items).toHaveLength(truth.counts.screenshots);
    const a = landed(plain.items, truth.templateBoxes);
    expect(a.share, JSON.stringify(a.missed.slice(0, 3))).toBeGreaterThanOrEqual(0.99);
    expectInside(plain.items);

    const joined = await exportRun(truth.runData, truth.eventsFile);
    expect(joined.items).toHaveLength(truth.counts.screenshots);
    const b = landed(joined.items, [...truth.templateBoxes, ...truth.eventBoxes]);
    expect(b.share, JSON.stringify(b.missed.slice(0, 3))).toBeGreaterThanOrEqual(0.99);
    expectInside(joined.items);
    expect(joined.result.statistics.problems.byReason.debug_visual_unpaired ?? 0).toBe(0);

    // Every click is on the attempt whose match it was taken from, once.
    for (const c of truth.clicks) {
      const on = joined.items.filter((i) => i.record.action_id === c.nodeId && i.record.clicked_location);
      expect(on.map((i) => [i.record.screenshot_reference, i.record.clicked_location]), c.nodeId).toEqual([[c.matchReference, { x: c.x, y: c.y }]]);
    }
  });

  it("thumbnails: every box on a 200 px thumbnail is dropped by name, even one that would fit it", async () => {
    const truth = await generateSession(path.join(dir, "thumbs"), { seed: 21, actions: 30, thumbnails: 0.4, debugVisuals: 1, grounding: false });
    const thumbs = new Map(truth.screenshots.filter((s) => s.thumbnail).map((s) => [s.reference, s]));
    const onThumbs = truth.templateBoxes.filter((b) => thumbs.has(b.reference));
    expect(onThumbs.length).toBeGreaterThan(0);
    const { items, result } = await exportRun(truth.runData);
    expectInside(items);
    expect(landed(items, truth.templateBoxes.filter((b) => !thumbs.has(b.reference))).share).toBeGreaterThanOrEqual(0.99);
    // The debug visual is the full-size screen: its size says the match's coordinates are not the thumbnail's.
    expect(result.statistics.problems.byReason.template_screen_size_mismatch).toBe(onThumbs.length);
    const kept = items.filter((i) => thumbs.has(i.record.screenshot_reference!)).flatMap((i) => i.annotations);
    expect(kept).toEqual([]);
    // A box that fits inside the thumbnail by chance is refused the same way (labeler-template's tests).
  });

  it("hostile inputs: each is named, the session's boxes still land", async () => {
    const session = path.join(dir, "hostile");
    const truth = await generateSession(session, { seed: 31, actions: 20, grounding: false });
    const added = await writeHostileInputs(session);
    const { items, result } = await exportRun(truth.runData, truth.eventsFile);
    expect(landed(items, [...truth.templateBoxes, ...truth.eventBoxes]).share).toBeGreaterThanOrEqual(0.99);
    expectInside(items);
    expect(result.statistics.problems.byReason).toMatchObject({
      sidecar_without_image: 1,
      image_without_sidecar: 1,
      path_escapes_root: 1,
      debug_visual_unpaired: 1,
      unknown_event_type: 1,
      torn_line: 1,
    });
    // The garbage .png starts "GIF89a": core reads its random "size" and refuses it as too large, or as corrupt.
    const byReason = result.statistics.problems.byReason;
    expect((byReason.screenshot_corrupt ?? 0) + (byReason.screenshot_too_large ?? 0)).toBe(1);
    // Hostile ids are kept as data on their records; the NaN/Infinity debug visual still gives its box.
    for (const a of added.filter((x) => x.actionId !== undefined)) expect(items.some((i) => i.record.action_id === a.actionId), a.kind).toBe(true);
    const nan = items.find((i) => i.record.action_id === "nan-check-1")!;
    expect(nan.annotations.map((x) => [x.categoryName, ...x.bbox])).toEqual([["img-nan", 10, 10, 40, 20]]);
  });
});
