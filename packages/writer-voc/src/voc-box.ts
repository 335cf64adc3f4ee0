import type { BBox } from "@qontinui/export-core";

/** A VOC bndbox: integers, 1-based, both ends inclusive. */
export interface VocBox {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/**
 * A pixel box [x, y, w, h] (0-based, half-open) in the VOC devkit's
 * convention: 1-based inclusive pixel indices, rounded to whole pixels.
 *
 *   xmin = round(x) + 1, ymin = round(y) + 1, xmax = round(x + w), ymax = round(y + h)
 *
 * so [0, 0, 10, 10] is 1,1,10,10 and a box spanning a 64-wide image ends at
 * xmax = 64. Clamped to [1, width] × [1, height]; undefined when nothing is
 * left (or a coordinate is not a number). Inverse: x = xmin − 1,
 * y = ymin − 1, w = xmax − xmin + 1, h = ymax − ymin + 1.
 */
export function toVocBox(bbox: BBox, width: number, height: number): VocBox | undefined {
  const [x, y, w, h] = bbox;
  if (![x, y, w, h].every(Number.isFinite)) return undefined;
  const xmin = Math.max(1, Math.round(x) + 1);
  const ymin = Math.max(1, Math.round(y) + 1);
  const xmax = Math.min(width, Math.round(x + w));
  const ymax = Math.min(height, Math.round(y + h));
  if (xmax < xmin || ymax < ymin) return undefined;
  return { xmin, ymin, xmax, ymax };
}

/** The inverse of `toVocBox` (without its rounding and clamping): a pixel box [x, y, w, h]. */
export function fromVocBox(box: VocBox): BBox {
  return [box.xmin - 1, box.ymin - 1, box.xmax - box.xmin + 1, box.ymax - box.ymin + 1];
}
