import { colourDistance, offsetOf, type Raster, type Rect, type Scratch } from "./raster.js";

/** How a fill follows colour: tolerances of the flood fills (see SMART_DEFAULTS). */
export const FILL = {
  /** Max channel difference from the seed colour for a pixel to join (widened up to `maxTolerance` for noisy pixels: JPEG). */
  tolerance: 6,
  maxTolerance: 14,
  /** Smooth gradients: a pixel within `stepTolerance` of the neighbour it is reached from joins if also within `gradientTolerance` of the seed colour. */
  stepTolerance: 3,
  gradientTolerance: 64,
  /** Pixels within this of each other count as one colour when picking seed colours. */
  clusterRadius: 16,
} as const;

/** A 4-connected region of one colour (image coordinates, x1/y1 exclusive). */
export interface Region {
  /** The fill id its pixels were marked with (until a later fill reaches them). */
  id: number;
  box: Rect;
  count: number;
  colour: number[];
  tolerance: number;
  start: [number, number];
  /** Whether the fill followed gradients. */
  gradient: boolean;
  /** Set when the fill stopped early: it reached an edge of the searched rectangle that is not the image's (`leaked`), or outgrew the limits. */
  stopped?: "leaked" | "too_large";
}

export interface FillLimits {
  /** The rectangle searched (inside the raster). */
  rect: Rect;
  maxWidth: number;
  maxHeight: number;
  maxCount: number;
  /** False: the rectangle's edges bound the fill without stopping it (a background fill of a window). Default true. */
  leak?: boolean;
  /** False: only pixels within the tolerance of the colour join (no gradient following). Default true. */
  gradient?: boolean;
}

/** A colour near the click and the pixels supporting it (nearest the click first). */
export interface SeedColour {
  colour: number[];
  tolerance: number;
  members: [number, number][];
}

/** Mean colour of pixels (byte offsets) and a fill tolerance widened by their spread. */
export function colourOf(data: Uint8Array, offsets: readonly number[]): { colour: number[]; tolerance: number } {
  const colour = [0, 0, 0];
  for (const o of offsets) for (let c = 0; c < 3; c++) colour[c]! += data[o + c]!;
  for (let c = 0; c < 3; c++) colour[c] = Math.round(colour[c]! / offsets.length);
  // The 75th percentile of the deviations (0-255: counted, not sorted).
  const counts = new Uint32Array(256);
  for (const o of offsets) counts[colourDistance(data, o, colour)]!++;
  const rank = Math.floor(offsets.length * 0.75);
  let spread = 0;
  for (let seen = 0; offsets.length > 0 && spread < 255; spread++) {
    seen += counts[spread]!;
    if (seen > rank) break;
  }
  return { colour, tolerance: Math.min(FILL.maxTolerance, Math.max(FILL.tolerance, Math.ceil(spread * 1.25) + 1)) };
}

/**
 * The dominant colours of the pixels at `points` (greedily: the pixel with
 * the most points within `clusterRadius` of its colour, then the same among
 * the points left), at most `max`, each supported by `minShare` of the points.
 * Ties go to the point nearest (cx, cy).
 */
export function dominantColours(r: Raster, points: readonly [number, number][], cx: number, cy: number, max: number, minShare: number): SeedColour[] {
  const { data } = r;
  const n = points.length;
  const offsets = new Int32Array(n);
  const dists = new Float64Array(n);
  // Screens repeat colours: the greedy choice is made over the distinct colours, weighted by their points.
  const colourIndex = new Map<number, number>();
  const colourOfPoint = new Int32Array(n);
  const reds: number[] = [];
  const greens: number[] = [];
  const blues: number[] = [];
  const counts: number[] = [];
  /** Per colour: its point nearest the click (the first on ties). */
  const nearest: number[] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = points[i]!;
    const o = offsetOf(r, x, y);
    offsets[i] = o;
    dists[i] = (x - cx) ** 2 + (y - cy) ** 2;
    const key = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    let k = colourIndex.get(key);
    if (k === undefined) {
      k = counts.length;
      colourIndex.set(key, k);
      reds.push(data[o]!);
      greens.push(data[o + 1]!);
      blues.push(data[o + 2]!);
      counts.push(0);
      nearest.push(i);
    }
    colourOfPoint[i] = k;
    counts[k]!++;
    if (dists[i]! < dists[nearest[k]!]!) nearest[k] = i;
  }
  const k = counts.length;
  const close = new Uint8Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      const d = Math.max(Math.abs(reds[a]! - reds[b]!), Math.abs(greens[a]! - greens[b]!), Math.abs(blues[a]! - blues[b]!));
      if (d <= FILL.clusterRadius) close[a * k + b] = close[b * k + a] = 1;
    }
  }
  const taken = new Uint8Array(k);
  const out: SeedColour[] = [];
  const minSupport = Math.max(3, Math.floor(n * minShare));
  while (out.length < max) {
    // The point with the most points near its colour; ties go to the one nearest the click, then the first.
    let best = -1;
    let bestSupport = 0;
    for (let a = 0; a < k; a++) {
      if (taken[a]) continue;
      let support = 0;
      for (let b = 0; b < k; b++) if (!taken[b] && close[a * k + b]) support += counts[b]!;
      const p = nearest[a]!;
      if (support > bestSupport || (support === bestSupport && best >= 0 && (dists[p]! < dists[nearest[best]!]! || (dists[p] === dists[nearest[best]!] && p < nearest[best]!)))) {
        bestSupport = support;
        best = a;
      }
    }
    if (best < 0 || bestSupport < minSupport) break;
    const members: number[] = [];
    for (let j = 0; j < n; j++) if (close[best * k + colourOfPoint[j]!] && !taken[colourOfPoint[j]!]) members.push(j);
    const { colour, tolerance } = colourOf(data, members.map((j) => offsets[j]!));
    // Fills start only from pixels within the tolerance; nearest the click first (stable: scan order on ties).
    const near = members.filter((j) => colourDistance(data, offsets[j]!, colour) <= tolerance).sort((a, b) => dists[a]! - dists[b]!);
    out.push({ colour, tolerance, members: near.map((j) => [points[j]![0], points[j]![1]]) });
    for (let b = 0; b < k; b++) if (close[best * k + b]) taken[b] = 1;
  }
  return out;
}

