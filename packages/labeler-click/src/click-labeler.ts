import { type Annotation, type BBox, ConfigError, type ExecutionRecord, type Labeler, ProblemReason } from "@qontinui/export-core";
import { smartConfidence } from "./confidence.js";
import { clickAnalyser, defaultThreads } from "./click-analyser.js";
import type { Inference, InferenceMetadata } from "./element-inference.js";
import { PixelDecodeError } from "./screenshot-pixels.js";

export const CLICK_SOURCE = "user_click";
export const SMART_SOURCE = "smart_click_analysis";
export const FALLBACK_SOURCE = "user_click_fallback";

export type ClickMode = "fixed" | "smart";

export interface ClickLabelerOptions {
  /** "fixed": the seed's box centred on the click. "smart" (default): infer the clicked element's box from the pixels, falling back to the fixed box with a low confidence. */
  mode?: ClickMode;
  /** Side of the fixed box in pixels (positive integer). Default 50. */
  boxSize?: number;
  /** Category when the record has neither `click_target_type` nor `click_target`. Default "click_target". */
  categoryFallback?: string;
  /**
   * Smart mode: worker threads that decode and analyse screenshots, so the export's own work keeps the main
   * thread. Default: 0 (the calling thread analyses, sharp's threads decode) below 4 cores, else one per core
   * beyond the first two, at most 2.
   */
  threads?: number;
}

/** Reasons this labeler reports besides the shared ProblemReason ones. */
export const ClickProblemReason = {
  /** Smart mode could not decode the screenshot's pixels: the fixed box was used. */
  SmartDecodeFailed: "smart_click_decode_failed",
} as const;

/**
 * One box per click. Fixed mode is the seed's formula: a `boxSize` square
 * centred on the click, clamped inside the image, confidence 1. Smart mode
 * infers the clicked element from the pixels (a control's own fill or
 * outline, else a glyph icon, text line or checkbox with its label) and
 * gives the fixed box with a low confidence and a named reason when there is
 * no element under the click (empty space, a panel). A labeler decodes each
 * screenshot once for all the clicks on it (create one per export).
 */
export function clickLabeler(options: ClickLabelerOptions = {}): Labeler {
  const mode = options.mode ?? "smart";
  if (mode !== "fixed" && mode !== "smart") throw new ConfigError(`click labeler: mode must be "fixed" or "smart", got ${JSON.stringify(mode)}`);
  const boxSize = options.boxSize ?? 50;
  if (typeof boxSize !== "number" || !Number.isInteger(boxSize) || boxSize <= 0) {
    throw new ConfigError(`click labeler: boxSize must be a positive integer, got ${JSON.stringify(boxSize)}`);
  }
  const fallback = options.categoryFallback ?? "click_target";
  if (typeof fallback !== "string" || fallback.trim() === "") throw new ConfigError(`click labeler: categoryFallback must be a non-empty string`);
  const threads = options.threads ?? defaultThreads();
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 0) throw new ConfigError(`click labeler: threads must be a non-negative integer, got ${JSON.stringify(threads)}`);
  // Per labeler, so per export: decoded screenshots shared by their clicks.
  const analyser = mode === "smart" ? clickAnalyser(threads) : undefined;

  return {
    name: "click",
    // The fixed box needs the image size only; smart mode reads the pixels.
    needsPixels: mode === "smart",
    async label(record, image, ctx) {
      const click = record.clicked_location;
      if (click == null) return [];
      const { x, y } = click;
      if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) {
        ctx.report(ProblemReason.ClickOutsideImage, `click (${String(x)}, ${String(y)}) is not a finite point: no box`);
        return [];
      }
      if (x < 0 || y < 0 || x >= image.width || y >= image.height) {
        ctx.report(ProblemReason.ClickOutsideImage, `click (${x}, ${y}) lies outside the ${image.width}×${image.height} image: no box`);
        return [];
      }
      const categoryName = category(record, fallback);
      const fixed = fixedBox(x, y, boxSize, image.width, image.height);

      if (mode === "fixed") return [annotation(fixed, categoryName, CLICK_SOURCE, 1, boxSize)];

      let inferred: Inference;
      try {
        inferred = await analyser!.analyse(image, Math.floor(x), Math.floor(y));
      } catch (error) {
        if (!(error instanceof PixelDecodeError)) throw error;
        const why = error.message;
        ctx.report(ClickProblemReason.SmartDecodeFailed, `could not decode pixels for smart click analysis (${why}): fixed box used`, "repaired");
        inferred = { ok: false, reason: "decode_failed", confidence: smartConfidence("fixed_fallback", { reason: "decode_failed" }), metadata: { strategy: "fixed_fallback", reason: "decode_failed" } };
      }
      if (inferred.ok) {
        const a = annotation(inferred.bbox, categoryName, SMART_SOURCE, inferred.confidence);
        a.metadata = { inference_metadata: inferred.metadata };
        return [a];
      }
      const a = annotation(fixed, categoryName, FALLBACK_SOURCE, inferred.confidence, boxSize);
      const meta: InferenceMetadata = { ...inferred.metadata };
      a.metadata = { inference_metadata: meta };
      return [a];
    },
  };
}

/** The seed's fixed box: `size` square centred on the click, clamped inside the image. */
export function fixedBox(cx: number, cy: number, size: number, imageWidth: number, imageHeight: number): BBox {
  const x = Math.max(0, cx - size / 2);
  const y = Math.max(0, cy - size / 2);
  return [x, y, Math.min(size, imageWidth - x), Math.min(size, imageHeight - y)];
}

/** Every click box is `verified`: the click confirms an element is there, whatever the box's confidence. */
function annotation(bbox: BBox, categoryName: string, source: string, confidence: number, boxSize?: number): Annotation {
  const a: Annotation = { bbox, categoryName, confidence, source, verified: true };
  if (boxSize !== undefined && (bbox[2] < boxSize || bbox[3] < boxSize)) a.clipped = true;
  return a;
}

function category(record: ExecutionRecord, fallback: string): string {
  for (const v of [record.click_target_type, record.click_target]) {
    if (typeof v === "string" && v.trim() !== "") return v;
  }
  return fallback;
}
