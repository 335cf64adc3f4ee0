import type { Part } from "./foreground-parts.js";
import { colourGap, gapX, gapY, overlapY, type Rect, rectHeight as h, rectWidth as w, union } from "./raster.js";

/** How drawn parts join into glyphs, words and lines (exported with SMART_DEFAULTS). */
export const TEXT_LINES = {
  /** Parts of one glyph or word: gap ≤ max(minGlyphGap, min(maxGlyphGap, glyphGap × the smaller part's longer side)) px, inks within `glyphInkGap` (the bars of a menu icon join; buttons side by side do not). */
  glyphGap: 0.25,
  minGlyphGap: 2,
  maxGlyphGap: 5,
  glyphInkGap: 96,
  /** Letters of a word set apart (a monospaced font): similar heights (within `letterHeightRatio`), gap ≤ min(`maxLetterGap` px, `letterGap` × the taller's height) (buttons side by side stand farther apart). */
  letterGap: 0.35,
  maxLetterGap: 5,
  letterHeightRatio: 1.6,
  /** A glyph or word this much wider than tall is text (a word); narrower, a glyph (an icon, a letter, a short word). */
  textMinAspect: 1.6,
  /** A glyph covering this share of its box is a solid shape (a switch, a badge, a filled box), not text. */
  solidFill: 0.6,
  /** A bar (an underline, a rule) is at most this tall (px) and 5 times as wide. */
  barMaxHeight: 5,
  /** Words of one text line: gap ≤ wordGap × the taller word's height, inks within `inkColourGap` (max channel difference: a link inside a sentence differs). */
  wordGap: 1.0,
  inkColourGap: 72,
  /** A leading glyph (icon, checkbox, radio) and the text after it: gap ≤ leadGap × the text's height; ≤ sameInkLeadGap × it when drawn in the text's ink (a list item's icon). */
  leadGap: 1.2,
  sameInkLeadGap: 2,
  /**
   * One ink: the two inks differ from the background in the same direction (cosine ≥ `inkCosine`: thin
   * strokes are paler than thick ones, not of another hue) by amounts within `inkRatio` of each other.
   */
  inkCosine: 0.985,
  inkRatio: 3,
  /** A checkbox's outline differs from its label's ink by more than this (max channel difference): an icon before a list item's text does not. */
  sameInkGap: 40,
  /** Heights within this ratio can sit on one line. */
  lineHeightRatio: 2.5,
  /** A glyph joining a text line is at most this many times the text's height wide (a switch, a badge; not a row's fill). */
  maxGlyphWidth: 4,
} as const;

/** Parts joined into a glyph (an icon, a letter) or a word. */
export interface Group extends Rect {
  count: number;
  parts: number;
  ink: number[];
  /** Wide and made of strokes: a word. */
  text: boolean;
  /** Thin and wide: an underline or a rule. */
  bar: boolean;
  /** Covers most of its box: a switch, a badge, a filled box. */
  solid: boolean;
}

export interface Lines {
  groups: Group[];
  /** Group index of each part (−1 for walls and noise). */
  groupOfPart: Int32Array;
  /** Line id of each group. */
  lineOf: number[];
  /** Box of each line, by line id. */
  boxes: Map<number, Rect>;
}

function unionFind(n: number) {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  return { find, join: (a: number, b: number) => void (parent[find(a)] = find(b)) };
}

/**
 * Groups drawn parts: parts close for their size and of similar ink into
 * glyphs and words; words of one ink colour into text lines, with a leading
 * glyph (an icon, a checkbox) before the text it labels. Glyphs beside
 * glyphs stay apart (the icons of a toolbar).
 */
export function groupLines(parts: readonly Part[], background: readonly number[]): Lines {
  const T = TEXT_LINES;
  const live: number[] = [];
  for (let i = 0; i < parts.length; i++) if (!parts[i]!.wall && !parts[i]!.faint) live.push(i);
  const uf = unionFind(parts.length);
  for (let a = 0; a < live.length; a++) {
    const pa = parts[live[a]!]!;
    const sa = Math.max(w(pa), h(pa));
    for (let b = a + 1; b < live.length; b++) {
      const pb = parts[live[b]!]!;
      const gap = Math.max(gapX(pa, pb), gapY(pa, pb));
      // Scaled by the smaller part's size (its longer side): the bars of a menu icon join, a rule under text does not.
      if (gap > Math.max(T.minGlyphGap, Math.min(T.maxGlyphGap, T.glyphGap * Math.min(sa, Math.max(w(pb), h(pb)))))) continue;
      if (colourGap(pa.ink, pb.ink) > T.glyphInkGap) continue;
      uf.join(live[a]!, live[b]!);
    }
  }
  const groupOfPart = new Int32Array(parts.length).fill(-1);
  const groupOfRoot = new Map<number, number>();
  const groups: Group[] = [];
  const areas: number[] = [];
  for (const i of live) {
    const p = parts[i]!;
    const root = uf.find(i);
    let g = groupOfRoot.get(root);
    if (g === undefined) {
      g = groups.length;
      groupOfRoot.set(root, g);
      groups.push({ x0: p.x0, y0: p.y0, x1: p.x1, y1: p.y1, count: p.count, parts: 1, ink: p.ink, text: false, bar: false, solid: false });
      areas.push(p.count);
    } else {
      const q = groups[g]!;
      // The ink of its largest part.
      if (p.count > areas[g]!) [q.ink, areas[g]] = [p.ink, p.count];
      q.x0 = Math.min(q.x0, p.x0);
      q.y0 = Math.min(q.y0, p.y0);
      q.x1 = Math.max(q.x1, p.x1);
      q.y1 = Math.max(q.y1, p.y1);
      q.count += p.count;
      q.parts++;
    }
    groupOfPart[i] = g;
  }
  for (const g of groups) {
    g.bar = h(g) <= T.barMaxHeight && w(g) >= 5 * h(g);
    g.solid = g.count >= T.solidFill * w(g) * h(g);
  }
  const { words, wordOf } = joinLetters(groups);
  // A word holds no other content clear inside its box (a speck of JPEG noise aside): an outline around some (a bordered button's frame) is no text.
  const framed = (g: Group, o: Group) => o !== g && o.x0 >= g.x0 + 2 && o.y0 >= g.y0 + 2 && o.x1 <= g.x1 - 2 && o.y1 <= g.y1 - 2 && h(o) >= 0.25 * h(g) && o.count >= 6;
  for (const g of words) g.text = !g.bar && !g.solid && w(g) >= T.textMinAspect * h(g) && !words.some((o) => framed(g, o));
  for (let i = 0; i < groupOfPart.length; i++) if (groupOfPart[i]! >= 0) groupOfPart[i] = wordOf[groupOfPart[i]!]!;
  const lines = unionFind(words.length);
  for (let a = 0; a < words.length; a++) for (let b = a + 1; b < words.length; b++) if (joinable(words[a]!, words[b]!, background)) lines.join(a, b);
  const lineOf = words.map((_, i) => lines.find(i));
  const boxes = new Map<number, Rect>();
  for (const [i, g] of words.entries()) {
    const b = boxes.get(lineOf[i]!);
    boxes.set(lineOf[i]!, b ? union(b, g) : { x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1 });
  }
  return { groups: words, groupOfPart, lineOf, boxes };
}

