import { aboveMinSide, CONTROL_SIZE, type ControlLimits, withinControlSize } from "./control-size.js";
import { colourDistance, colourGap, offsetOf, type Raster, type Rect, rectHeight, rectWidth, type Scratch } from "./raster.js";
import { colourOf, dominantColours, type FillLimits, fillRegion, neighbourhood, type Region, ring } from "./region-fill.js";

/** Tuning of the filled-element strategy (exported with SMART_DEFAULTS). */
export const FILLED_ELEMENT = {
  /** Radius of the neighbourhood of the click whose colours seed the fills. */
  seedRadius: 4,
  /** Seed colours tried, most frequent first, and separate regions filled per colour (the hole of an "O" and the button around it). */
  maxSeeds: 3,
  maxRegionsPerSeed: 3,
  /** Smallest filled share of a control's box (an outline-only ring is not a control). */
  minFillRatio: 0.2,
  /** An outline of a region's own lies within this many px of it on every side. */
  outlineSlack: 4,
  /**
   * Content of a widget belongs to the widget: a region ringed, `enclosureGaps` px outside its box,
   * by one colour (at least `enclosureShare` of the ring) whose region is control-sized and strictly
   * contains it, is replaced by that region when it is too small, sparse (fill ratio below
   * `contentMaxFill`: strokes of text, an outlined glyph) or covers at least `contentMinShare` of it
   * (an icon's glyph). Up to 3 levels (a ring glyph's hole → the ring → the tile).
   */
  enclosureGaps: [2, 4, 6],
  enclosureShare: 0.75,
  contentMaxFill: 0.6,
  contentMinShare: 0.08,
  /** Step of colour across a control's outline counted as a visible edge, and how far outward it is looked for. */
  contrastStep: 12,
  contrastDepth: 3,
  /** A one-colour region with a side of less border contrast than this continues as a gradient (a gradient button): it is filled again following the gradient. */
  gradientBelowContrast: 0.5,
  /** A pixel inside a region counts as content when it differs from the region's colour by more than this (and twice the fill's tolerance). */
  holeContrast: 24,
  /** Items of one band of content are separated by gaps of at least this × the height of its strokes (median over columns). */
  itemGap: 1.75,
  /** A row's separator: a line at most this thick (px) with the row's colour beyond, along this share of its edge. */
  ruleMaxWidth: 3,
  ruledShare: 0.85,
} as const;

/** Enclosures looked for in this click: regions found (by fill id), and colours of those larger than a control. */
interface Enclosures {
  found: Region[];
  stopped: { colour: number[]; tolerance: number }[];
}

/** A control with its own fill or outline (button, field, boxed tab, filled row, switch track, checkbox). */
export interface FilledElement {
  box: Rect;
  region: Region;
  /** The region under the click when it was content (a label, a glyph) of this control. */
  content?: Rect;
  fillRatio: number;
  /** Share of the outline with a clear colour step to the outside (0-1). */
  borderContrast: number;
  /** Rows of content (text lines) inside the control. */
  bands: number;
}

export interface FillStage {
  element?: FilledElement;
  /** The region the click lies on when it is larger than a control (panel, card, page): the background of content. */
  background?: Region;
  /** The smallest complete region holding the click when it is not a control (a letter, a glyph, an icon). */
  under?: Region;
}

/** Whether `outer` holds `inner` with at most `slack` px to spare on each side. */
const hugs = (outer: Rect, inner: Rect, slack: number) => inner.x0 - outer.x0 <= slack && inner.y0 - outer.y0 <= slack && outer.x1 - inner.x1 <= slack && outer.y1 - inner.y1 <= slack;
const holds = (b: Rect, x: number, y: number) => x >= b.x0 && y >= b.y0 && x < b.x1 && y < b.y1;
const area = (b: Rect) => rectWidth(b) * rectHeight(b);
const fillRatio = (region: Region) => region.count / area(region.box);

/**
 * Flood fills from the colours around the click, inside `window`. The
 * smallest region holding the click that is a control wins (after replacing
 * content by the widget it belongs to); a region larger than a control, or
 * holding content in several bands (a card), is the background instead.
 */
