import { type ControlLimits, withinControlSize } from "./control-size.js";
import { colourDistance, intersect, offsetOf, type Raster, type Rect, type Scratch } from "./raster.js";

/** Tuning of what counts as drawn content on a background (exported with SMART_DEFAULTS). */
export const FOREGROUND = {
  /** A pixel this far (max channel difference) from the background's colour, and twice the background's tolerance, is drawn content. */
  minContrast: 24,
  /** A part with no pixel this far from the background is noise (JPEG ringing, a faint rule). */
  faintInk: 40,
  /** A part's box spans its pixels at least `boxInkShare` of its strongest's distance from the background (alpha ≈ 0.3: what is visibly drawn, not the anti-aliased fringe); its ink colour is the mean of those at least `inkShare`. */
  boxInkShare: 0.3,
  inkShare: 0.85,
  /** A part whose pixels cover this share of their extent is a filled shape: its box is that extent. */
  solidShare: 0.6,
} as const;

/** A connected piece of drawn content: a letter, a stroke of an icon, a checkbox. */
export interface Part {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Its clearly drawn pixels. */
  count: number;
  /** All its pixels, anti-aliased fringe included. */
  area: number;
  ink: number[];
  /** Larger than a control, or spanning half the window: another panel, not content. */
  wall: boolean;
  /** Noise: nothing in it clearly drawn. */
  faint: boolean;
}

/**
 * The drawn content on a background, labelled lazily: `scan(rect)` finds the
 * connected (8-neighbour) parts with a pixel in `rect`, each followed to its
 * end inside the window. Pixels are classified once per labeller, so scanning
 * a rectangle again costs a read per pixel.
 */
export class ForegroundParts {
  readonly parts: Part[] = [];
  private readonly base: number;
  private readonly threshold: number;

  constructor(
    private readonly r: Raster,
    private readonly s: Scratch,
    /** Content is followed inside this rectangle only. */
    readonly win: Rect,
    private readonly background: readonly number[],
    private readonly tolerance: number,
    private readonly limits: ControlLimits,
  ) {
    this.base = s.nextLabels();
    s.labelBase = this.base;
    this.threshold = Math.max(FOREGROUND.minContrast, 2 * tolerance);
  }

  get backgroundColour(): readonly number[] {
    return this.background;
  }

  get imageWidth(): number {
    return this.r.imageWidth;
  }

  get imageHeight(): number {
    return this.r.imageHeight;
  }

  /** Whether image pixel (x, y) has the background's colour (within its fill tolerance: stricter than "not content", so a panel's faint edge stops a scan). */
  isBackground(x: number, y: number): boolean {
    return colourDistance(this.r.data, offsetOf(this.r, x, y), this.background) <= this.tolerance + 2;
  }

  /** The colour of image pixel (x, y). */
  colourAt(x: number, y: number): [number, number, number] {
    const o = offsetOf(this.r, x, y);
    return [this.r.data[o]!, this.r.data[o + 1]!, this.r.data[o + 2]!];
  }

  /** Whether image pixel (x, y) is drawn content (not the background). */
  isContent(x: number, y: number): boolean {
    return colourDistance(this.r.data, offsetOf(this.r, x, y), this.background) > this.threshold;
  }

  /** Index of the part holding image pixel (x, y), or -1. */
  partAt(x: number, y: number): number {
    const i = this.s.label[(y - this.r.top) * this.r.width + (x - this.r.left)]! - this.base;
    return i >= 0 && i < this.parts.length ? i : -1;
  }

