import { CONTROL_SIZE, type ControlLimits, withinControlSize } from "./control-size.js";
import { layoutOfHoles } from "./filled-element.js";
import { colourDistance, offsetOf, type Raster, type Rect, type Scratch } from "./raster.js";

/** Tuning of the separated-row inference (exported with SMART_DEFAULTS). */
export const SEPARATED_ROW = {
  /** A separator is a line at most this thick (px) … */
  maxThickness: 3,
  /** … at least this long (px, and this many times the row's height): a letter's stroke is shorter. */
  minLength: 160,
  minLengthRows: 3,
  /** A separator runs into something crossing it at one end at least: this many px above and below its line. */
  wallReach: 3,
  /** Separators of one list start and end within this many px of each other. */
  alignment: 3,
  /** A pixel this far (max channel difference, and twice the background's tolerance) from the background is content. */
  contentContrast: 24,
} as const;

interface Rule {
  /** Its first row. */
  y: number;
  thickness: number;
  x0: number;
  x1: number;
}

/**
 * The row of a separated list the click is in, when the fill found none (a
 * row bleeding into a panel of nearly its colour, the first row of a list
 * with no line above it): between the separators (long thin lines on the
 * background, aligned, running into the panel's side) above and below the
 * click; with one only, the next one beyond it gives the row's height.
 * As wide as the separators; holding
 * content (a row is a list item, not a gap) in at most two bands and three
 * items side by side (more: a table row). Undefined when there is no such row;
 * "taller" when a separator was found but the others may lie beyond the rows
 * at hand.
 */
export function separatedRow(r: Raster, s: Scratch, cx: number, cy: number, background: readonly number[], tolerance: number, limits: ControlLimits): Rect | "taller" | undefined {
  const S = SEPARATED_ROW;
  const isBackground = (x: number, y: number) => colourDistance(r.data, offsetOf(r, x, y), background) <= tolerance + 2;
  if (!isBackground(cx, cy) && !nearBackground(isBackground, r, cx, cy)) return undefined;
  const top = r.top;
  const bottom = r.top + r.height;
  // A search that ran off the rows at hand (not the image's edge): taller rows may show what it looked for.
  let cut = false;
  /** The separator crossing column cx nearest y in direction dir, within `reach` rows. */
  const ruleFrom = (y: number, dir: 1 | -1, reach: number): Rule | undefined => {
    for (let k = 1; k <= reach; k++) {
      const yy = y + dir * k;
      if (yy < top || yy >= bottom) {
        if ((yy < top && top > 0) || (yy >= bottom && bottom < r.imageHeight)) cut = true;
        return undefined;
      }
      if (isBackground(cx, yy)) continue;
      const rule = ruleAt(r, isBackground, cx, yy, dir);
      if (rule) return rule;
    }
    return undefined;
  };
  const reach = limits.maxHeight;
  const above = ruleFrom(cy, -1, reach);
  const below = ruleFrom(cy, 1, reach);
  // A search that ran off the rows at hand may find a separator in taller ones.
  const missed = () => (cut ? "taller" : undefined);
  // Separators in a column, aligned (a list's), that run into the panel's side or a divider (see ruleAt).
  let y0: number;
  let y1: number;
  let x0: number;
  let x1: number;
  if (above && below) {
    if (!aligned(above, below)) return undefined;
    [y0, y1] = [above.y + above.thickness, below.y];
    [x0, x1] = [Math.max(above.x0, below.x0), Math.min(above.x1, below.x1)];
  } else if (below) {
    // The first row: as tall as the next one down.
    const next = ruleFrom(below.y + below.thickness - 1, 1, reach);
    if (!next) return missed();
    if (!aligned(below, next)) return undefined;
    [y0, y1] = [below.y - (next.y - below.y) + below.thickness, below.y];
    [x0, x1] = [below.x0, below.x1];
  } else if (above) {
    // The last row: as tall as the one above.
    const prior = ruleFrom(above.y, -1, reach);
    if (!prior) return missed();
    if (!aligned(above, prior)) return undefined;
    [y0, y1] = [above.y + above.thickness, above.y + (above.y - prior.y)];
    [x0, x1] = [above.x0, above.x1];
  } else return undefined;
  if (y0 > cy || y1 <= cy || x0 > cx || x1 <= cx || y0 < top || y1 > bottom) return undefined;
  const box: Rect = { x0, y0, x1, y1 };
  const w = x1 - x0;
  const h = y1 - y0;
  if (h < CONTROL_SIZE.minSide || w < S.minLengthRows * h || !withinControlSize(box, limits)) return undefined;
  // What the row holds: one or two bands of content (two in a wide row), at most ruledRowMaxItems side by side.
  const holes = s.bytes;
  const unlike = Math.max(S.contentContrast, 2 * tolerance);
  for (let y = y0; y < y1; y++) {
    const at = (y - y0) * w - x0;
    for (let x = x0; x < x1; x++) holes[at + x] = colourDistance(r.data, offsetOf(r, x, y), background) > unlike ? 1 : 0;
  }
  const { bands, maxItems } = layoutOfHoles(holes, w, h);
  if (bands === 0 || bands > 2 || (bands === 2 && w < CONTROL_SIZE.twoBandMinAspect * h) || maxItems > CONTROL_SIZE.ruledRowMaxItems) return undefined;
  return box;
}

