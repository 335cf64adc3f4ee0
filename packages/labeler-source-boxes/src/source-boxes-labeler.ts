import { type Annotation, type BBox, clipBox, type Labeler, ProblemReason } from "@qontinui/export-core";

export interface SourceBoxesLabelerOptions {
  /** Annotation `source` for entries that name none. Default "source_box". */
  defaultSource?: string;
}

/** Reasons this labeler reports besides the shared ProblemReason ones. */
export const SourceBoxProblemReason = {
  /** An entry of `source_boxes` is not a box: not an object, no `[x, y, w, h]` of numbers, or no category. */
  SourceBoxInvalid: "source_box_invalid",
} as const;

export const DEFAULT_SOURCE_BOX_SOURCE = "source_box";

/**
 * Boxes the source already knows, as annotations: each `record.source_boxes`
 * entry `{bbox: [x, y, w, h], category, source?, confidence?, verified?,
 * attributes?}` becomes one box. Sources that read detections (grounding.jsonl,
 * OmniParser output, a UI-Bridge DOM) fill that field; this labeler is how
 * every one of them reaches the dataset. A box that does not fit the image is
 * clipped when it overlaps it (reported) and dropped when it lies outside.
 * Needs no pixels.
 */
export function sourceBoxesLabeler(options: SourceBoxesLabelerOptions = {}): Labeler {
  const defaultSource = options.defaultSource ?? DEFAULT_SOURCE_BOX_SOURCE;
  return {
    name: "source-boxes",
    needsPixels: false,
    label(record, image, ctx) {
      const boxes = record.source_boxes;
      if (!Array.isArray(boxes) || boxes.length === 0) return [];
      const out: Annotation[] = [];
      for (const [i, entry] of boxes.entries()) {
        const box = readEntry(entry);
        if (typeof box === "string") {
          ctx.report(SourceBoxProblemReason.SourceBoxInvalid, `source_boxes[${i}]: ${box}: no box`);
          continue;
        }
        const clip = clipBox(box.bbox, image.width, image.height);
        if (!clip.ok) {
          const why = clip.reason === "box_invalid_size" ? "zero, negative or non-finite size" : `outside the ${image.width}×${image.height} image`;
          ctx.report(clip.reason, `source_boxes[${i}] ${box.category} [${box.bbox.join(", ")}] dropped: ${why}`);
          continue;
        }
        const a: Annotation = {
          bbox: clip.bbox,
          categoryName: box.category,
          confidence: box.confidence,
          source: box.source ?? defaultSource,
          verified: box.verified,
        };
        if (clip.clipped) {
          a.clipped = true;
          ctx.report(ProblemReason.BoxClipped, `source_boxes[${i}] ${box.category} [${box.bbox.join(", ")}] clipped to the ${image.width}×${image.height} image`, "repaired");
        }
        if (box.attributes) a.metadata = { attributes: box.attributes };
        out.push(a);
      }
      return out;
    },
  };
}

interface Entry {
  bbox: BBox;
  category: string;
  source?: string;
  confidence: number;
  verified: boolean;
  attributes?: Record<string, unknown>;
}

/** The entry as a box, or why it is not one. */
function readEntry(value: unknown): Entry | string {
  if (value == null || typeof value !== "object" || Array.isArray(value)) return "not an object";
  const v = value as Record<string, unknown>;
  const b = v.bbox;
  if (!Array.isArray(b) || b.length !== 4 || !b.every((n) => typeof n === "number" && Number.isFinite(n))) {
    return `bbox ${JSON.stringify(b)?.slice(0, 60)} is not [x, y, w, h] of finite numbers`;
  }
  if (typeof v.category !== "string" || v.category.trim() === "") return "no category";
  const c = v.confidence;
  const entry: Entry = {
    bbox: b as BBox,
    category: v.category,
    confidence: typeof c === "number" && Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 1,
    verified: v.verified === true,
  };
  if (typeof v.source === "string" && v.source !== "") entry.source = v.source;
  if (v.attributes != null && typeof v.attributes === "object" && !Array.isArray(v.attributes)) entry.attributes = v.attributes as Record<string, unknown>;
  return entry;
}
