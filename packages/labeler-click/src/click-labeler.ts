import { type Annotation, type BBox, ConfigError, type ExecutionRecord, type Labeler, ProblemReason, type ResolvedImage } from "@qontinui/export-core";
import sharp from "sharp";

export const CLICK_SOURCE = "user_click";
export const SMART_SOURCE = "smart_click_analysis";
export const FALLBACK_SOURCE = "user_click_fallback";

export type ClickMode = "fixed" | "smart";

export interface ClickLabelerOptions {
  /** "fixed": the seed's box centred on the click. "smart" (default): infer the element's boundary from the pixels, falling back to the fixed box. */
  mode?: ClickMode;
  /** Side of the fixed box in pixels (positive integer). Default 50. */
  boxSize?: number;
  /** Category when the record has neither `click_target_type` nor `click_target`. Default "click_target". */
  categoryFallback?: string;
}

/** Reasons this labeler reports besides the shared ProblemReason ones. */
export const ClickProblemReason = {
  /** Smart mode could not decode the screenshot's pixels: the fixed box was used. */
  SmartDecodeFailed: "smart_click_decode_failed",
} as const;

export type InferenceStrategy = "flood_fill" | "edges" | "fixed_fallback";

/** What smart mode keeps in `metadata.inference_metadata`. */
export interface InferenceMetadata {
  strategy: InferenceStrategy;
  /** The region searched, [x, y, width, height] in image pixels. */
  search_window?: BBox;
  /** For flood_fill: filled pixels / box area. */
  fill_ratio?: number;
  /** For flood_fill: the seed colour (RGB or grey). */
  seed_color?: number[];
  /** For edges: why flood fill failed; for fixed_fallback: why both strategies failed. */
  reason?: string;
}

/** Tuning constants of the smart mode (exported for the README and tests). */
export const SMART_DEFAULTS = {
  /** First search window, centred on the click. */
  window: { width: 400, height: 200 },
  /** Wider window used when the region reaches the edge of the first one (large panels, sidebars). */
  wideWindow: { width: 1600, height: 1000 },
  /** Smallest plausible element side. */
  minSide: 8,
  /** Max channel difference from the seed colour for a pixel to join the region (widened up to `maxColorTolerance` on noisy pixels). */
  colorTolerance: 6,
  maxColorTolerance: 20,
  /** Pixels within this of each other count as one colour when picking seeds. */
  clusterRadius: 16,
  /** Smooth-gradient rule: a pixel within this of its neighbour joins if also within `gradientTolerance` of the seed. */
  stepTolerance: 3,
  gradientTolerance: 64,
  /** Smallest filled share of the region's bounding box. */
  minFillRatio: 0.2,
  /** A region this large in both directions (share of the image) is the background. */
  backgroundShare: 0.9,
  /** Neighbourhood radius sampled for seed colours. */
  seedRadius: 7,
  /** Seed colours tried, most frequent first. */
  maxSeeds: 3,
  /** Luminance step counted as an edge. */
  edgeThreshold: 24,
  /** Half-height (or half-width) of the band an edge must run along, and how much of it must be edge. */
  edgeBand: 6,
  edgeBandShare: 0.75,
} as const;

/**
 * One box per click. Fixed mode is the seed's formula: a `boxSize` square
 * centred on the click, clamped inside the image. Smart mode decodes the
 * pixels around the click and infers the clicked element's boundary (flood
 * fill, then edge scan), falling back to the fixed box.
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

      if (mode === "fixed") return [annotation(fixed, categoryName, CLICK_SOURCE, boxSize)];

      let inferred: Inference;
      try {
        inferred = await inferElement(image, Math.floor(x), Math.floor(y));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        ctx.report(ClickProblemReason.SmartDecodeFailed, `could not decode pixels for smart click analysis (${why}): fixed box used`, "repaired");
        inferred = { ok: false, reason: `decode_failed: ${why}` };
      }
      if (inferred.ok) {
        const a = annotation(inferred.bbox, categoryName, SMART_SOURCE);
        a.metadata = { inference_metadata: inferred.metadata };
        return [a];
      }
      const a = annotation(fixed, categoryName, FALLBACK_SOURCE, boxSize);
      const meta: InferenceMetadata = { strategy: "fixed_fallback", reason: inferred.reason };
      if (inferred.window) meta.search_window = inferred.window;
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

function annotation(bbox: BBox, categoryName: string, source: string, boxSize?: number): Annotation {
  const a: Annotation = { bbox, categoryName, confidence: 1, source, verified: true };
  if (boxSize !== undefined && (bbox[2] < boxSize || bbox[3] < boxSize)) a.clipped = true;
  return a;
}

function category(record: ExecutionRecord, fallback: string): string {
  for (const v of [record.click_target_type, record.click_target]) {
    if (typeof v === "string" && v.trim() !== "") return v;
  }
  return fallback;
}

// ---------------------------------------------------------------------------
// Smart mode
// ---------------------------------------------------------------------------

type Inference = { ok: true; bbox: BBox; metadata: InferenceMetadata } | { ok: false; reason: string; window?: BBox };

/** Pixels of a window of the image: `channels` (1 or 3) bytes per pixel. */
interface Raster {
  left: number;
  top: number;
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  imageWidth: number;
  imageHeight: number;
}