export function fillStage(r: Raster, s: Scratch, cx: number, cy: number, window: Rect, limits: ControlLimits): FillStage {
  const F = FILLED_ELEMENT;
  const fill: FillLimits = { rect: window, maxWidth: limits.maxWidth, maxHeight: limits.maxHeight, maxCount: limits.maxArea };
  const seeds = dominantColours(r, neighbourhood(window, cx, cy, F.seedRadius), cx, cy, F.maxSeeds, 0.05);
  const out: FillStage = {};
  let best: { el: FilledElement; area: number } | undefined;
  // Regions found larger than a control in this click: a pixel still marked by one needs no second fill.
  const containers = new Set<number>();
  const known = (x: number, y: number) => containers.has(s.mark[(y - r.top) * r.width + (x - r.left)]!);
  // Colours of enclosures found larger than a control: the next letter ringed by one is not filled again.
  const enclosures: Enclosures = { found: [], stopped: [] };
  for (const seed of seeds) {
    const firstId = s.fills + 1;
    let filled = 0;
    for (const m of seed.members) {
      if (filled >= F.maxRegionsPerSeed) break;
      if (s.mark[(m[1] - r.top) * r.width + (m[0] - r.left)]! >= firstId || known(m[0], m[1])) continue;
      filled++;
      const region = fillShape(r, s, m, seed.colour, seed.tolerance, fill);
      if (region.stopped) {
        containers.add(region.id);
        if (!out.background || region.count > out.background.count) out.background = region;
        continue;
      }
      if (!holds(region.box, cx, cy)) continue;
      if (!out.under || area(region.box) < area(out.under.box)) out.under = region;
      const { widget, outline } = widgetOf(r, s, region, fill, known, enclosures);
      // The widget the region is content of, else the region itself (a field inside an app bar: the bar is no control).
      for (const found of widget ? [widget, region] : [region]) {
        const el = asControl(r, s, found, found === widget ? outline : widget ? undefined : outline, fill, out);
        if (!el) continue;
        if (found === widget) el.content = region.box;
        if (!best || area(el.box) < best.area) best = { el, area: area(el.box) };
        break;
      }
    }
  }
  if (best) out.element = best.el;
  return out;
}

/**
 * `found` as a control, if it is one: large enough, filled enough, not
 * chrome (spanning to the top or bottom of the screen: an app bar, a status
 * bar), not holding content in three bands (a card) or in two unless row-shaped
 * (a two-line list row), not holding more than `maxItems` items side by side
 * (a toolbar, a tab bar). A container is kept as the background.
 */
function asControl(r: Raster, s: Scratch, found: Region, outline: Rect | undefined, fill: FillLimits, out: FillStage): FilledElement | undefined {
  const F = FILLED_ELEMENT;
  if (!aboveMinSide(found.box) || fillRatio(found) < F.minFillRatio) return undefined;
  // Marks of `found` may have been overwritten by later fills (enclosures looked for): then fill it again, the same way, to read its holes and outline.
  const intact = s.mark[(found.start[1] - r.top) * r.width + (found.start[0] - r.left)] === found.id;
  const again = intact ? found : fillRegion(r, s, [found.start], found.colour, found.tolerance, { ...fill, gradient: found.gradient });
  const { bands, maxItems } = contentLayout(r, s, again);
  const w = rectWidth(found.box);
  const h = rectHeight(found.box);
  // Chrome (an app bar, a status bar) spans to the top or bottom of the screen; controls do not.
  const chrome = found.box.y0 === 0 || found.box.y1 === r.imageHeight;
  const items = maxItems > CONTROL_SIZE.maxItems && maxItems <= CONTROL_SIZE.ruledRowMaxItems && ruledRow(r, s, again) ? CONTROL_SIZE.maxItems : maxItems;
  if (chrome || bands >= 3 || (bands === 2 && w < CONTROL_SIZE.twoBandMinAspect * h) || items > CONTROL_SIZE.maxItems) {
    if (!out.background || found.count > out.background.count) out.background = found;
    // A container is what content lies on, not the small thing under the click.
    if (out.under === found) delete out.under;
    return undefined;
  }
  return { box: outline ?? found.box, region: found, fillRatio: fillRatio(found), borderContrast: borderContrast(r, s, again), bands };
}

/**
 * Whether the region is a row ruled off from a sibling of its own colour: along
 * its top or bottom edge, a thin line (a separator, at most `ruleMaxWidth` px)
 * with the region's colour again beyond it, over at least `ruledShare` of the
 * edge (the rows of a separated list; a toolbar or a tab bar ends in another
 * colour).
 */
function ruledRow(r: Raster, s: Scratch, region: Region): boolean {
  return ruledEdge(r, s, region, -1) || ruledEdge(r, s, region, 1);
}

