import { type Annotation, type ExecutionRecord, parseRecord, type ResolvedImage } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { sourceBoxesLabeler } from "../src/index.js";

const image = { width: 1280, height: 720 } as ResolvedImage;

function record(source_boxes: unknown): ExecutionRecord {
  const parsed = parseRecord({ action_id: "g1", source_boxes });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

async function label(boxes: unknown): Promise<{ boxes: Annotation[]; reports: { reason: string; severity: string }[] }> {
  const reports: { reason: string; severity: string }[] = [];
  const out = await sourceBoxesLabeler().label(record(boxes), image, {
    report: (reason, _message, severity = "dropped_box") => reports.push({ reason, severity }),
  });
  return { boxes: out, reports };
}

describe("sourceBoxesLabeler", () => {
  it("turns each known box into an annotation with its category, source, confidence and attributes", async () => {
    const { boxes, reports } = await label([
      { bbox: [610, 388, 96, 32], category: "button", source: "grounding", attributes: { text: "Save" } },
      { bbox: [10, 10, 40, 20], category: "interactive", confidence: 0.4, verified: true },
    ]);
    expect(reports).toEqual([]);
    expect(boxes).toEqual([
      { bbox: [610, 388, 96, 32], categoryName: "button", confidence: 1, source: "grounding", verified: false, metadata: { attributes: { text: "Save" } } },
      { bbox: [10, 10, 40, 20], categoryName: "interactive", confidence: 0.4, source: "source_box", verified: true },
    ]);
  });

  it("names what it drops: entries that are not boxes, boxes outside the image, zero sizes; clips and reports overlaps", async () => {
    const { boxes, reports } = await label([
      "x",
      { bbox: [1, 2, 3], category: "a" },
      { bbox: [1, 2, 3, Number.NaN], category: "a" },
      { bbox: [1, 2, 3, 4] },
      { bbox: [2000, 10, 50, 50], category: "off" },
      { bbox: [10, 10, 0, 5], category: "flat" },
      { bbox: [1260, 700, 50, 50], category: "edge" },
    ]);
    expect(reports.map((r) => r.reason)).toEqual([
      "source_box_invalid",
      "source_box_invalid",
      "source_box_invalid",
      "source_box_invalid",
      "box_outside_image",
      "box_invalid_size",
      "box_clipped",
    ]);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject({ bbox: [1260, 700, 20, 20], categoryName: "edge", clipped: true });
  });

  it("gives nothing for a record without source boxes and never reads pixels", async () => {
    expect((await label(undefined)).boxes).toEqual([]);
    expect(sourceBoxesLabeler().needsPixels).toBe(false);
  });
});
