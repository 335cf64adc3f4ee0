import type { BBox } from "@qontinui/export-core";

/**
 * Decoded pixels of a rectangle of a screenshot, as they lie in memory: a
 * pixel's red, green and blue bytes start at `offsetOf(r, x, y)` (a fourth
 * byte, alpha, is ignored), so a PNG's inflated scanlines (a filter byte per
 * row, 4 bytes a pixel) are read where they are, without a copy.
 * Coordinates handed to the analysis are image coordinates; `left`/`top`
 * place the rectangle in the image. Pixel indices of the scratch arrays are
 * `(y - top) * width + (x - left)`.
 */
export interface Raster {
  left: number;
  top: number;
  width: number;
  height: number;
  data: Uint8Array;
  /** Byte offset of pixel (left, top), bytes from one row to the next, and from one pixel to the next (3 or 4). */
  origin: number;
  rowBytes: number;
  pixelBytes: number;
  imageWidth: number;
  imageHeight: number;
}

/** An integer rectangle in image pixels: x0 ≤ x < x1, y0 ≤ y < y1. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const rectOf = (x0: number, y0: number, x1: number, y1: number): Rect => ({ x0, y0, x1, y1 });
export const rectWidth = (r: Rect): number => r.x1 - r.x0;
export const rectHeight = (r: Rect): number => r.y1 - r.y0;
export const rectToBox = (r: Rect): BBox => [r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0];
export const covers = (outer: Rect, inner: Rect): boolean => outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1;
export const union = (a: Rect, b: Rect): Rect => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });
/** Horizontal / vertical gap between two rectangles (0 when they overlap on that axis), and their overlap. */
export const gapX = (a: Rect, b: Rect): number => Math.max(0, Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1));
export const gapY = (a: Rect, b: Rect): number => Math.max(0, Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1));
export const overlapX = (a: Rect, b: Rect): number => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
export const overlapY = (a: Rect, b: Rect): number => Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
export const intersect = (a: Rect, b: Rect): Rect => ({ x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) });

/** The rectangle `click ± (halfWidth, halfHeight)` clamped to the image. */
export function windowAround(x: number, y: number, halfWidth: number, halfHeight: number, imageWidth: number, imageHeight: number): Rect {
  return { x0: Math.max(0, x - halfWidth), y0: Math.max(0, y - halfHeight), x1: Math.min(imageWidth, x + halfWidth + 1), y1: Math.min(imageHeight, y + halfHeight + 1) };
}

export const rasterRect = (r: Raster): Rect => ({ x0: r.left, y0: r.top, x1: r.left + r.width, y1: r.top + r.height });

/** Byte offset of image pixel (x, y) in the raster. */
export const offsetOf = (r: Raster, x: number, y: number): number => r.origin + (y - r.top) * r.rowBytes + (x - r.left) * r.pixelBytes;

/** Max channel difference between the pixel at byte offset i and a colour. */
export function colourDistance(data: Uint8Array, i: number, colour: readonly number[]): number {
  const a = Math.abs(data[i]! - colour[0]!);
  const b = Math.abs(data[i + 1]! - colour[1]!);
  const c = Math.abs(data[i + 2]! - colour[2]!);
  return a > b ? (a > c ? a : c) : b > c ? b : c;
}

/** Max channel difference between two colours. */
export function colourGap(p: readonly number[], q: readonly number[]): number {
  return Math.max(Math.abs(p[0]! - q[0]!), Math.abs(p[1]! - q[1]!), Math.abs(p[2]! - q[2]!));
}

/**
 * Scratch memory of one labeler: the analysis of a click is synchronous, so
 * one set of typed arrays, grown on demand, serves every click.
 */
export class Scratch {
  mark = new Int32Array(0);
  stack = new Int32Array(0);
  label = new Int32Array(0);
  order = new Int32Array(0);
  /** One byte a pixel (the holes in a region). */
  bytes = new Uint8Array(0);
  /** Id of the last fill; marks from earlier fills are smaller. Reset with the arrays. */
  fills = 0;
  /** First label of the last labelling; labels from earlier ones are smaller (labels start at 2: 1 below the first, "seen", must not be 0, what new arrays hold). */
  labelBase = 0;
  private labelNext = 2;

  /** Makes room for `n` pixels; clears the marks when the arrays are new or the ids would overflow. */
  ensure(n: number): void {
    if (this.mark.length < n) {
      // Grown with room to spare: rasters of one export vary in size, and new arrays cost their zeroing.
      const size = Math.max(n, Math.ceil(this.mark.length * 1.5));
      this.mark = new Int32Array(size);
      this.stack = new Int32Array(size);
      this.label = new Int32Array(size);
      this.order = new Int32Array(size);
      this.bytes = new Uint8Array(size);
      this.fills = 0;
      this.labelNext = 2;
    }
  }

  /** The first label of a new labelling: labels from earlier ones are below it. */
  nextLabels(): number {
    if (this.labelNext >= 0x3ffffff0) {
      this.label.fill(0);
      this.labelNext = 2;
    }
    return this.labelNext;
  }

  /** Records that the labelling starting at `labelBase` used `n` labels. */
  labelsUsed(n: number): void {
    this.labelNext = this.labelBase + n + 1;
  }

  /** A fresh fill id: pixels marked with it belong to that fill. */
  nextFill(): number {
    if (this.fills >= 0x7ffffff0) {
      this.mark.fill(0);
      this.fills = 0;
    }
    return ++this.fills;
  }
}
