import type { BBox, ResolvedImage } from "@qontinui/export-core";
import sharp from "sharp";

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
  /** For flood_fill: the region under the click was content (label text, an icon's glyph) of the widget boxed; this is that region's box. */
  content_box?: BBox;
  /** For flood_fill and edges: share of the element's outline showing a clear colour step to the outside (mean of the box's four sides); see SMART_CONFIDENCE. */
  border_contrast?: number;
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
  /** Separate regions filled per seed colour (a click inside a letter's counter reaches the button from another pixel of its colour). */
  maxRegionsPerSeed: 4,
  /**
   * Content of a small widget belongs to the widget: a region whose box is ringed, `enclosureGaps` px outside,
   * by one colour (at least `enclosureShare` of the ring) that fills a widget-sized box (short side ≤ `widgetMaxSide.short`,
   * long side ≤ `widgetMaxSide.long`) is replaced by that widget when it is too small, sparse (fill ratio below
   * `contentMaxFill`: strokes of text, outlined glyphs) or covers at least `contentMinShare` of the widget's box (an icon's glyph).
   * A small solid element inside a widget (a clear button in a field) stays itself.
   */
  enclosureGaps: [2, 4, 6],
  enclosureShare: 0.75,
  widgetMaxSide: { short: 64, long: 480 },
  contentMaxFill: 0.6,
  contentMinShare: 0.08,
  /** Luminance step counted as an edge. */
  edgeThreshold: 24,
  /** Half-height (or half-width) of the band an edge must run along, and how much of it must be edge. */
  edgeBand: 6,
  edgeBandShare: 0.75,
} as const;

/**
 * How the confidence of a smart box is made (see `smartConfidence`):
 * `floor + (ceiling[strategy] - floor) × border_contrast × fill_factor`, with
 * `fill_factor = min(1, fill_ratio / fullFill)` for flood_fill and 1 for edges;
 * the fallback box gets `fallback`. `border_contrast` is the share of the
 * element's outline (seen from the four sides of its box) where one of the
 * `contrastDepth` pixels outward differs from the mean of the two outline
 * pixels inward by at least `contrastStep` in some channel; for a flood fill
 * the step needed grows by how far the fill's tolerance was widened for
 * noisy pixels (noise alone must not look like an edge).
 */
export const SMART_CONFIDENCE = {
  /** The fixed box smart mode falls back to: only a guess around the click. */
  fallback: 0.25,
  /** A box found with no pixel support at all (never below the fallback's). */
  floor: 0.3,
  ceiling: { flood_fill: 1, edges: 0.7 },
  fullFill: 0.5,
  contrastStep: 12,
  contrastDepth: 3,
} as const;

/** The confidence of a smart-mode box from its strategy and evidence (deterministic, in [0, 1], 3 decimals). */
export function smartConfidence(strategy: InferenceStrategy, borderContrast = 0, fillRatio = 1): number {
  const C = SMART_CONFIDENCE;
  if (strategy === "fixed_fallback") return C.fallback;
  const fillFactor = strategy === "flood_fill" ? Math.min(1, Math.max(0, fillRatio) / C.fullFill) : 1;
  const support = Math.min(1, Math.max(0, borderContrast)) * fillFactor;
  return round(C.floor + (C.ceiling[strategy] - C.floor) * support);
}

export type Inference = { ok: true; bbox: BBox; confidence: number; metadata: InferenceMetadata } | { ok: false; reason: string; window?: BBox };

/**
 * The boundary of the element under the click (integer pixel coordinates):
 * flood fill from the colours around the click in a window, a wider window
 * if the region leaked out of it, then an edge scan. Throws when the bytes
 * cannot be decoded.
 */
export async function inferElement(image: ResolvedImage, cx: number, cy: number): Promise<Inference> {
  const D = SMART_DEFAULTS;
  let raster = await decodeWindow(image, cx, cy, D.window.width, D.window.height);
  let result = floodStage(raster, cx, cy);
  const wider = raster.width < Math.min(D.wideWindow.width, image.width) || raster.height < Math.min(D.wideWindow.height, image.height);
  if (!result.ok && result.leaked && wider) {
    // The region goes on past the first window (a large panel, or the background): look wider before the edge scan.
    raster = await decodeWindow(image, cx, cy, D.wideWindow.width, D.wideWindow.height);
    result = floodStage(raster, cx, cy);
  }
  if (!result.ok) {
    const edges = edgeStage(raster, cx, cy);
    result = edges.ok ? { ...edges, metadata: { ...edges.metadata, reason: result.reason } } : { ...edges, reason: `${result.reason}, ${edges.reason}` };
  }
  const window: BBox = [raster.left, raster.top, raster.width, raster.height];
  if (!result.ok) return { ok: false, reason: result.reason, window };
  const { box, metadata } = result;
  const confidence = smartConfidence(metadata.strategy, metadata.border_contrast, metadata.fill_ratio);
  const meta: InferenceMetadata = { ...metadata, search_window: window };
  if (meta.content_box) meta.content_box = toImage(raster, meta.content_box);
  return { ok: true, bbox: toImage(raster, box), confidence, metadata: meta };
}