function ruledEdge(r: Raster, s: Scratch, region: Region, dir: -1 | 1): boolean {
  const F = FILLED_ELEMENT;
  const { box, id, colour } = region;
  const { width, data, left, top } = r;
  const same = region.tolerance;
  const edge = dir < 0 ? box.y0 : box.y1 - 1;
  const step = Math.max(2, Math.floor(rectWidth(box) / 64));
  let sampled = 0;
  let ruled = 0;
  for (let x = box.x0 + step; x < box.x1 - step; x += step) {
    if (s.mark[(edge - top) * width + (x - left)] !== id) continue;
    sampled++;
    // Outward: 1 to ruleMaxWidth pixels unlike the region (a dark theme's separator differs by a few levels only), then its colour again.
    let y = edge + dir;
    let line = 0;
    while (line < F.ruleMaxWidth && y >= top && y < top + r.height) {
      if (colourDistance(data, offsetOf(r, x, y), colour) <= region.tolerance) break;
      line++;
      y += dir;
    }
    if (line === 0 || y < top || y >= top + r.height) continue;
    if (colourDistance(data, offsetOf(r, x, y), colour) <= same) ruled++;
  }
  return sampled >= 8 && ruled >= F.ruledShare * sampled;
}

/**
 * The region of one colour from `start`; when its outline shows no clear step
 * it is part of a gradient (a gradient button, a shaded bar) and is filled
 * again following the gradient. (Following gradients from the start would
 * leak through the soft anti-aliased edge of a low-contrast shape.)
 */
function fillShape(r: Raster, s: Scratch, start: [number, number], colour: number[], tolerance: number, fill: FillLimits): Region {
  const strict = fillRegion(r, s, [start], colour, tolerance, { ...fill, gradient: false });
  if (strict.stopped || weakestSide(r, s, strict) >= FILLED_ELEMENT.gradientBelowContrast) return strict;
  const graded = fillRegion(r, s, [start], colour, tolerance, fill);
  if (!graded.stopped) return graded;
  // The gradient leads out (a tab open at its bottom): the one-colour region it is, marked again.
  return fillRegion(r, s, [start], colour, tolerance, { ...fill, gradient: false });
}

/**
 * The widget `region` is content of (see FILLED_ELEMENT), climbing up to 3
 * levels, and the outline around the result when the ring around it is a
 * thin outline of its own (a bordered field or checkbox): its box is the
 * element's.
 */
function widgetOf(r: Raster, s: Scratch, region: Region, fill: FillLimits, known: (x: number, y: number) => boolean, enclosures: Enclosures): { widget?: Region; outline?: Rect } {
  const F = FILLED_ELEMENT;
  let current = region;
  let widget: Region | undefined;
  for (let level = 0; level < 3; level++) {
    const outer = enclosing(r, s, current.box, fill, known, enclosures);
    if (outer === undefined) break;
    if (fillRatio(outer) < F.minFillRatio) {
      // A thin outline of its own hugs the region (a bordered field, a checkbox); one around a strip of such regions (a tab bar's) does not.
      if (!hugs(outer.box, current.box, F.outlineSlack)) break;
      return widget ? { widget, outline: outer.box } : { outline: outer.box };
    }
    const small = !aboveMinSide(current.box);
    const content = small || fillRatio(current) < F.contentMaxFill || area(current.box) >= F.contentMinShare * area(outer.box);
    if (!content) break;
    widget = current = outer;
  }
  return widget ? { widget } : {};
}

/**
 * The control-sized region of the one colour ringing `box` (at least
 * `enclosureShare` of a ring `enclosureGaps` px outside it: the first gap
 * that qualifies, as a glyph's own outline can cross the nearest ring) that
 * strictly contains the box.
 */