/** The pixels of the square of radius `radius` around (cx, cy), inside `rect`. */
export function neighbourhood(rect: Rect, cx: number, cy: number, radius: number): [number, number][] {
  const out: [number, number][] = [];
  for (let y = Math.max(rect.y0, cy - radius); y <= Math.min(rect.y1 - 1, cy + radius); y++) {
    for (let x = Math.max(rect.x0, cx - radius); x <= Math.min(rect.x1 - 1, cx + radius); x++) out.push([x, y]);
  }
  return out;
}

/** The pixels of the outline of `box` grown by `gap` (inside `rect`). */
export function ring(rect: Rect, box: Rect, gap: number): [number, number][] {
  const x0 = box.x0 - gap;
  const y0 = box.y0 - gap;
  const x1 = box.x1 - 1 + gap;
  const y1 = box.y1 - 1 + gap;
  const out: [number, number][] = [];
  const inside = (x: number, y: number) => x >= rect.x0 && y >= rect.y0 && x < rect.x1 && y < rect.y1;
  for (let x = x0; x <= x1; x++) {
    if (inside(x, y0)) out.push([x, y0]);
    if (y1 !== y0 && inside(x, y1)) out.push([x, y1]);
  }
  for (let y = y0 + 1; y < y1; y++) {
    if (inside(x0, y)) out.push([x0, y]);
    if (x1 !== x0 && inside(x1, y)) out.push([x1, y]);
  }
  return out;
}

/**
 * 4-connected fill from the `starts` over pixels close to `colour`, or
 * (smooth gradients) close to the neighbour they are reached from and not too
 * far from the colour, inside `limits.rect`. Marks the pixels it reaches with
 * a fresh fill id. Stops early, with `stopped` set, once the outcome is known:
 * the region reaches an edge of the rectangle that is not the image's, or
 * outgrows the limits.
 */