  /**
   * Whether the shape in `box` is closed: its middle is drawn (a filled box,
   * a radio's dot) or the background around its middle does not reach the
   * box's edge (an outlined checkbox or radio).
   */
  encloses(box: Rect): boolean {
    const { r, s } = this;
    const cx = Math.floor((box.x0 + box.x1) / 2);
    const cy = Math.floor((box.y0 + box.y1) / 2);
    if (this.isContent(cx, cy)) return true;
    const x0 = box.x0 - 1;
    const y0 = box.y0 - 1;
    const x1 = box.x1 + 1;
    const y1 = box.y1 + 1;
    if (x0 < r.left || y0 < r.top || x1 > r.left + r.width || y1 > r.top + r.height) return false;
    const bw = x1 - x0;
    const visited = new Uint8Array(bw * (y1 - y0));
    const stack = s.stack;
    let sp = 0;
    stack[sp++] = (cy - y0) * bw + (cx - x0);
    visited[(cy - y0) * bw + (cx - x0)] = 1;
    while (sp > 0) {
      const p = stack[--sp]!;
      const px = p % bw;
      const py = (p - px) / bw;
      if (px === 0 || py === 0 || px === bw - 1 || py === y1 - y0 - 1) return false;
      for (const q of [p - 1, p + 1, p - bw, p + bw]) {
        if (visited[q]) continue;
        visited[q] = 1;
        const qx = q % bw;
        const qy = (q - qx) / bw;
        if (!this.isContent(qx + x0, qy + y0)) stack[sp++] = q;
      }
    }
    return true;
  }

  /** Labels the parts with a pixel in `rect` (clipped to the window). */
  scan(rect: Rect): void {
    const { r, s, background } = this;
    const { data, pixelBytes } = r;
    const { label } = s;
    const q = intersect(rect, this.win);
    const base = this.base;
    const seen = base - 1;
    const threshold = this.threshold;
    const b0 = background[0]!;
    const b1 = background[1]!;
    const b2 = background[2]!;
    for (let y = q.y0; y < q.y1; y++) {
      const row = (y - r.top) * r.width - r.left;
      const rowByte = offsetOf(r, 0, y);
      for (let x = q.x0; x < q.x1; x++) {
        const p = row + x;
        const l = label[p]!;
        if (l >= base || l === seen) continue;
        const o = rowByte + x * pixelBytes;
        const a = data[o]! - b0;
        const b = data[o + 1]! - b1;
        const c = data[o + 2]! - b2;
        if ((a < 0 ? -a : a) <= threshold && (b < 0 ? -b : b) <= threshold && (c < 0 ? -c : c) <= threshold) {
          label[p] = seen;
          continue;
        }
        this.follow(p);
      }
    }
    s.labelsUsed(this.parts.length);
  }

