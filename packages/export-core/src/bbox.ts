/** A box in pixels: [x, y, width, height], top-left origin, as in the seed and COCO. */
export type BBox = [x: number, y: number, width: number, height: number];

export type ClipResult =
  | { ok: true; bbox: BBox; /** True when part of the box lay outside the image. */ clipped: boolean }
  | { ok: false; reason: "box_invalid_size" | "box_outside_image" };

/**
 * Clips a box to the image `[0, width] × [0, height]`. A box without a finite,
 * positive size, or wholly outside the image, is refused with a named reason.
 */
export function clipBox(bbox: readonly unknown[], imageWidth: number, imageHeight: number): ClipResult {
  const [x, y, w, h] = bbox;
  if (!isFiniteNumber(x) || !isFiniteNumber(y) || !isFiniteNumber(w) || !isFiniteNumber(h) || w <= 0 || h <= 0) {
    return { ok: false, reason: "box_invalid_size" };
  }
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(imageWidth, x + w);
  const y1 = Math.min(imageHeight, y + h);
  if (x1 <= x0 || y1 <= y0) return { ok: false, reason: "box_outside_image" };
  const clipped = x0 !== x || y0 !== y || x1 !== x + w || y1 !== y + h;
  return { ok: true, bbox: [x0, y0, x1 - x0, y1 - y0], clipped };
}

/** Intersection over union of two boxes. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const [ax = 0, ay = 0, aw = 0, ah = 0] = a;
  const [bx = 0, by = 0, bw = 0, bh = 0] = b;
  const ix = Math.max(0, Math.min(ax + aw, bx + bw) - Math.max(ax, bx));
  const iy = Math.max(0, Math.min(ay + ah, by + bh) - Math.max(ay, by));
  const inter = ix * iy;
  const union = aw * ah + bw * bh - inter;
  return union > 0 ? inter / union : 0;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