async function decodeWindow(image: ResolvedImage, cx: number, cy: number, ww: number, wh: number): Promise<Raster> {
  const width = Math.min(ww, image.width);
  const height = Math.min(wh, image.height);
  const left = clamp(cx - Math.floor(width / 2), 0, image.width - width);
  const top = clamp(cy - Math.floor(height / 2), 0, image.height - height);
  const full = left === 0 && top === 0 && width === image.width && height === image.height;
  let pipeline = sharp(image.bytes, { failOn: "error" });
  if (!full) pipeline = pipeline.extract({ left, top, width, height });
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`decoded ${info.width}×${info.height}, expected ${width}×${height}`);
  const channels = info.channels >= 3 ? 3 : 1;
  let pixels = data;
  if (info.channels !== channels) {
    // Keep the first `channels` bytes of each pixel (drops any extra band).
    pixels = Buffer.alloc(width * height * channels);
    for (let i = 0, j = 0; i < data.length; i += info.channels) for (let c = 0; c < channels; c++) pixels[j++] = data[i + c]!;
  }
  return { left, top, width, height, channels, data: pixels, imageWidth: image.width, imageHeight: image.height };
}

async function inferElement(image: ResolvedImage, cx: number, cy: number): Promise<Inference> {
  const D = SMART_DEFAULTS;
  let raster = await decodeWindow(image, cx, cy, D.window.width, D.window.height);
  let result = analyse(raster, cx, cy, "flood");
  const wider = raster.width < Math.min(D.wideWindow.width, image.width) || raster.height < Math.min(D.wideWindow.height, image.height);
  if (!result.ok && result.leaked && wider) {
    // The region goes on past the first window (a large panel, or the background): look wider before the edge scan.
    raster = await decodeWindow(image, cx, cy, D.wideWindow.width, D.wideWindow.height);
    result = analyse(raster, cx, cy, "flood");
  }
  if (!result.ok) {
    const edges = analyse(raster, cx, cy, "edges");
    result = edges.ok ? { ...edges, metadata: { ...edges.metadata, reason: result.reason } } : { ...edges, reason: `${result.reason}, ${edges.reason}` };
  }
  const window: BBox = [raster.left, raster.top, raster.width, raster.height];
  if (result.ok) return { ok: true, bbox: result.bbox, metadata: { ...result.metadata, search_window: window } };
  return { ok: false, reason: result.reason, window };
}

type Analysis = { ok: true; bbox: BBox; metadata: InferenceMetadata } | { ok: false; reason: string; leaked: boolean };

function analyse(r: Raster, icx: number, icy: number, stage: "flood" | "edges"): Analysis {
  const cx = icx - r.left;
  const cy = icy - r.top;
  const reasons: string[] = [];
  let leaked = false;

  if (stage === "edges") {
    const edges = edgeBox(r, cx, cy);
    if (edges === undefined) return { ok: false, reason: "edges none", leaked };
    const verdict = plausible(r, edges, cx, cy);
    if (verdict === "ok") return { ok: true, bbox: toImage(r, edges), metadata: { strategy: "edges" } };
    return { ok: false, reason: `edges ${verdict}`, leaked: verdict === "leaked" };
  }

  // Every seed colour is tried; the smallest plausible region wins (the innermost element under the click).
  let best: { box: BBox; ratio: number; color: number[] } | undefined;
  for (const seed of seedCandidates(r, cx, cy)) {
    const fill = floodFill(r, seed);
    const ratio = fill.count / (fill.box[2] * fill.box[3]);
    const verdict = plausible(r, fill.box, cx, cy);
    if (verdict === "ok" && ratio >= SMART_DEFAULTS.minFillRatio) {
      if (best === undefined || fill.box[2] * fill.box[3] < best.box[2] * best.box[3]) best = { box: fill.box, ratio, color: seed.color };
      continue;
    }
    if (verdict === "leaked") leaked = true;
    reasons.push(`flood_fill ${verdict === "ok" ? "sparse" : verdict}`);
  }
  if (best !== undefined) {
    return { ok: true, bbox: toImage(r, best.box), metadata: { strategy: "flood_fill", fill_ratio: round(best.ratio), seed_color: best.color } };
  }

  return { ok: false, reason: [...new Set(reasons)].join(", "), leaked };
}

