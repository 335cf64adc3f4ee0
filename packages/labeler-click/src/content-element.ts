import { type ControlLimits, withinControlSize } from "./control-size.js";
import { ForegroundParts } from "./foreground-parts.js";
import { listRow } from "./list-row.js";
import { colourGap, covers, gapX, intersect, overlapX, overlapY, type Raster, type Rect, rasterRect, rectHeight as h, rectWidth as w, type Scratch, union, windowAround } from "./raster.js";
import { type Group, groupLines, joinReach, TEXT_LINES } from "./text-lines.js";

/** Tuning of the content strategy (exported with SMART_DEFAULTS). */
export const CONTENT_ELEMENT = {
  /** The window content is followed in around the click (half width, half height, px); `wideHalfWidth` when a line or row reaches its side. */
  window: { halfWidth: 200, halfHeight: 96, wideHalfWidth: 400 },
  /** First look: drawn content within `probe` px of the click. */
  probe: 16,
  /** A click this close (px) to drawn content counts as on it; farther, the click is on empty space. */
  reach: 4,
  /** An underline bar (a selected tab's) this far below a text line, at most, belongs to it (× line height). */
  decorationGap: 1.3,
  /** A leading glyph is a checkbox or radio when square (aspect within 1 ± `boxAspect`), closed (filled, or an outline around its middle), at most `boxMaxSize` × the text's height, and not in the text's ink colour. */
  boxAspect: 0.35,
  boxMaxSize: 2.2,
  /** …and drawn in at most this many pieces (a box and its tick, a ring and its dot; a menu icon's three bars are no checkbox). */
  boxMaxParts: 2,
} as const;

export type ContentKind = "glyph" | "text_line" | "checkbox_label" | "list_row";

/** Content without a fill of its own: a glyph icon, a text line (link, label, tab), a checkbox or radio with its label, a list item's row. */
export interface ContentElement {
  kind: ContentKind;
  box: Rect;
  /** Connected pieces of drawn content in the line. */
  parts: number;
  /** Height of the text line (or glyph), px. */
  lineHeight: number;
  /** Gap to the nearest other content on the line, as a multiple of the gap that would have joined it (capped where the search stopped). */
  isolation: number;
  /** Whether the click is on a drawn pixel (not beside it). */
  onInk: boolean;
  /** The line, or the background of its row, reaches a side of the window searched: a wider one may show more. */
  truncated?: boolean;
  /** list_row: the text line (with its icon) the row holds. */
  line?: Rect;
  /** The glyph or word under the click (or the seed control): its box, and whether it is a solid shape. */
  piece?: { box: Rect; solid: boolean };
}

export type ContentResult = { ok: true; element: ContentElement } | { ok: false; reason: "empty_space" | "content_too_large" | "click_on_container" };

/** What the content lies on: its colour and the fill tolerance around it. */
export interface Background {
  colour: number[];
  tolerance: number;
}

/**
 * The content under the click, on `bg`: drawn pixels (those unlike the
 * background) near the click are split into connected parts, which join
 * into glyphs and words, words of one ink into text lines, a leading glyph
 * into the line after it (see TEXT_LINES); the line is followed as far as
 * its joins reach. The line or glyph under the click (or holding `seed`, a
 * small control found by its fill) is the element; a line in a column of
 * aligned lines is a list item, boxed as its row. Nothing within `reach` px
 * of the click: empty space.
 */
export function contentStage(r: Raster, s: Scratch, cx: number, cy: number, bg: Background, limits: ControlLimits, seed?: Rect): ContentResult {
  const K = CONTENT_ELEMENT;
  const first = contentIn(r, s, cx, cy, bg, limits, seed, K.window.halfWidth);
  if (!first.ok || !first.element.truncated) return first;
  // A wider look that finds nothing whole (the line runs into a panel beside it) does not undo the first.
  const wide = contentIn(r, s, cx, cy, bg, limits, seed, K.window.wideHalfWidth);
  return wide.ok ? wide : first;
}

