import path from "node:path";
import { type ExportItem, iou, runPipeline, silentLogger, type Writer } from "@qontinui/export-core";
import { sourceBoxesLabeler } from "@qontinui/labeler-source-boxes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundingSource } from "../src/grounding/index.js";
import { scratch } from "./fixtures.js";

/** What this test uses of @qontinui/runner-sessions' truth. */
interface GroundingTruth {
  groundingDir?: string;
  groundingBoxes: { imagePath: string; bbox: [number, number, number, number]; role: string; text?: string }[];
  groundingLines: { file: string; imagePath: string }[];
}
type GenerateSession = (dir: string, options?: Record<string, unknown>) => Promise<GroundingTruth>;

// Loaded by name at run time: the package is plain .mjs and may not ship type declarations.
const RUNNER_SESSIONS = "@qontinui/runner-sessions";

describe("groundingSource on a generated runner session", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let truth: GroundingTruth;

  beforeAll(async () => {
    ({ dir, cleanup } = await scratch());
    const { generateSession } = (await import(RUNNER_SESSIONS)) as { generateSession: GenerateSession };
    truth = await generateSession(dir, { seed: 7, width: 1920, height: 1080, actions: 30, groundingLines: 40, groundingRotate: 3 });
  });
  afterAll(() => cleanup());

  it("puts ≥ 99% of the truth's grounding boxes on their image with IoU ≥ 0.95, category = role, text kept", async () => {
    const datasetDir = truth.groundingDir ?? path.join(dir, "run_data", "dataset");
    expect(new Set(truth.groundingLines.map((l) => l.file)).size).toBeGreaterThan(1);

    const items: ExportItem[] = [];
    const writer: Writer = { name: "c", open: async () => {}, write: async (i) => void items.push(i), close: async () => ({ writer: "c" }) };
    const { statistics } = await runPipeline({ source: groundingSource(datasetDir), labelers: [sourceBoxesLabeler()], writers: [writer], logger: silentLogger });

    // Every line is a record, in the order the writer wrote them (parts first).
    expect(statistics.recordsSkipped).toBe(0);
    expect(items.map((i) => i.record.screenshot_reference)).toEqual(truth.groundingLines.map((l) => l.imagePath));
    expect(items.map((i) => i.record.metadata?.grounding_file)).toEqual(truth.groundingLines.map((l) => l.file));

    const byImage = new Map<string, ExportItem>();
    for (const item of items) byImage.set(item.record.screenshot_reference!, item);
    let landed = 0;
    for (const box of truth.groundingBoxes) {
      const item = byImage.get(box.imagePath);
      if (!item) continue;
      const match = item.annotations.find((a) => a.categoryName === box.role && iou(a.bbox, box.bbox) >= 0.95);
      if (!match) continue;
      const text = (match.metadata as { attributes?: { text?: string } } | undefined)?.attributes?.text;
      if (box.text !== undefined) expect(text).toBe(box.text);
      landed++;
    }
    expect(truth.groundingBoxes.length).toBeGreaterThan(50);
    expect(landed / truth.groundingBoxes.length).toBeGreaterThanOrEqual(0.99);
  });
});
