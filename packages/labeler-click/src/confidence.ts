/** How smart mode found its box: `metadata.inference_metadata.strategy`. */
export type InferenceStrategy = "flood_fill" | "checkbox_label" | "list_row" | "text_line" | "glyph" | "fixed_fallback";

/** Why smart mode gave the fallback box: `metadata.inference_metadata.reason`. */
export type FallbackReason =
  /** Nothing drawn within reach of the click, on a background larger than a control (a panel, card or page). */
  | "empty_space"
  /** The click is on a region larger than a control and not on content of it. */
  | "container"
  /** The screenshot's pixels could not be decoded. */
  | "decode_failed";

/** The evidence a box's confidence is made from (all in `metadata.inference_metadata`). */
export interface ConfidenceEvidence {
  /** flood_fill: filled share of the box. */
  fillRatio?: number;
  /** glyph: whether the click is on a drawn pixel of it. */
  onInk?: boolean;
  /** Fallback: why. */
  reason?: FallbackReason;
}

/**
 * Confidence of a smart box: the share of boxes with IoU ≥ 0.5 measured for
 * its strategy and evidence on the open part of the package's evaluation
 * (rounded; see the README's calibration table, which the sealed part
 * checks). A fallback box gets at most 0.2. (How isolated a text line or
 * glyph is from other content did not predict its hit rate: it is kept in
 * the metadata only.)
 */
export const SMART_CONFIDENCE = {
  /** The fixed box smart mode falls back to, by reason: only a guess around the click. */
  fallback: { empty_space: 0.05, container: 0.1, decode_failed: 0.2 },
  /** flood_fill: a filled region (fill ratio ≥ `fullFill`), or an outline-like one. */
  floodFill: { filled: 0.98, sparse: 0.5 },
  fullFill: 0.5,
  checkboxLabel: 0.9,
  listRow: 0.87,
  textLine: 0.92,
  /** glyph: clicked on its strokes, or beside them (inside an open glyph, a gap). */
  glyph: { onInk: 0.97, offInk: 0.96 },
} as const;

/** The confidence of a smart-mode box from its strategy and evidence (deterministic, in [0, 1]). */
export function smartConfidence(strategy: InferenceStrategy, evidence: ConfidenceEvidence = {}): number {
  const C = SMART_CONFIDENCE;
  switch (strategy) {
    case "fixed_fallback":
      return C.fallback[evidence.reason ?? "container"];
    case "flood_fill":
      return (evidence.fillRatio ?? 1) >= C.fullFill ? C.floodFill.filled : C.floodFill.sparse;
    case "checkbox_label":
      return C.checkboxLabel;
    case "list_row":
      return C.listRow;
    case "text_line":
      return C.textLine;
    case "glyph":
      return evidence.onInk === false ? C.glyph.offInk : C.glyph.onInk;
  }
}
