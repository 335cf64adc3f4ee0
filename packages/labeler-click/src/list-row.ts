import { type ControlLimits, withinControlSize } from "./control-size.js";
import type { ForegroundParts } from "./foreground-parts.js";
import { overlapY, type Rect, rectHeight as h, rectWidth as w } from "./raster.js";
import { groupLines } from "./text-lines.js";

/** Tuning of the list-row inference (exported with SMART_DEFAULTS). */
export const LIST_ROW = {
  /** Sibling lines this many line heights apart (centre to centre) make a column of items. */
  minPitch: 1.4,
  maxPitch: 4,
  /** Left edges aligned within max(3 px, this × the line height). */
  alignment: 0.3,
  /** A row is at most this many line heights wide. */
  maxWidth: 32,
  /** The background's edge along a row: a colour step of at least `step` (max channel) from the mean so far (after `stepAfter` pixels), held over `stepRun` pixels. */
  step: 3,
  stepAfter: 8,
  stepRun: 3,
} as const;

/**
 * The row of a borderless list item (a menu or sidebar entry), the box its
 * hover or selection fill would show: when the line is one of a column of
 * lines (left edges aligned, similar height, a regular pitch), its row spans
 * half the pitch above and below it and the width of the background it lies
 * on, provided nothing but small glyphs (a badge, a chevron) shares the row.
 * Undefined when the line is not such an item (a paragraph's line, a table
 * cell); "window" when the row's background reaches the window's side.
 */
export function listRow(fg: ForegroundParts, line: Rect, lineHeight: number, limits: ControlLimits): Rect | "window" | undefined {
  const L = LIST_ROW;
  const win = fg.win;
  const cy = (line.y0 + line.y1) / 2;
  const lh = h(line);
  // Lines above and below starting at the same x.
  const column: Rect = { x0: line.x0 - 3 * lh, y0: Math.floor(cy - L.maxPitch * lh), x1: line.x0 + 4 * lh, y1: Math.ceil(cy + L.maxPitch * lh) };
  fg.scan(column);
  const { groups, lineOf, boxes } = groupLines(fg.parts, fg.backgroundColour);
  let ownLine = -1;
  for (const [i, g] of groups.entries()) if (g.x0 >= line.x0 && g.x1 <= line.x1 && g.y0 >= line.y0 && g.y1 <= line.y1) ownLine = lineOf[i]!;
  // A selected or hovered item above or below shows the row's geometry: a fill as tall as a row, under the same column.
  for (const g of groups) {
    if (!g.solid || h(g) < 1.2 * lh || h(g) > 3.5 * lh) continue;
    const d = Math.abs((g.y0 + g.y1) / 2 - cy);
    if (d < L.minPitch * lh || d > L.maxPitch * lh || g.x0 > line.x0 || g.x1 < line.x1) continue;
    const box: Rect = { x0: g.x0, y0: Math.round(cy - h(g) / 2), x1: g.x1, y1: Math.round(cy + h(g) / 2) };
    return withinControlSize(box, limits) ? box : undefined;
  }
  let up = Infinity;
  let down = Infinity;
  for (const [id, b] of boxes) {
    if (id === ownLine) continue;
    if (Math.abs(b.x0 - line.x0) > Math.max(3, L.alignment * lineHeight)) continue;
    if (h(b) > 1.6 * lh || h(b) < 0.6 * lh) continue;
    const d = (b.y0 + b.y1) / 2 - cy;
    if (Math.abs(d) < L.minPitch * lh || Math.abs(d) > L.maxPitch * lh) continue;
    if (d < 0) up = Math.min(up, -d);
    else down = Math.min(down, d);
  }
  if (up === Infinity && down === Infinity) return undefined;
  // A section break on one side: the pitch of the other.
  if (up === Infinity || up > 1.6 * down) up = down;
  if (down === Infinity || down > 1.6 * up) down = up;
  const top = Math.round(cy - up / 2);
  const bottom = Math.round(cy + down / 2);
  // A row drawn whole: not cut by the screen's edge (lines in an app bar at its top).
  if (top < 0 || bottom > fg.imageHeight) return undefined;
  const band: Rect = { x0: win.x0, y0: top, x1: win.x1, y1: bottom };
  // Across the background along the rows between this line and its neighbours (clear of its text and the
  // text's JPEG ringing), past small glyphs (a badge, a chevron); noise only stops a scan early, so the farthest counts.
  let left = line.x0;
  let right = line.x1;
  for (const y of [Math.round((top + line.y0) / 2), Math.round((line.y1 + bottom) / 2)]) {
    if (y < win.y0 || y >= win.y1) continue;
    left = Math.min(left, scanBackground(fg, line.x0, y, -1, win.x0));
    right = Math.max(right, scanBackground(fg, line.x0, y, 1, win.x1));
  }
  // The window's edge is not the background's (unless it is the image's): the row may be wider than what was looked at.
  if ((left === win.x0 && win.x0 > 0) || (right === win.x1 && win.x1 < fg.imageWidth)) return "window";
  // Nothing else on the row but small glyphs: another text means a table row or a paragraph.
  fg.scan({ x0: left, y0: top, x1: right, y1: bottom });
  const all = groupLines(fg.parts, fg.backgroundColour);
  for (const g of all.groups) {
    if (g.x0 >= line.x0 && g.x1 <= line.x1 && g.y0 >= line.y0 && g.y1 <= line.y1) continue;
    if (g.x1 <= left || g.x0 >= right || overlapY(g, band) <= 0.5 * h(g)) continue;
    if (g.text || h(g) > h(band)) return undefined;
  }
  const box: Rect = { x0: left, y0: top, x1: right, y1: bottom };
  return withinControlSize(box, limits) && w(box) <= L.maxWidth * lineHeight ? box : undefined;
}

/**
 * From x along row y in direction `dir`, the first x (exclusive bound) where
 * the background ends: a pixel unlike it, or a step of its colour held over
 * `stepRun` pixels (a sidebar a few levels darker than the page beside it,
 * with no line between them). Stops at `limit`.
 */
function scanBackground(fg: ForegroundParts, x: number, y: number, dir: 1 | -1, limit: number): number {
  const L = LIST_ROW;
  const mean = [0, 0, 0];
  let n = 0;
  let run = 0;
  let at = x;
  for (; dir > 0 ? at < limit : at > limit; at += dir) {
    const px = dir > 0 ? at : at - 1;
    if (!fg.isBackground(px, y)) break;
    const c = fg.colourAt(px, y);
    if (n >= L.stepAfter && Math.max(Math.abs(c[0]! - mean[0]! / n), Math.abs(c[1]! - mean[1]! / n), Math.abs(c[2]! - mean[2]! / n)) >= L.step) {
      if (++run >= L.stepRun) return at - dir * (run - 1);
      continue;
    }
    run = 0;
    for (let k = 0; k < 3; k++) mean[k]! += c[k]!;
    n++;
  }
  return at;
}