function contentIn(r: Raster, s: Scratch, cx: number, cy: number, bg: Background, limits: ControlLimits, seed: Rect | undefined, halfWidth: number): ContentResult {
  const K = CONTENT_ELEMENT;
  const win = intersect(rasterRect(r), windowAround(cx, cy, halfWidth, K.window.halfHeight, r.imageWidth, r.imageHeight));
  const fg = new ForegroundParts(r, s, win, bg.colour, bg.tolerance, limits);
  const near: Rect = seed ? { x0: seed.x0 - 2, y0: seed.y0 - 2, x1: seed.x1 + 2, y1: seed.y1 + 2 } : { x0: cx - K.probe, y0: cy - K.probe, x1: cx + K.probe + 1, y1: cy + K.probe + 1 };
  fg.scan(near);
  const onPart = seed ? -1 : fg.partAt(cx, cy);
  if (onPart >= 0 && fg.parts[onPart]!.wall) return { ok: false, reason: "click_on_container" };

  // Follow the clicked line as far as its joins reach.
  let scanned = intersect(near, win);
  let found: Found | undefined;
  for (let round = 0; round < 12; round++) {
    found = pick(fg, cx, cy, seed, onPart);
    if (!found) break;
    const reach = joinReach(found.lineHeight);
    let want = intersect({ x0: found.box.x0 - reach.x, y0: found.box.y0 - reach.y, x1: found.box.x1 + reach.x, y1: found.box.y1 + reach.y + Math.ceil(K.decorationGap * found.lineHeight) }, win);
    // A word within reach may go on beyond what was scanned (its next letters): until it is whole it may not look like text, and so not join.
    const ahead = Math.ceil(found.lineHeight);
    for (const g of found.lines.groups) {
      if (g.x1 <= want.x0 || g.x0 >= want.x1 || g.y1 <= want.y0 || g.y0 >= want.y1) continue;
      if (g.x0 - scanned.x0 < ahead || scanned.x1 - g.x1 < ahead) want = union(want, intersect({ x0: g.x0 - ahead, y0: g.y0, x1: g.x1 + ahead, y1: g.y1 }, win));
    }
    if (covers(scanned, want)) break;
    fg.scan(want);
    scanned = union(scanned, want);
  }
  if (!found) return { ok: false, reason: "empty_space" };

  const { members, lines, lineId, lineHeight } = found;
  const box = { ...found.box };
  const texts = members.filter((g) => g.text);
  // A selected tab's underline: a bar just below the line, about as wide.
  if (texts.length) {
    for (const g of lines.groups) {
      if (!g.bar || members.includes(g)) continue;
      const below = g.y0 - box.y1;
      if (below < 0 || below > K.decorationGap * lineHeight) continue;
      if (overlapX(g, box) < 0.6 * w(box) || w(g) > 2.5 * w(box) + 2 * lineHeight) continue;
      box.x0 = Math.min(box.x0, g.x0);
      box.x1 = Math.max(box.x1, g.x1);
      box.y1 = Math.max(box.y1, g.y1);
    }
  }
  if (!withinControlSize(box, limits)) return { ok: false, reason: "content_too_large" };

  // How far the nearest other content on the line is, against the gap that would have joined it (as far as was looked).
  const reach = joinReach(lineHeight);
  let isolation = Math.max(1, reach.x / Math.max(1, TEXT_LINES.leadGap * lineHeight));
  for (const [i, g] of lines.groups.entries()) {
    if (lines.lineOf[i] === lineId || g.bar) continue;
    if (overlapY(g, box) < 0.5 * Math.min(h(g), h(box))) continue;
    const need = Math.max(1, (g.text && texts.length ? TEXT_LINES.wordGap : TEXT_LINES.leadGap) * lineHeight);
    isolation = Math.min(isolation, gapX(g, box) / need);
  }

  const sorted = [...members].sort((a, b) => a.x0 - b.x0);
  const lead = sorted[0]!;
  let kind: ContentKind = texts.length ? "text_line" : "glyph";
  if (texts.length && !lead.text && sorted[1]?.text) {
    // A checkbox or radio: a closed square or disc in another colour than its label (an icon before a list
    // item's text is usually drawn in the text's colour).
    const label = sorted[1];
    const aspect = w(lead) / h(lead);
    if (lead.parts <= K.boxMaxParts && Math.abs(aspect - 1) <= K.boxAspect && h(lead) <= K.boxMaxSize * h(label) && colourGap(lead.ink, label.ink) > TEXT_LINES.sameInkGap && fg.encloses(lead)) kind = "checkbox_label";
  }
  const partCount = members.reduce((t, g) => t + g.parts, 0);
  const element: ContentElement = { kind, box, parts: partCount, lineHeight, isolation: Math.round(isolation * 100) / 100, onInk: onPart >= 0 || seed !== undefined };
  // A line reaching an open side of the window may go on beyond it.
  if ((box.x0 <= win.x0 && win.x0 > 0) || (box.x1 >= win.x1 && win.x1 < r.imageWidth)) element.truncated = true;
  if (kind === "text_line") {
    const row = listRow(fg, found.box, lineHeight, limits);
    if (row === "window") element.truncated = true;
    if (row && row !== "window") {
      element.kind = "list_row";
      element.line = found.box;
      element.box = row;
    } else if (!lead.text && sorted[1]?.text && nearestMember(sorted, cx, cy) === lead) {
      // A leading glyph clicked, outside a list: a control of its own (a menu icon before the app's name, a row's
      // checkbox before its link), as far apart as an item's icon and its text may be.
      element.kind = "glyph";
      element.box = { x0: lead.x0, y0: lead.y0, x1: lead.x1, y1: lead.y1 };
      element.parts = lead.parts;
      element.lineHeight = h(lead);
      element.isolation = Math.round((gapX(lead, sorted[1]) / Math.max(1, TEXT_LINES.leadGap * h(lead))) * 100) / 100;
    }
  }
  if (found.piece) element.piece = { box: { x0: found.piece.x0, y0: found.piece.y0, x1: found.piece.x1, y1: found.piece.y1 }, solid: found.piece.solid };
  return { ok: true, element };
}