  /**
   * Labels the part from pixel p; returns its index. A part of more than
   * half the largest control's area is not followed further: it is a wall
   * (another panel), and following it all would cost its whole area.
   */
  private follow(p0: number): number {
    const { r, s, win, background } = this;
    const { width, left, top, data, origin, rowBytes, pixelBytes } = r;
    const { label, stack, order } = s;
    const index = this.parts.length;
    const id = this.base + index;
    const seen = this.base - 1;
    const wx0 = win.x0 - left;
    const wy0 = win.y0 - top;
    const wx1 = win.x1 - left;
    const wy1 = win.y1 - top;
    const most = this.limits.maxArea / 2;
    const { maxWidth, maxHeight } = this.limits;
    let cut = false;
    let sp = 0;
    let n = 0;
    let maxD = 0;
    let fx0 = Infinity;
    let fx1 = -1;
    let fy0 = Infinity;
    let fy1 = -1;
    // The hot loop: the background's channels and the labels' bounds in locals, the colour distance inline.
    const b0 = background[0]!;
    const b1 = background[1]!;
    const b2 = background[2]!;
    const base = this.base;
    const threshold = this.threshold;
    const distance = (o: number): number => {
      const a = data[o]! - b0;
      const b = data[o + 1]! - b1;
      const c = data[o + 2]! - b2;
      const da = a < 0 ? -a : a;
      const db = b < 0 ? -b : b;
      const dc = c < 0 ? -c : c;
      return da > db ? (da > dc ? da : dc) : db > dc ? db : dc;
    };
    stack[sp++] = p0;
    label[p0] = id;
    while (sp > 0) {
      const p = stack[--sp]!;
      order[n++] = p;
      const px = p % width;
      const py = (p - px) / width;
      const d = distance(origin + py * rowBytes + px * pixelBytes);
      if (d > maxD) maxD = d;
      if (px < fx0) fx0 = px;
      if (px > fx1) fx1 = px;
      if (py < fy0) fy0 = py;
      if (py > fy1) fy1 = py;
      // Larger than a control: a wall, whatever else it holds (following it all would cost its whole area).
      if (n >= most || fx1 - fx0 >= maxWidth || fy1 - fy0 >= maxHeight) {
        cut = true;
        break;
      }
      const qx0 = px > wx0 ? px - 1 : px;
      const qx1 = px < wx1 - 1 ? px + 1 : px;
      const qy0 = py > wy0 ? py - 1 : py;
      const qy1 = py < wy1 - 1 ? py + 1 : py;
      for (let qy = qy0; qy <= qy1; qy++) {
        const row = qy * width;
        const rowByte = origin + qy * rowBytes;
        for (let qx = qx0; qx <= qx1; qx++) {
          const q = row + qx;
          const l = label[q]!;
          // The pixel itself is labelled already.
          if (l >= base || l === seen) continue;
          if (distance(rowByte + qx * pixelBytes) <= threshold) {
            label[q] = seen;
            continue;
          }
          label[q] = id;
          stack[sp++] = q;
        }
      }
    }
    // Box from the clearly drawn pixels, ink from the strongest; touching the window's edge from any.
    const F = FOREGROUND;
    const boxAt = Math.max(F.faintInk / 2, F.boxInkShare * maxD);
    const inkAt = F.inkShare * maxD;
    let minX = Infinity;
    let maxX = -1;
    let minY = Infinity;
    let maxY = -1;
    let allX0 = Infinity;
    let allX1 = -1;
    let allY0 = Infinity;
    let allY1 = -1;
    let touches = false;
    const ink = [0, 0, 0];
    let inks = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const p = order[i]!;
      const px = p % width;
      const py = (p - px) / width;
      // An edge of the window that is the image's hides nothing beyond it.
      if ((px === wx0 && win.x0 > 0) || (py === wy0 && win.y0 > 0) || (px === wx1 - 1 && win.x1 < r.imageWidth) || (py === wy1 - 1 && win.y1 < r.imageHeight)) touches = true;
      if (px < allX0) allX0 = px;
      if (px > allX1) allX1 = px;
      if (py < allY0) allY0 = py;
      if (py > allY1) allY1 = py;
      const o = origin + py * rowBytes + px * pixelBytes;
      const d = colourDistance(data, o, background);
      if (d < boxAt) continue;
      count++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
      if (d >= inkAt) {
        ink[0]! += data[o]!;
        ink[1]! += data[o + 1]!;
        ink[2]! += data[o + 2]!;
        inks++;
      }
    }
    const p0x = p0 % width;
    const p0y = (p0 - p0x) / width;
    if (maxD < F.faintInk || count === 0) {
      this.parts.push({ x0: p0x + left, y0: p0y + top, x1: p0x + left + 1, y1: p0y + top + 1, count: 0, area: n, ink: [b0, b1, b2], wall: false, faint: true });
      return index;
    }
    // A filled shape (a selected row's fill, a checked box) is drawn over its whole extent, faint colour or not.
    const solid = n >= F.solidShare * (allX1 - allX0 + 1) * (allY1 - allY0 + 1);
    if (solid) [minX, maxX, minY, maxY, count] = [allX0, allX1, allY0, allY1, n];
    const box: Rect = { x0: minX + left, y0: minY + top, x1: maxX + left + 1, y1: maxY + top + 1 };
    const winW = wx1 - wx0;
    const winH = wy1 - wy0;
    const wall = cut || !withinControlSize(box, this.limits) || (touches && (maxY - minY + 1 > winH / 2 || maxX - minX + 1 > winW / 2));
    // One shape for every part (no spread): parts are made by the thousand.
    this.parts.push({ x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, count, area: n, ink: [Math.round(ink[0]! / inks), Math.round(ink[1]! / inks), Math.round(ink[2]! / inks)], wall, faint: false });
    return index;
  }
}
