import type { LabeledAnnotation } from "@qontinui/export-core";
import type { StoredAnnotation } from "./layout.js";

/**
 * A box as annotations/<id>.json stores it. The labeler's extra facts are kept
 * as `inference_metadata`: the smart click labeler's own object when it gave
 * one, else the whole `metadata`.
 */
export function toStoredAnnotation(a: LabeledAnnotation): StoredAnnotation {
  const s: StoredAnnotation = {
    bbox: a.bbox,
    category_id: a.categoryId,
    category_name: a.categoryName,
    confidence: a.confidence,
    source: a.source,
    verified: a.verified,
  };
  if (a.clipped) s.clipped = true;
  const inference = a.metadata?.inference_metadata;
  if (inference && typeof inference === "object") s.inference_metadata = inference as Record<string, unknown>;
  else if (a.metadata && Object.keys(a.metadata).length > 0) s.inference_metadata = a.metadata;
  return s;
}

/**
 * The registry id of a stored box: its `category_id`, or, in a file another
 * tool wrote without one, its name's id in metadata's `category_map` (0 when
 * the name is not there either).
 */
export function storedCategoryId(s: StoredAnnotation, categoryMap: Record<string, number>): number {
  if (typeof s.category_id === "number") return s.category_id;
  // An own key only: "constructor" or "__proto__" must not find Object.prototype's.
  return typeof s.category_name === "string" && Object.hasOwn(categoryMap, s.category_name) ? categoryMap[s.category_name]! : 0;
}

/**
 * A stored box back as a LabeledAnnotation, tolerant of files other tools
 * wrote: a missing confidence is 1, a missing source "unknown", anything but
 * `verified: true` unverified, a missing category name the id as text.
 */
export function fromStoredAnnotation(s: StoredAnnotation, categoryMap: Record<string, number>): LabeledAnnotation {
  const a: LabeledAnnotation = {
    bbox: [Number(s.bbox[0]), Number(s.bbox[1]), Number(s.bbox[2]), Number(s.bbox[3])],
    categoryId: storedCategoryId(s, categoryMap),
    categoryName: s.category_name ?? String(s.category_id),
    confidence: typeof s.confidence === "number" ? s.confidence : 1,
    source: s.source ?? "unknown",
    verified: s.verified === true,
  };
  if (s.clipped) a.clipped = true;
  if (s.inference_metadata) a.metadata = { inference_metadata: s.inference_metadata };
  return a;
}