/** The member whose box holds the click, or the nearest. */
function nearestMember(members: readonly Group[], cx: number, cy: number): Group | undefined {
  let best: Group | undefined;
  let bestD = Infinity;
  for (const g of members) {
    const d = Math.max(g.x0 - cx, cx - (g.x1 - 1), g.y0 - cy, cy - (g.y1 - 1), 0);
    if (d < bestD) [best, bestD] = [g, d];
  }
  return best;
}

interface Found {
  lines: ReturnType<typeof groupLines>;
  lineId: number;
  members: Group[];
  box: Rect;
  lineHeight: number;
  piece?: Group;
}

/**
 * The line clicked among the parts labelled so far: the one holding the seed
 * control's part, else the part under the click, else the line the click is
 * in or nearest within reach (between letters, between an icon and its
 * text, inside an open glyph).
 */
function pick(fg: ForegroundParts, cx: number, cy: number, seed: Rect | undefined, onPart: number): Found | undefined {
  const K = CONTENT_ELEMENT;
  const lines = groupLines(fg.parts, fg.backgroundColour);
  let lineId = -1;
  let piece: Group | undefined;
  if (seed) {
    let best = 0;
    for (const [i, p] of fg.parts.entries()) {
      const g = lines.groupOfPart[i]!;
      if (g < 0) continue;
      const o = overlapX(p, seed) * overlapY(p, seed);
      if (o > best) [best, lineId, piece] = [o, lines.lineOf[g]!, lines.groups[g]];
    }
  } else if (onPart >= 0 && lines.groupOfPart[onPart]! >= 0) {
    const g = lines.groupOfPart[onPart]!;
    [lineId, piece] = [lines.lineOf[g]!, lines.groups[g]];
  } else {
    let best = Infinity;
    let bestArea = Infinity;
    for (const [id, b] of lines.boxes) {
      const d = Math.max(b.x0 - cx, cx - (b.x1 - 1), b.y0 - cy, cy - (b.y1 - 1), 0);
      const a = w(b) * h(b);
      if (d <= K.reach && (d < best || (d === best && a < bestArea))) [best, bestArea, lineId] = [d, a, id];
    }
  }
  if (lineId < 0) return undefined;
  const inLine = lines.groups.filter((_, i) => lines.lineOf[i] === lineId);
  // A bar clicked alone (a rule, an underline apart from its text) is its own element.
  const members = inLine.some((g) => !g.bar) ? inLine.filter((g) => !g.bar) : inLine;
  let box: Rect = { x0: members[0]!.x0, y0: members[0]!.y0, x1: members[0]!.x1, y1: members[0]!.y1 };
  for (const g of members) box = union(box, g);
  const texts = members.filter((g) => g.text);
  const lineHeight = texts.length ? Math.max(...texts.map(h)) : h(box);
  const found: Found = { lines, lineId, members, box, lineHeight };
  if (piece) found.piece = piece;
  return found;
}