/**
 * Letters apart (a monospaced font, wide tracking) joined into words: glyphs
 * of similar height side by side, close for their height, of one ink. Icons
 * of a dense toolbar stand farther apart for their size.
 */
function joinLetters(groups: Group[]): { words: Group[]; wordOf: Int32Array } {
  const T = TEXT_LINES;
  const uf = unionFind(groups.length);
  for (let a = 0; a < groups.length; a++) {
    const ga = groups[a]!;
    if (ga.bar || ga.solid) continue;
    for (let b = a + 1; b < groups.length; b++) {
      const gb = groups[b]!;
      if (gb.bar || gb.solid) continue;
      const lo = Math.min(h(ga), h(gb));
      const hi = Math.max(h(ga), h(gb));
      if (hi > T.letterHeightRatio * lo || overlapY(ga, gb) < 0.6 * lo) continue;
      if (gapX(ga, gb) > Math.min(T.maxLetterGap, T.letterGap * hi) || colourGap(ga.ink, gb.ink) > T.inkColourGap) continue;
      uf.join(a, b);
    }
  }
  const wordOf = new Int32Array(groups.length);
  const index = new Map<number, number>();
  const words: Group[] = [];
  for (const [i, g] of groups.entries()) {
    const root = uf.find(i);
    let k = index.get(root);
    if (k === undefined) {
      k = words.length;
      index.set(root, k);
      words.push({ ...g });
    } else {
      const q = words[k]!;
      if (g.count > q.count / q.parts) q.ink = g.ink;
      [q.x0, q.y0, q.x1, q.y1] = [Math.min(q.x0, g.x0), Math.min(q.y0, g.y0), Math.max(q.x1, g.x1), Math.max(q.y1, g.y1)];
      q.count += g.count;
      q.parts += g.parts;
    }
    wordOf[i] = k;
  }
  return { words, wordOf };
}

/** Whether two inks are one colour drawn more or less thickly on `background` (see TEXT_LINES.inkCosine). */
export function sameInk(p: readonly number[], q: readonly number[], background: readonly number[]): boolean {
  const T = TEXT_LINES;
  let dot = 0;
  let pp = 0;
  let qq = 0;
  for (let c = 0; c < 3; c++) {
    const a = p[c]! - background[c]!;
    const b = q[c]! - background[c]!;
    dot += a * b;
    pp += a * a;
    qq += b * b;
  }
  if (pp === 0 || qq === 0) return false;
  const ratio = Math.sqrt(Math.max(pp, qq) / Math.min(pp, qq));
  return dot / Math.sqrt(pp * qq) >= T.inkCosine && ratio <= T.inkRatio;
}

/** Whether two glyphs or words sit on one line of one element. */
function joinable(a: Group, b: Group, background: readonly number[]): boolean {
  const T = TEXT_LINES;
  if (a.bar || b.bar) return false;
  if (overlapY(a, b) < 0.5 * Math.min(h(a), h(b))) return false;
  const gx = gapX(a, b);
  if (a.text && b.text) {
    if (Math.max(h(a), h(b)) > T.lineHeightRatio * Math.min(h(a), h(b)) || colourGap(a.ink, b.ink) > T.inkColourGap) return false;
    return gx <= T.wordGap * Math.max(h(a), h(b));
  }
  if (a.text !== b.text) {
    const [t, g] = a.text ? [a, b] : [b, a];
    if (h(g) > T.lineHeightRatio * h(t) || w(g) > T.maxGlyphWidth * h(t)) return false;
    // An icon drawn in its label's colour sits farther from it than a checkbox from its label.
    const lead = sameInk(a.ink, b.ink, background) ? T.sameInkLeadGap : T.leadGap;
    return gx <= lead * h(t);
  }
  return false;
}

/** How far (px) a line's element may reach to join more content: what to scan around a line of height `lineHeight`. */
export function joinReach(lineHeight: number): { x: number; y: number } {
  const T = TEXT_LINES;
  return { x: Math.ceil(Math.max(T.sameInkLeadGap, T.wordGap) * lineHeight) + 2, y: Math.ceil(Math.max(T.minGlyphGap, T.glyphGap * lineHeight)) + 2 };
}
