import type { BBox } from "./bbox.js";

/** Where a box came from. Open-ended: custom labelers use their own names. */
export type AnnotationSource =
  | "template_matching"
  | "user_click"
  | "smart_click_analysis"
  | "user_click_fallback"
  | (string & {});

/** A box as a labeler produces it: the category is a name; the registry gives it an id. */
export interface Annotation {
  bbox: BBox;
  categoryName: string;
  /** In [0, 1]. */
  confidence: number;
  source: AnnotationSource;
  /** True when a person's action confirms the box (clicks), false for automated matches. */
  verified: boolean;
  /** True when the box was clipped to the image (VOC `truncated`). */
  clipped?: boolean;
  /** Extra facts kept with the box (for example `inference_metadata` of the smart click labeler). */
  metadata?: Record<string, unknown>;
}

/** An annotation after the category registry has assigned its 0-based id. */
export interface LabeledAnnotation extends Annotation {
  categoryId: number;
}

/**
 * Two boxes on one image are the same box when bbox and category agree: the
 * rule every writer that merges the records of one screenshot keeps a box once by.
 */
export function boxIdentity(bbox: readonly number[], categoryId: number): string {
  return `${JSON.stringify(bbox)}|${categoryId}`;
}