/** A click on the anti-aliased edge of content still lies on the background within a pixel or two. */
function nearBackground(isBackground: (x: number, y: number) => boolean, r: Raster, cx: number, cy: number): boolean {
  for (let d = 1; d <= 2; d++) {
    for (const [x, y] of [[cx - d, cy], [cx + d, cy], [cx, cy - d], [cx, cy + d]] as const) {
      if (x >= r.left && y >= r.top && x < r.left + r.width && y < r.top + r.height && isBackground(x, y)) return true;
    }
  }
  return false;
}

/** The separator through (x, y) if there is one: a thin run of non-background rows, long along the row. */
function ruleAt(r: Raster, isBackground: (x: number, y: number) => boolean, x: number, y: number, dir: 1 | -1): Rule | undefined {
  const S = SEPARATED_ROW;
  let thickness = 1;
  let far = y;
  while (thickness <= S.maxThickness) {
    const next = far + dir;
    if (next < r.top || next >= r.top + r.height) return undefined;
    if (isBackground(x, next)) break;
    far = next;
    thickness++;
  }
  if (thickness > S.maxThickness) return undefined;
  const first = Math.min(y, far);
  // Along the line's middle row: as far as it is not background, above and below it background again.
  const mid = first + ((thickness - 1) >> 1);
  const clear = (xx: number, yy: number) => yy < r.top || yy >= r.top + r.height || isBackground(xx, yy);
  const lineAt = (xx: number) => !isBackground(xx, mid) && clear(xx, first - 1) && clear(xx, first + thickness);
  let x0 = x;
  let x1 = x + 1;
  while (x0 > r.left && lineAt(x0 - 1)) x0--;
  while (x1 < r.left + r.width && lineAt(x1)) x1++;
  if (x1 - x0 < S.minLength) return undefined;
  // A list's separators run to the side of the panel (or a divider) at one end at least: beyond it, something else
  // crosses their line both ways. A field's border turns a corner; a form's inset rule ends on the background.
  const wall = (xx: number) => xx < r.left || xx >= r.left + r.width || (!isBackground(xx, mid) && !clear(xx, first - S.wallReach) && !clear(xx, first + thickness - 1 + S.wallReach));
  if (!wall(x0 - 1) && !wall(x1)) return undefined;
  return { y: first, thickness, x0, x1 };
}

function aligned(a: Rule, b: Rule): boolean {
  return Math.abs(a.x0 - b.x0) <= SEPARATED_ROW.alignment && Math.abs(a.x1 - b.x1) <= SEPARATED_ROW.alignment;
}