/** Window box [x, y, w, h] → image box. */
function toImage(r: Raster, box: BBox): BBox {
  return [box[0] + r.left, box[1] + r.top, box[2], box[3]];
}

type Verdict = "ok" | "too_small" | "leaked" | "background" | "misses_click";

function plausible(r: Raster, box: BBox, cx: number, cy: number): Verdict {
  const D = SMART_DEFAULTS;
  const [x, y, w, h] = box;
  if (w < D.minSide || h < D.minSide) return "too_small";
  if (cx < x || cy < y || cx >= x + w || cy >= y + h) return "misses_click";
  // Touching a window edge that is not the image's edge: the region goes on beyond what we looked at.
  if ((x === 0 && r.left > 0) || (y === 0 && r.top > 0) || (x + w === r.width && r.left + r.width < r.imageWidth) || (y + h === r.height && r.top + r.height < r.imageHeight)) {
    return "leaked";
  }
  if (w >= D.backgroundShare * r.imageWidth && h >= D.backgroundShare * r.imageHeight) return "background";
  return "ok";
}

interface Seed {
  x: number;
  y: number;
  /** Mean colour of the pixels supporting this seed. */
  color: number[];
  /** Colour tolerance for the fill: the configured one, widened for noisy pixels. */
  tolerance: number;
}

/**
 * The dominant colours of a small neighbourhood of the click (so a click on a
 * label's text still seeds from the button's fill): greedily, the pixel with
 * the most neighbourhood pixels within `clusterRadius` of its colour, then the
 * same among the pixels left. Each seed is the supporting pixel nearest the
 * click; its colour the supporters' mean, its tolerance widened by their spread.
 */
function seedCandidates(r: Raster, cx: number, cy: number): Seed[] {
  const D = SMART_DEFAULTS;
  const rad = D.seedRadius;
  const pts: { x: number; y: number; o: number; dist: number }[] = [];
  for (let y = Math.max(0, cy - rad); y <= Math.min(r.height - 1, cy + rad); y++) {
    for (let x = Math.max(0, cx - rad); x <= Math.min(r.width - 1, cx + rad); x++) {
      pts.push({ x, y, o: (y * r.width + x) * r.channels, dist: (x - cx) ** 2 + (y - cy) ** 2 });
    }
  }
  const taken = new Uint8Array(pts.length);
  const seeds: Seed[] = [];
  const minSupport = Math.max(3, Math.floor(pts.length * 0.05));
  while (seeds.length < D.maxSeeds) {
    let bestIndex = -1;
    let bestSupport = 0;
    for (let i = 0; i < pts.length; i++) {
      if (taken[i]) continue;
      let support = 0;
      for (let j = 0; j < pts.length; j++) if (!taken[j] && diff(r.data, pts[i]!.o, pts[j]!.o, r.channels) <= D.clusterRadius) support++;
      if (support > bestSupport || (support === bestSupport && bestIndex >= 0 && pts[i]!.dist < pts[bestIndex]!.dist)) {
        bestSupport = support;
        bestIndex = i;
      }
    }
    if (bestIndex < 0 || bestSupport < minSupport) break;
    const centre = pts[bestIndex]!;
    const members: number[] = [];
    for (let j = 0; j < pts.length; j++) if (!taken[j] && diff(r.data, centre.o, pts[j]!.o, r.channels) <= D.clusterRadius) members.push(j);
    const mean = new Array<number>(r.channels).fill(0);
    for (const j of members) for (let c = 0; c < r.channels; c++) mean[c]! += r.data[pts[j]!.o + c]!;
    for (let c = 0; c < r.channels; c++) mean[c] = Math.round(mean[c]! / members.length);
    const devs = members.map((j) => {
      let m = 0;
      for (let c = 0; c < r.channels; c++) m = Math.max(m, Math.abs(r.data[pts[j]!.o + c]! - mean[c]!));
      return m;
    });
    devs.sort((u, v) => u - v);
    const spread = devs[Math.floor(devs.length * 0.9)] ?? 0;
    const tolerance = Math.min(D.maxColorTolerance, Math.max(D.colorTolerance, Math.ceil(spread * 1.25) + 1));
    let nearest = centre;
    for (const j of members) if (pts[j]!.dist < nearest.dist) nearest = pts[j]!;
    seeds.push({ x: nearest.x, y: nearest.y, color: mean, tolerance });
    for (const j of members) taken[j] = 1;
  }
  return seeds;
}