export function fillRegion(r: Raster, s: Scratch, starts: readonly [number, number][], colour: readonly number[], tolerance: number, limits: FillLimits): Region {
  const { width, data, left, top, origin, rowBytes, pixelBytes } = r;
  /** Byte offset of raster pixel (px, py) (relative to left, top). */
  const at = (px: number, py: number) => origin + py * rowBytes + px * pixelBytes;
  const { mark, stack } = s;
  const id = s.nextFill();
  const c0 = colour[0]!;
  const c1 = colour[1]!;
  const c2 = colour[2]!;
  const grad = limits.gradient === false ? -1 : FILL.gradientTolerance;
  const stepTol = FILL.stepTolerance;
  const { rect } = limits;
  const lx0 = rect.x0 - left;
  const ly0 = rect.y0 - top;
  const lx1 = rect.x1 - left - 1;
  const ly1 = rect.y1 - top - 1;
  // Edges of the rectangle that are not image edges: reaching one means the region goes on beyond it.
  const leak = limits.leak !== false;
  const openLeft = leak && rect.x0 > 0;
  const openTop = leak && rect.y0 > 0;
  const openRight = leak && rect.x1 < r.imageWidth;
  const openBottom = leak && rect.y1 < r.imageHeight;
  const joins = (qo: number, po: number): boolean => {
    const a = data[qo]!;
    const b = data[qo + 1]!;
    const c = data[qo + 2]!;
    const da = a > c0 ? a - c0 : c0 - a;
    const db = b > c1 ? b - c1 : c1 - b;
    const dc = c > c2 ? c - c2 : c2 - c;
    const fromSeed = da > db ? (da > dc ? da : dc) : db > dc ? db : dc;
    if (fromSeed <= tolerance) return true;
    if (fromSeed > grad) return false;
    return Math.abs(a - data[po]!) <= stepTol && Math.abs(b - data[po + 1]!) <= stepTol && Math.abs(c - data[po + 2]!) <= stepTol;
  };
  const { maxWidth, maxHeight, maxCount } = limits;
  const [sx, sy] = starts[0] ?? [0, 0];
  let minX = Infinity;
  let maxX = -1;
  let minY = Infinity;
  let maxY = -1;
  let count = 0;
  let stopped: Region["stopped"];

  // Straight runs through pixels the fill would join are part of the region: when they alone show it too large,
  // or reaching an open edge, no fill is needed (a page's or panel's background: the most common case, and the
  // costliest to fill). Runs across the start, then across their ends and middles (a run blocked by content may
  // pass beside it). Only the start's surroundings are then filled, so the pixels near the click it holds are marked.
  if (starts.length > 0) {
    let rx0 = sx - left;
    let rx1 = rx0;
    let ry0 = sy - top;
    let ry1 = ry0;
    const across = (px: number, py: number): [number, number] => {
      let a = px;
      let b = px;
      while (a > lx0 && joins(at(a - 1, py), at(a, py))) a--;
      while (b < lx1 && joins(at(b + 1, py), at(b, py))) b++;
      if (a < rx0) rx0 = a;
      if (b > rx1) rx1 = b;
      return [a, b];
    };
    const down = (px: number, py: number): [number, number] => {
      let a = py;
      let b = py;
      while (a > ly0 && joins(at(px, a - 1), at(px, a))) a--;
      while (b < ly1 && joins(at(px, b + 1), at(px, b))) b++;
      if (a < ry0) ry0 = a;
      if (b > ry1) ry1 = b;
      return [a, b];
    };
    const decided = (): Region["stopped"] =>
      (ry0 === ly0 && openTop) || (ry1 === ly1 && openBottom) || (rx0 === lx0 && openLeft) || (rx1 === lx1 && openRight) ? "leaked" : rx1 - rx0 >= maxWidth || ry1 - ry0 >= maxHeight ? "too_large" : undefined;
    const px = sx - left;
    const py = sy - top;
    const [a, b] = across(px, py);
    const [c, d] = down(px, py);
    stopped = decided();
    for (const y of [c, d, (c + d) >> 1]) {
      if (stopped) break;
      across(px, y);
      stopped = decided();
    }
    for (const x of [a, b, (a + b) >> 1]) {
      if (stopped) break;
      down(x, py);
      stopped = decided();
    }
    if (stopped) {
      const near = 5;
      const local: Rect = { x0: Math.max(rect.x0, sx - near), y0: Math.max(rect.y0, sy - near), x1: Math.min(rect.x1, sx + near + 1), y1: Math.min(rect.y1, sy + near + 1) };
      const region = fillRegion(r, s, starts, colour, tolerance, { ...limits, rect: local, leak: false });
      region.box = { x0: Math.min(region.box.x0, rx0 + left), y0: Math.min(region.box.y0, ry0 + top), x1: Math.max(region.box.x1, rx1 + left + 1), y1: Math.max(region.box.y1, ry1 + top + 1) };
      region.count += ry1 - ry0 + rx1 - rx0;
      region.stopped = stopped;
      return region;
    }
  }

  let sp = 0;
  for (const [x, y] of starts) {
    const p = (y - top) * width + (x - left);
    if (mark[p] === id) continue;
    mark[p] = id;
    stack[sp++] = p;
  }
  while (sp > 0) {
    const p = stack[--sp]!;
    const px = p % width;
    const py = (p - px) / width;
    count++;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    if ((px === lx0 && openLeft) || (py === ly0 && openTop) || (px === lx1 && openRight) || (py === ly1 && openBottom)) stopped = "leaked";
    else if (maxX - minX >= maxWidth || maxY - minY >= maxHeight || count > maxCount) stopped = "too_large";
    if (stopped) break;
    const po = at(px, py);
    if (px > lx0 && mark[p - 1] !== id && joins(po - pixelBytes, po)) {
      mark[p - 1] = id;
      stack[sp++] = p - 1;
    }
    if (px < lx1 && mark[p + 1] !== id && joins(po + pixelBytes, po)) {
      mark[p + 1] = id;
      stack[sp++] = p + 1;
    }
    if (py > ly0 && mark[p - width] !== id && joins(po - rowBytes, po)) {
      mark[p - width] = id;
      stack[sp++] = p - width;
    }
    if (py < ly1 && mark[p + width] !== id && joins(po + rowBytes, po)) {
      mark[p + width] = id;
      stack[sp++] = p + width;
    }
  }
  const region: Region = { id, box: { x0: minX + left, y0: minY + top, x1: maxX + left + 1, y1: maxY + top + 1 }, count, colour: [c0, c1, c2], tolerance, start: [sx, sy], gradient: grad >= 0 };
  if (stopped) region.stopped = stopped;
  return region;
}

/** Whether the pixel (x, y) (image coordinates) was reached by fill `id`. */
export const reached = (r: Raster, s: Scratch, id: number, x: number, y: number): boolean => s.mark[(y - r.top) * r.width + (x - r.left)] === id;