function enclosing(r: Raster, s: Scratch, box: Rect, fill: FillLimits, known: (x: number, y: number) => boolean, enclosures: Enclosures): Region | undefined {
  const F = FILLED_ELEMENT;
  for (const g of F.enclosureGaps) {
    if (box.x0 - g < fill.rect.x0 || box.y0 - g < fill.rect.y0 || box.x1 + g > fill.rect.x1 || box.y1 + g > fill.rect.y1) return undefined;
    const points = ring(fill.rect, box, g);
    const offsets = points.map(([x, y]) => offsetOf(r, x, y));
    const median = [0, 1, 2].map((c) => {
      const values = offsets.map((o) => r.data[o + c]!).sort((u, v) => u - v);
      return values[values.length >> 1]!;
    });
    const members = points.filter((_, i) => colourDistance(r.data, offsets[i]!, median) <= 16);
    if (members.length < F.enclosureShare * points.length) continue;
    const { colour, tolerance } = colourOf(
      r.data,
      members.map(([x, y]) => offsetOf(r, x, y)),
    );
    const [mx, my] = members[0]!;
    if (known(mx, my) || enclosures.stopped.some((e) => colourGap(e.colour, colour) <= e.tolerance)) return undefined;
    // The same widget rings each letter of its label: fill it once.
    const markedBy = s.mark[(my - r.top) * r.width + (mx - r.left)]!;
    let outer = enclosures.found.find((e) => e.id === markedBy);
    if (!outer) {
      outer = fillShape(r, s, members[0]!, colour, tolerance, fill);
      if (outer.stopped) enclosures.stopped.push({ colour, tolerance });
      else enclosures.found.push(outer);
    }
    if (outer.stopped || !withinControlSize(outer.box, { maxWidth: fill.maxWidth, maxHeight: fill.maxHeight, maxArea: fill.maxCount })) return undefined;
    const o = outer.box;
    if (o.x0 < box.x0 && o.y0 < box.y0 && o.x1 > box.x1 && o.y1 > box.y1) return outer;
  }
  return undefined;
}

/**
 * Content inside a region: rows with holes between the region's first and
 * last pixel (its own rounded corners are not content), grouped into bands
 * separated by at least 2 clear rows (bands under 3 rows are ignored); and
 * in each band, items: runs of columns with holes separated by gaps of at
 * least `itemGap` × the band's height (an icon and its label are one item,
 * the buttons of a toolbar are several).
 */
function contentLayout(r: Raster, s: Scratch, region: Region): { bands: number; maxItems: number } {
  const { box, id, colour } = region;
  const bw = box.x1 - box.x0;
  const rows = box.y1 - box.y0;
  // A hole is a pixel clearly unlike the region (JPEG noise just beyond the fill's tolerance is not content),
  // between its first and last pixel on the row. Marked once in `holes` (one byte a pixel of the box).
  const unlike = Math.max(FILLED_ELEMENT.holeContrast, 2 * region.tolerance);
  const holes = s.bytes;
  const { mark } = s;
  const { data, width, left, top, pixelBytes } = r;
  const c0 = colour[0]!;
  const c1 = colour[1]!;
  const c2 = colour[2]!;
  for (let y = 0; y < rows; y++) {
    const row = (y + box.y0 - top) * width - left;
    const rowByte = offsetOf(r, 0, y + box.y0);
    const at = y * bw - box.x0;
    let first = -1;
    let last = -1;
    for (let x = box.x0; x < box.x1; x++) {
      if (mark[row + x] === id) {
        if (first < 0) first = x;
        last = x;
      }
    }
    for (let x = box.x0; x < box.x1; x++) {
      let hole = 0;
      if (x > first && x < last && mark[row + x] !== id) {
        const o = rowByte + x * pixelBytes;
        const d = Math.max(Math.abs(data[o]! - c0), Math.abs(data[o + 1]! - c1), Math.abs(data[o + 2]! - c2));
        if (d > unlike) hole = 1;
      }
      holes[at + x] = hole;
    }
  }
  return layoutOfHoles(holes, bw, rows);
}

/**
 * Bands and items of content in a box, from its holes (`holes[y * width + x]`
 * is 1 where content is): bands are runs of rows with at least 2 holes, apart
 * by at least 2 clear rows (bands under 3 rows are ignored); in each band,
 * items are runs of columns with holes separated by gaps of at least
 * `itemGap` × the band's stroke height.
 */