/** Max channel difference between the pixel at byte offset i and a colour. */
function diffTo(data: Buffer, i: number, color: Buffer, channels: number): number {
  let m = 0;
  for (let c = 0; c < channels; c++) {
    const d = Math.abs(data[i + c]! - color[c]!);
    if (d > m) m = d;
  }
  return m;
}

/** Max channel difference between pixels at byte offsets i and j. */
function diff(data: Buffer, i: number, j: number, channels: number): number {
  let m = 0;
  for (let c = 0; c < channels; c++) {
    const d = Math.abs(data[i + c]! - data[j + c]!);
    if (d > m) m = d;
  }
  return m;
}

/**
 * 4-connected fill from the seed over pixels close to the seed colour, or
 * (smooth gradients) close to the neighbour they are reached from and not too
 * far from the seed colour. Returns the bounding box and pixel count.
 */
function floodFill(r: Raster, seed: Seed): { box: BBox; count: number } {
  const { x: sx, y: sy } = seed;
  const D = SMART_DEFAULTS;
  const { width, height, channels, data } = r;
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const seedColor = Buffer.from(seed.color);
  let sp = 0;
  stack[sp++] = sy * width + sx;
  visited[sy * width + sx] = 1;
  let minX = sx;
  let maxX = sx;
  let minY = sy;
  let maxY = sy;
  let count = 0;
  while (sp > 0) {
    const p = stack[--sp]!;
    const px = p % width;
    const py = (p - px) / width;
    count++;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    const po = p * channels;
    for (let k = 0; k < 4; k++) {
      const nx = k === 0 ? px - 1 : k === 1 ? px + 1 : px;
      const ny = k === 2 ? py - 1 : k === 3 ? py + 1 : py;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const q = ny * width + nx;
      if (visited[q]) continue;
      const qo = q * channels;
      const fromSeed = diffTo(data, qo, seedColor, channels);
      if (fromSeed <= seed.tolerance || (fromSeed <= D.gradientTolerance && diff(data, qo, po, channels) <= D.stepTolerance)) {
        visited[q] = 1;
        stack[sp++] = q;
      }
    }
  }
  return { box: [minX, minY, maxX - minX + 1, maxY - minY + 1], count };
}

/**
 * Edge scan: from the click, walk left/right/up/down to the first luminance
 * step that runs along a band around the click's row (or column), so text
 * strokes are not taken for the element's border. All four sides need an
 * edge (an open side is how background looks), else the scan fails.
 */
function edgeBox(r: Raster, cx: number, cy: number): BBox | undefined {
  const lum = luminance(r);
  const { width, height } = r;
  const D = SMART_DEFAULTS;
  const band = D.edgeBand;
  const need = Math.ceil((2 * band + 1) * D.edgeBandShare);
  const strong = (a: number, b: number) => Math.abs(lum[a]! - lum[b]!) > D.edgeThreshold;
  /** Vertical edge between columns x and x+1 around row cy. */
  const vEdge = (x: number) => {
    let n = 0;
    for (let y = cy - band; y <= cy + band; y++) if (y >= 0 && y < height && strong(y * width + x, y * width + x + 1)) n++;
    return n >= need;
  };
  const hEdge = (y: number) => {
    let n = 0;
    for (let x = cx - band; x <= cx + band; x++) if (x >= 0 && x < width && strong(y * width + x, (y + 1) * width + x)) n++;
    return n >= need;
  };
  let left: number | undefined;
  for (let x = cx - 1; x >= 0; x--) if (vEdge(x)) { left = x + 1; break; }
  let right: number | undefined;
  for (let x = cx; x < width - 1; x++) if (vEdge(x)) { right = x + 1; break; }
  let top: number | undefined;
  for (let y = cy - 1; y >= 0; y--) if (hEdge(y)) { top = y + 1; break; }
  let bottom: number | undefined;
  for (let y = cy; y < height - 1; y++) if (hEdge(y)) { bottom = y + 1; break; }
  if (left === undefined || right === undefined || top === undefined || bottom === undefined) return undefined;
  return [left, top, right - left, bottom - top];
}

function luminance(r: Raster): Int16Array {
  const n = r.width * r.height;
  const out = new Int16Array(n);
  if (r.channels === 1) for (let i = 0; i < n; i++) out[i] = r.data[i]!;
  else for (let i = 0, o = 0; i < n; i++, o += 3) out[i] = (r.data[o]! * 299 + r.data[o + 1]! * 587 + r.data[o + 2]! * 114) / 1000;
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
