import type { LabeledAnnotation } from "./annotation.js";
import { iou } from "./bbox.js";
import type { ConvertInput } from "./convert.js";
import type { DatasetImage } from "./dataset-image.js";

/** Boxes of one image overlapping at least this much (IoU) from different labelers are one element. */
export const DUPLICATE_IOU = 0.8;

/** What a merged box absorbed, kept in its `metadata.merged_from`. */
export interface MergedBox {
  categoryName: string;
  source: string;
  bbox: [number, number, number, number];
  confidence: number;
}

/** The click labeler's sources: its category is generic (`button`, `click_target`), a matched pattern's is a name. */
function isClick(source: string): boolean {
  return source.startsWith("user_click") || source.startsWith("smart_click");
}

/** The labeler a box came from, as far as the box tells: every click source is one labeler. */
function labelerOf(a: LabeledAnnotation): string {
  return isClick(a.source) ? "click" : a.source;
}

/** Which of two boxes of one element names it: a non-click box (a template's name) over a click's generic category, then the more confident, then the first. */
function prefer(a: LabeledAnnotation, b: LabeledAnnotation): boolean {
  if (isClick(a.source) !== isClick(b.source)) return !isClick(a.source);
  return a.confidence >= b.confidence;
}

/**
 * Merges boxes of one image that different labelers put on one element (IoU
 * ≥ `threshold`, different sources): a detector trained on `login_button` and
 * `button` for one thing learns two classes for it. The box that names the
 * element wins (a template's name over the click's generic category, then the
 * more confident); it becomes `verified` when the other was (a click confirms
 * the element), and records what it absorbed in `metadata.merged_from`. Boxes
 * of one labeler are never merged (two matches side by side are two elements).
 * Order is kept. Returns the boxes and how many were merged away.
 */
export function mergeDuplicateBoxes(
  annotations: readonly LabeledAnnotation[],
  threshold = DUPLICATE_IOU,
): { annotations: LabeledAnnotation[]; merged: number } {
  if (annotations.length < 2) return { annotations: [...annotations], merged: 0 };
  const kept: (LabeledAnnotation | undefined)[] = [...annotations];
  let merged = 0;
  for (let i = 0; i < kept.length; i++) {
    for (let j = i + 1; j < kept.length; j++) {
      const a = kept[i];
      const b = kept[j];
      if (!a || !b || labelerOf(a) === labelerOf(b) || iou(a.bbox, b.bbox) < threshold) continue;
      const [winner, loser, at, gone] = prefer(a, b) ? [a, b, i, j] : [b, a, j, i];
      const from = (winner.metadata?.merged_from as MergedBox[] | undefined) ?? [];
      kept[at] = {
        ...winner,
        verified: winner.verified || loser.verified,
        metadata: {
          ...winner.metadata,
          merged_from: [...from, { categoryName: loser.categoryName, source: loser.source, bbox: loser.bbox, confidence: loser.confidence }],
        },
      };
      kept[gone] = undefined;
      merged++;
      if (gone === i) break; // a is gone: go on with the next i
    }
  }
  return { annotations: kept.filter((a): a is LabeledAnnotation => a !== undefined), merged };
}

/**
 * The same images with duplicate boxes merged (see mergeDuplicateBoxes).
 * `merged` counts the boxes merged away over the last full pass of `images()`.
 */
export function withDuplicatesMerged(input: ConvertInput, threshold = DUPLICATE_IOU): ConvertInput & { readonly duplicates: { merged: number } } {
  const duplicates = { merged: 0 };
  return {
    ...input,
    duplicates,
    async *images(): AsyncIterable<DatasetImage> {
      duplicates.merged = 0;
      for await (const image of input.images()) {
        const { annotations, merged } = mergeDuplicateBoxes(image.annotations, threshold);
        duplicates.merged += merged;
        yield merged ? { ...image, annotations } : image;
      }
    },
  };
}