export function layoutOfHoles(holes: Uint8Array, bw: number, rows: number): { bands: number; maxItems: number } {
  const content = new Uint8Array(rows);
  for (let y = 0; y < rows; y++) {
    let count = 0;
    for (let x = y * bw, end = x + bw; x < end && count < 2; x++) count += holes[x]!;
    content[y] = count >= 2 ? 1 : 0;
  }
  // Bands: runs of rows with content, apart by at least 2 clear rows; under 3 rows they are ignored.
  const bands: [number, number][] = [];
  let start = -1;
  let clear = 2;
  for (let y = 0; y <= rows; y++) {
    if (y < rows && content[y]) {
      if (start < 0 || clear >= 2) {
        if (start >= 0 && y - clear - start >= 3) bands.push([start, y - clear]);
        start = y;
      }
      clear = 0;
    } else clear++;
  }
  if (start >= 0 && rows - clear - start >= 3) bands.push([start, rows - Math.min(clear, rows - start)]);
  let maxItems = 0;
  for (const [y0, y1] of bands) {
    // The height of the content's strokes: the median over columns of their holes' vertical extent (text, not a nested pill).
    const extents: number[] = [];
    const hasHole = new Uint8Array(bw);
    for (let x = 0; x < bw; x++) {
      let first = -1;
      let last = -1;
      for (let y = y0; y < y1; y++) {
        if (holes[y * bw + x]) {
          if (first < 0) first = y;
          last = y;
        }
      }
      if (first >= 0) {
        extents.push(last - first + 1);
        hasHole[x] = 1;
      }
    }
    extents.sort((u, v) => u - v);
    const minGap = Math.max(8, FILLED_ELEMENT.itemGap * (extents[extents.length >> 1] ?? y1 - y0));
    let items = 0;
    let gap = Infinity;
    for (let x = 0; x < bw; x++) {
      if (hasHole[x]) {
        if (gap >= minGap) items++;
        gap = 0;
      } else gap++;
    }
    maxItems = Math.max(maxItems, items);
  }
  return { bands: bands.length, maxItems };
}

/**
 * Share of the region's outline with a clear colour step to the outside, the
 * mean of the four sides' shares. From each position along a side of the
 * box, the outline is the first pixel of the region inward (round shapes are
 * judged by their silhouette); a position is clear when one of the
 * `contrastDepth` pixels outward differs from the mean of the outline pixel
 * and the next one inward by `contrastStep` plus how far the fill's tolerance
 * was widened for noise. Positions with nothing outward in the raster are not
 * counted; a side with none is left out.
 */
function borderContrast(r: Raster, s: Scratch, region: Region): number {
  const shares = sideContrasts(r, s, region);
  return shares.length === 0 ? 0 : shares.reduce((t, v) => t + v, 0) / shares.length;
}

/** The border contrast of the region's weakest side. */
function weakestSide(r: Raster, s: Scratch, region: Region): number {
  const shares = sideContrasts(r, s, region);
  return shares.length === 0 ? 0 : Math.min(...shares);
}

/** Border contrast of each side of the region's box (see borderContrast). */
function sideContrasts(r: Raster, s: Scratch, region: Region): number[] {
  const F = FILLED_ELEMENT;
  const { box, id } = region;
  const step = F.contrastStep + region.tolerance - 6;
  const { width, height, data, left, top } = r;
  const inside = (x: number, y: number) => s.mark[(y - top) * width + (x - left)] === id;
  const mean = [0, 0, 0];
  const probe = (x: number, y: number, ix: number, iy: number, depth: number): boolean | undefined => {
    let d = 0;
    while (d < depth && !inside(x + ix * d, y + iy * d)) d++;
    if (d === depth) return undefined;
    const ex = x + ix * d;
    const ey = y + iy * d;
    const a = offsetOf(r, ex, ey);
    const b = offsetOf(r, ex + ix, ey + iy);
    for (let c = 0; c < 3; c++) mean[c] = (data[a + c]! + data[b + c]!) / 2;
    let seen = false;
    for (let k = 1; k <= F.contrastDepth; k++) {
      const ox = ex - ix * k;
      const oy = ey - iy * k;
      if (ox < left || oy < top || ox >= left + width || oy >= top + height) break;
      seen = true;
      if (colourDistance(data, offsetOf(r, ox, oy), mean) >= step) return true;
    }
    return seen ? false : undefined;
  };
  const shares: number[] = [];
  const side = (length: number, at: (i: number) => boolean | undefined) => {
    let counted = 0;
    let clear = 0;
    for (let i = 0; i < length; i++) {
      const v = at(i);
      if (v === undefined) continue;
      counted++;
      if (v) clear++;
    }
    if (counted > 0) shares.push(clear / counted);
  };
  const bw = rectWidth(box);
  const bh = rectHeight(box);
  const halfW = Math.max(1, Math.floor(bw / 2));
  const halfH = Math.max(1, Math.floor(bh / 2));
  side(bw, (i) => probe(box.x0 + i, box.y0, 0, 1, halfH));
  side(bw, (i) => probe(box.x0 + i, box.y1 - 1, 0, -1, halfH));
  side(bh, (i) => probe(box.x0, box.y0 + i, 1, 0, halfW));
  side(bh, (i) => probe(box.x1 - 1, box.y0 + i, -1, 0, halfW));
  return shares;
}