// ---------------------------------------------------------------------------
// Pixels
// ---------------------------------------------------------------------------

/** Pixels of a window of the image: `channels` (1 or 3) bytes per pixel, plus the fills' scratch space. */
interface Raster {
  left: number;
  top: number;
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  imageWidth: number;
  imageHeight: number;
  /** Id of the last fill that reached each pixel (0: none). */
  mark: Int32Array;
  stack: Int32Array;
  fills: number;
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
  const n = width * height;
  return { left, top, width, height, channels, data: pixels, imageWidth: image.width, imageHeight: image.height, mark: new Int32Array(n), stack: new Int32Array(n), fills: 0 };
}

/** Window box [x, y, w, h] → image box. */
function toImage(r: Raster, box: BBox): BBox {
  return [box[0] + r.left, box[1] + r.top, box[2], box[3]];
}

/** Max channel difference between the pixel at byte offset i and a colour. */
function diffTo(data: Buffer, i: number, color: readonly number[], channels: number): number {
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

/** Mean colour of the pixels at byte offsets `offsets`, and a fill tolerance widened by their spread (noisy pixels). */
function colourOf(data: Buffer, offsets: readonly number[], channels: number): { color: number[]; tolerance: number } {
  const D = SMART_DEFAULTS;
  const color = new Array<number>(channels).fill(0);
  for (const o of offsets) for (let c = 0; c < channels; c++) color[c]! += data[o + c]!;
  for (let c = 0; c < channels; c++) color[c] = Math.round(color[c]! / offsets.length);
  const devs = offsets.map((o) => diffTo(data, o, color, channels)).sort((u, v) => u - v);
  const spread = devs[Math.floor(devs.length * 0.9)] ?? 0;
  return { color, tolerance: Math.min(D.maxColorTolerance, Math.max(D.colorTolerance, Math.ceil(spread * 1.25) + 1)) };
}

// ---------------------------------------------------------------------------
// Flood fill
// ---------------------------------------------------------------------------

interface Seed {
  /** Mean colour of the pixels supporting this seed. */
  color: number[];
  /** Colour tolerance for the fill: the configured one, widened for noisy pixels. */
  tolerance: number;
  /** The supporting pixels within the tolerance, nearest the click first: fills start from them. */
  members: { x: number; y: number }[];
}

/** A 4-connected region: its bounding box (window coordinates), pixel count and colour. */
interface Region {
  /** The fill id its pixels were marked with (until a later fill reaches them). */
  id: number;
  box: BBox;
  count: number;
  color: number[];
  tolerance: number;
  /** The pixel the fill started from. */
  start: [number, number];
  /** Set when the fill stopped early (box and count are then partial). */
  stopped?: "leaked" | "background" | "too_large";
}

/**
 * The dominant colours of a small neighbourhood of the click (so a click on a
 * label's text still seeds from the button's fill): greedily, the pixel with
 * the most neighbourhood pixels within `clusterRadius` of its colour, then the
 * same among the pixels left.
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
    const { color, tolerance } = colourOf(r.data, members.map((j) => pts[j]!.o), r.channels);
    // Fills start only from pixels within the tolerance: a fill from an outlier would repeat its neighbours' region.
    // Stable sort: equal distances keep scan order.
    const near = members
      .map((j) => pts[j]!)
      .filter((p) => diffTo(r.data, p.o, color, r.channels) <= tolerance)
      .sort((a, b) => a.dist - b.dist);
    seeds.push({ color, tolerance, members: near.map(({ x, y }) => ({ x, y })) });
    for (const j of members) taken[j] = 1;
  }
  return seeds;
}

/**
 * 4-connected fill from (sx, sy) over pixels close to the colour, or (smooth
 * gradients) close to the neighbour they are reached from and not too far
 * from the colour. Marks the pixels it reaches with a fresh fill id. Stops
 * early, with `stopped` set, once the outcome is known: the region touches an
 * edge of the window that is not the image's (leaked), spans the background
 * share of the image both ways, or grows past `maxSide`.
 */
function floodFill(r: Raster, sx: number, sy: number, color: number[], tolerance: number, maxSide = Infinity): Region {
  const D = SMART_DEFAULTS;
  const { width, height, channels, data, mark, stack } = r;
  const id = ++r.fills;
  const c0 = color[0]!;
  const c1 = color[1] ?? 0;
  const c2 = color[2] ?? 0;
  const three = channels === 3;
  const grad = D.gradientTolerance;
  const stepTol = D.stepTolerance;
  // Window edges that are not image edges: reaching one means the region goes on beyond the window.
  const openLeft = r.left > 0;
  const openTop = r.top > 0;
  const openRight = r.left + width < r.imageWidth;
  const openBottom = r.top + height < r.imageHeight;
  const bgWidth = D.backgroundShare * r.imageWidth;
  const bgHeight = D.backgroundShare * r.imageHeight;
  const joins = (qo: number, po: number): boolean => {
    if (three) {
      const a = data[qo]!;
      const b = data[qo + 1]!;
      const c = data[qo + 2]!;
      const fromSeed = Math.max(Math.abs(a - c0), Math.abs(b - c1), Math.abs(c - c2));
      if (fromSeed <= tolerance) return true;
      if (fromSeed > grad) return false;
      return Math.max(Math.abs(a - data[po]!), Math.abs(b - data[po + 1]!), Math.abs(c - data[po + 2]!)) <= stepTol;
    }
    const fromSeed = Math.abs(data[qo]! - c0);
    if (fromSeed <= tolerance) return true;
    return fromSeed <= grad && Math.abs(data[qo]! - data[po]!) <= stepTol;
  };
  let sp = 0;
  stack[sp++] = sy * width + sx;
  mark[sy * width + sx] = id;
  let minX = sx;
  let maxX = sx;
  let minY = sy;
  let maxY = sy;
  let count = 0;
  let stopped: Region["stopped"];
  while (sp > 0) {
    const p = stack[--sp]!;
    const px = p % width;
    const py = (p - px) / width;
    count++;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
    if ((px === 0 && openLeft) || (py === 0 && openTop) || (px === width - 1 && openRight) || (py === height - 1 && openBottom)) stopped = "leaked";
    else if (maxX - minX + 1 >= bgWidth && maxY - minY + 1 >= bgHeight) stopped = "background";
    else if (maxX - minX >= maxSide || maxY - minY >= maxSide) stopped = "too_large";
    if (stopped) break;
    const po = p * channels;
    if (px > 0 && mark[p - 1] !== id && joins(po - channels, po)) {
      mark[p - 1] = id;
      stack[sp++] = p - 1;
    }
    if (px < width - 1 && mark[p + 1] !== id && joins(po + channels, po)) {
      mark[p + 1] = id;
      stack[sp++] = p + 1;
    }
    if (py > 0 && mark[p - width] !== id && joins(po - width * channels, po)) {
      mark[p - width] = id;
      stack[sp++] = p - width;
    }
    if (py < height - 1 && mark[p + width] !== id && joins(po + width * channels, po)) {
      mark[p + width] = id;
      stack[sp++] = p + width;
    }
  }
  const region: Region = { id, box: [minX, minY, maxX - minX + 1, maxY - minY + 1], count, color, tolerance, start: [sx, sy] };
  if (stopped) region.stopped = stopped;
  return region;
}

type Verdict = "ok" | "too_small" | "leaked" | "background";

function verdictOf(r: Raster, box: BBox, stopped?: Region["stopped"]): Verdict {
  const D = SMART_DEFAULTS;
  if (stopped === "leaked" || stopped === "background") return stopped;
  const [x, y, w, h] = box;
  if (w < D.minSide || h < D.minSide) return "too_small";
  // Touching a window edge that is not the image's edge: the region goes on beyond what we looked at.
  if ((x === 0 && r.left > 0) || (y === 0 && r.top > 0) || (x + w === r.width && r.left + r.width < r.imageWidth) || (y + h === r.height && r.top + r.height < r.imageHeight)) {
    return "leaked";
  }
  if (w >= D.backgroundShare * r.imageWidth && h >= D.backgroundShare * r.imageHeight) return "background";
  return "ok";
}

const holds = (box: BBox, x: number, y: number) => x >= box[0] && y >= box[1] && x < box[0] + box[2] && y < box[1] + box[3];
const area = (box: BBox) => box[2] * box[3];
const fillRatio = (region: Region) => region.count / area(region.box);

type Analysis = { ok: true; box: BBox; metadata: InferenceMetadata } | { ok: false; reason: string; leaked: boolean };

/**
 * Flood fill from every seed colour (up to `maxRegionsPerSeed` separate
 * regions each). A region holding the click is replaced by the widget it is
 * content of, if any; of the plausible results the smallest wins (the
 * innermost element under the click).
 */
function floodStage(r: Raster, icx: number, icy: number): Analysis {
  const D = SMART_DEFAULTS;
  const cx = icx - r.left;
  const cy = icy - r.top;
  const regions: Region[] = [];
  for (const seed of seedCandidates(r, cx, cy)) {
    const firstId = r.fills + 1;
    let filled = 0;
    for (const m of seed.members) {
      if (filled >= D.maxRegionsPerSeed) break;
      if (r.mark[m.y * r.width + m.x]! >= firstId) continue; // reached by this colour's fills already
      regions.push(floodFill(r, m.x, m.y, seed.color, seed.tolerance));
      filled++;
    }
  }

  const reasons = new Set<string>();
  let leaked = false;
  let best: { region: Region; content?: BBox } | undefined;
  for (const region of regions) {
    const verdict = verdictOf(r, region.box, region.stopped);
    if (verdict === "leaked") leaked = true;
    if (verdict !== "ok" && verdict !== "too_small") {
      reasons.add(`flood_fill ${verdict}`);
      continue;
    }
    if (!holds(region.box, cx, cy)) {
      reasons.add(`flood_fill ${verdict === "ok" ? "misses_click" : verdict}`);
      continue;
    }
    const widget = widgetOf(r, region);
    const found = widget ?? region;
    if (verdictOf(r, found.box) !== "ok") {
      reasons.add("flood_fill too_small");
      continue;
    }
    if (fillRatio(found) < D.minFillRatio) {
      reasons.add("flood_fill sparse");
      continue;
    }
    if (best === undefined || area(found.box) < area(best.region.box)) best = widget ? { region: widget, content: region.box } : { region };
  }
  if (best === undefined) return { ok: false, reason: [...reasons].join(", "), leaked };
  const C = SMART_CONFIDENCE;
  const { box, color, tolerance, start } = best.region;
  // Fill the winner again (later fills overwrote its marks) to see its outline.
  const { id } = floodFill(r, start[0], start[1], color, tolerance);
  const contrast = borderContrast(r, box, (p) => r.mark[p] === id, C.contrastStep + tolerance - D.colorTolerance);
  const metadata: InferenceMetadata = { strategy: "flood_fill", fill_ratio: round(fillRatio(best.region)), seed_color: color, border_contrast: round(contrast) };
  if (best.content) metadata.content_box = best.content;
  return { ok: true, box, metadata };
}

/** The widget `region` is content of (see SMART_DEFAULTS.enclosureGaps), climbing up to 3 levels (a ring glyph's hole → the ring → the tile); undefined if none. */
function widgetOf(r: Raster, region: Region): Region | undefined {
  const D = SMART_DEFAULTS;
  let current = region;
  let widget: Region | undefined;
  for (let level = 0; level < 3; level++) {
    const outer = enclosing(r, current.box);
    if (outer === undefined || verdictOf(r, outer.box) !== "ok") break;
    const [w, h] = [outer.box[2], outer.box[3]];
    if (Math.min(w, h) > D.widgetMaxSide.short || Math.max(w, h) > D.widgetMaxSide.long) break;
    const content = verdictOf(r, current.box) === "too_small" || fillRatio(current) < D.contentMaxFill || area(current.box) >= D.contentMinShare * area(outer.box);
    if (!content) break;
    widget = current = outer;
  }
  return widget;
}

/**
 * The region of the one colour ringing `box`, if at least `enclosureShare` of
 * a ring `enclosureGaps` px outside the box (the first gap that qualifies:
 * a glyph's own outline can cross the nearest ring) has that colour and its
 * region strictly contains the box.
 */
function enclosing(r: Raster, box: BBox): Region | undefined {
  const D = SMART_DEFAULTS;
  for (const g of D.enclosureGaps) {
    const x0 = box[0] - g;
    const y0 = box[1] - g;
    const x1 = box[0] + box[2] - 1 + g;
    const y1 = box[1] + box[3] - 1 + g;
    if (x0 < 0 || y0 < 0 || x1 >= r.width || y1 >= r.height) return undefined;
    const ring: number[] = [];
    for (let x = x0; x <= x1; x++) ring.push(y0 * r.width + x, y1 * r.width + x);
    for (let y = y0 + 1; y < y1; y++) ring.push(y * r.width + x0, y * r.width + x1);
    const median = new Array<number>(r.channels);
    for (let c = 0; c < r.channels; c++) {
      const values = ring.map((p) => r.data[p * r.channels + c]!).sort((u, v) => u - v);
      median[c] = values[values.length >> 1]!;
    }
    const members = ring.filter((p) => diffTo(r.data, p * r.channels, median, r.channels) <= D.clusterRadius);
    if (members.length < D.enclosureShare * ring.length) continue;
    const { color, tolerance } = colourOf(r.data, members.map((p) => p * r.channels), r.channels);
    const start = members[0]!;
    // Only a widget-sized region can qualify: stop filling the background early.
    const outer = floodFill(r, start % r.width, Math.floor(start / r.width), color, tolerance, D.widgetMaxSide.long);
    if (outer.stopped) return undefined;
    const [ox, oy, ow, oh] = outer.box;
    if (ox < box[0] && oy < box[1] && ox + ow > box[0] + box[2] && oy + oh > box[1] + box[3]) return outer;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Edge scan
// ---------------------------------------------------------------------------

function edgeStage(r: Raster, icx: number, icy: number): Analysis {
  const box = edgeBox(r, icx - r.left, icy - r.top);
  if (box === undefined) return { ok: false, reason: "edges none", leaked: false };
  const verdict = verdictOf(r, box);
  if (verdict === "ok") return { ok: true, box, metadata: { strategy: "edges", border_contrast: round(borderContrast(r, box, () => true, SMART_CONFIDENCE.contrastStep)) } };
  return { ok: false, reason: `edges ${verdict}`, leaked: verdict === "leaked" };
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

// ---------------------------------------------------------------------------
// Confidence evidence
// ---------------------------------------------------------------------------

/**
 * Share of the element's outline with a clear colour step to the outside,
 * the mean of the four sides' shares. From each position along a side of the
 * box, the outline is the first pixel inward that `inside` accepts (the
 * region's own pixel, so round and diamond shapes are judged by their
 * silhouette, not by the corners of their box). A position counts as clear
 * when one of the `contrastDepth` pixels outward of that pixel differs from
 * the mean of it and the next one inward by `contrastStep` in some channel.
 * Positions with nothing outward inside the image are not counted; a side
 * with no counted position is left out.
 */
function borderContrast(r: Raster, box: BBox, inside: (p: number) => boolean, step: number): number {
  const C = SMART_CONFIDENCE;
  const [bx, by, bw, bh] = box;
  const { width, height, channels, data } = r;
  const mean = new Array<number>(channels);
  /** From (x, y) on the box's edge, walking inward along (ix, iy) at most `depth` px: clear step, no step, or not counted. */
  const probe = (x: number, y: number, ix: number, iy: number, depth: number): boolean | undefined => {
    let d = 0;
    while (d < depth && !inside((y + iy * d) * width + (x + ix * d))) d++;
    if (d === depth) return undefined;
    const ex = x + ix * d;
    const ey = y + iy * d;
    const a = (ey * width + ex) * channels;
    const b = ((ey + iy) * width + (ex + ix)) * channels;
    for (let c = 0; c < channels; c++) mean[c] = (data[a + c]! + data[b + c]!) / 2;
    let seen = false;
    for (let k = 1; k <= C.contrastDepth; k++) {
      const ox = ex - ix * k;
      const oy = ey - iy * k;
      if (ox < 0 || oy < 0 || ox >= width || oy >= height) break;
      seen = true;
      if (diffTo(data, (oy * width + ox) * channels, mean, channels) >= step) return true;
    }
    return seen ? false : undefined;
  };
  const shares: number[] = [];
  const side = (length: number, at: (i: number) => boolean | undefined) => {
    let counted = 0;
    let clear = 0;
    for (let i = 0; i < length; i++) {
      const s = at(i);
      if (s === undefined) continue;
      counted++;
      if (s) clear++;
    }
    if (counted > 0) shares.push(clear / counted);
  };
  const halfW = Math.floor(bw / 2);
  const halfH = Math.floor(bh / 2);
  side(bw, (i) => probe(bx + i, by, 0, 1, halfH));
  side(bw, (i) => probe(bx + i, by + bh - 1, 0, -1, halfH));
  side(bh, (i) => probe(bx, by + i, 1, 0, halfW));
  side(bh, (i) => probe(bx + bw - 1, by + i, -1, 0, halfW));
  return shares.length === 0 ? 0 : shares.reduce((s, v) => s + v, 0) / shares.length;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
