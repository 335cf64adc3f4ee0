import { colourDistance, pixelDistance, type Raster, type Rect, type Scratch } from "./raster.js";

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
  const devs = offsets.map((o) => colourDistance(data, o, colour)).sort((u, v) => u - v);
  const spread = devs[Math.floor(devs.length * 0.75)] ?? 0;
  return { colour, tolerance: Math.min(FILL.maxTolerance, Math.max(FILL.tolerance, Math.ceil(spread * 1.25) + 1)) };
}

/**
 * The dominant colours of the pixels at `points` (greedily: the pixel with
 * the most points within `clusterRadius` of its colour, then the same among
 * the points left), at most `max`, each supported by `minShare` of the points.
 * Ties go to the point nearest (cx, cy).
 */
export function dominantColours(r: Raster, points: readonly [number, number][], cx: number, cy: number, max: number, minShare: number): SeedColour[] {
  const pts = points.map(([x, y]) => ({ x, y, o: ((y - r.top) * r.width + (x - r.left)) * 3, dist: (x - cx) ** 2 + (y - cy) ** 2 }));
  const taken = new Uint8Array(pts.length);
  const out: SeedColour[] = [];
  const minSupport = Math.max(3, Math.floor(pts.length * minShare));
  while (out.length < max) {
    let best = -1;
    let bestSupport = 0;
    for (let i = 0; i < pts.length; i++) {
      if (taken[i]) continue;
      let support = 0;
      for (let j = 0; j < pts.length; j++) if (!taken[j] && pixelDistance(r.data, pts[i]!.o, pts[j]!.o) <= FILL.clusterRadius) support++;
      if (support > bestSupport || (support === bestSupport && best >= 0 && pts[i]!.dist < pts[best]!.dist)) {
        bestSupport = support;
        best = i;
      }
    }
    if (best < 0 || bestSupport < minSupport) break;
    const centre = pts[best]!;
    const members: number[] = [];
    for (let j = 0; j < pts.length; j++) if (!taken[j] && pixelDistance(r.data, centre.o, pts[j]!.o) <= FILL.clusterRadius) members.push(j);
    const { colour, tolerance } = colourOf(r.data, members.map((j) => pts[j]!.o));
    // Fills start only from pixels within the tolerance; nearest the click first (stable: scan order on ties).
    const near = members
      .map((j) => pts[j]!)
      .filter((p) => colourDistance(r.data, p.o, colour) <= tolerance)
      .sort((a, b) => a.dist - b.dist);
    out.push({ colour, tolerance, members: near.map((p) => [p.x, p.y]) });
    for (const j of members) taken[j] = 1;
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
  const { width, data, left, top } = r;
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
  let sp = 0;
  let minX = Infinity;
  let maxX = -1;
  let minY = Infinity;
  let maxY = -1;
  for (const [x, y] of starts) {
    const p = (y - top) * width + (x - left);
    if (mark[p] === id) continue;
    mark[p] = id;
    stack[sp++] = p;
  }
  const [sx, sy] = starts[0] ?? [0, 0];
  let count = 0;
  let stopped: Region["stopped"];
  const { maxWidth, maxHeight, maxCount } = limits;
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
    const po = p * 3;
    if (px > lx0 && mark[p - 1] !== id && joins(po - 3, po)) {
      mark[p - 1] = id;
      stack[sp++] = p - 1;
    }
    if (px < lx1 && mark[p + 1] !== id && joins(po + 3, po)) {
      mark[p + 1] = id;
      stack[sp++] = p + 1;
    }
    if (py > ly0 && mark[p - width] !== id && joins(po - width * 3, po)) {
      mark[p - width] = id;
      stack[sp++] = p - width;
    }
    if (py < ly1 && mark[p + width] !== id && joins(po + width * 3, po)) {
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
