import type { BBox } from "@qontinui/export-core";

/** A box in YOLO's normalised centre form, each value in [0, 1]. */
export interface YoloBox {
  classIndex: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Converts a pixel box [x, y, width, height] to YOLO's normalised centre form,
 * clipped to the image. Returns undefined when nothing of the box is left
 * (zero width or height after clipping) or its numbers are not finite.
 */
export function toYoloBox(bbox: BBox, imageWidth: number, imageHeight: number, classIndex: number): YoloBox | undefined {
  if (!(imageWidth > 0 && imageHeight > 0)) return undefined;
  if (!bbox.every(Number.isFinite)) return undefined;
  const [x, y, bw, bh] = bbox;
  const x1 = clamp01(Math.min(x, x + bw) / imageWidth);
  const x2 = clamp01(Math.max(x, x + bw) / imageWidth);
  const y1 = clamp01(Math.min(y, y + bh) / imageHeight);
  const y2 = clamp01(Math.max(y, y + bh) / imageHeight);
  const w = x2 - x1;
  const h = y2 - y1;
  const fixed = (v: number) => Number(v.toFixed(6));
  // A box thinner than the 6-decimal resolution would be written as zero size.
  if (fixed(w) <= 0 || fixed(h) <= 0) return undefined;
  return { classIndex, cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w, h };
}

/** One label line: `class cx cy w h`, fixed 6 decimals. */
export function formatYoloLine(box: YoloBox): string {
  const f = (v: number) => clamp01(v).toFixed(6);
  return `${box.classIndex} ${f(box.cx)} ${f(box.cy)} ${f(box.w)} ${f(box.h)}`;
}
