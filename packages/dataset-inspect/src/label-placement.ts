import { type Rect, RectIndex, rectsIntersect } from "./rect-index.js";

/** One box's label to place. */
export interface LabelRequest {
  /** The box the label names, in image px; its stroke is centred on this outline. */
  box: Rect;
  /** The label's size in px. */
  width: number;
  height: number;
}

export interface LabelPlacementOptions {
  imageWidth: number;
  imageHeight: number;
  /** Width of the boxes' stroke, centred on their outline (default 0). */
  stroke?: number;
}

interface Candidate {
  x: number;
  y: number;
  /** On the box's own area: tried only when the label fits inside the box. */
  inside: boolean;
}

/**
 * Where each label goes, in the order of `requests`: a rectangle of the label's size, inside the
 * image, intersecting no other placed label; `undefined` when the label cannot be drawn (larger
 * than the image, or no free place left on it).
 *
 * Labels are placed in input order (the first box gets the first choice), so the result depends
 * only on the input. For each label, "free" meaning it intersects no placed label and, when the
 * label does not fit inside its own box, not that box either (it would hide it):
 * 1. the first free candidate that also covers no other box's outline, candidates in this order:
 *    above the box's top-left corner, inside its top-left, below its bottom-left, then the same
 *    three right-aligned, inside bottom-left and bottom-right, then beside the box (right, then
 *    left of it, top-aligned); inside positions only when the label fits in the box; each clamped
 *    into the image;
 * 2. else the first free candidate, whatever outlines it covers;
 * 3. else stacked: from the first candidate, moved down past whatever is in the way, or up, in
 *    each candidate's column, whichever free place is nearest;
 * 4. else (every column full, e.g. a box as tall as the image) stacked the same way over its own box.
 *
 * Placed labels and box outlines sit in grid indexes, so each try looks at a few neighbours:
 * about linear in the number of boxes.
 */
export function placeLabels(requests: readonly LabelRequest[], options: LabelPlacementOptions): (Rect | undefined)[] {
  const imageWidth = Math.floor(options.imageWidth);
  const imageHeight = Math.floor(options.imageHeight);
  const half = (options.stroke ?? 0) / 2;
  if (requests.length === 0 || !(imageWidth > 0 && imageHeight > 0)) return requests.map(() => undefined);

  // Cells about one label in size: a label overlaps a handful of them.
  let meanWidth = 0;
  let meanHeight = 0;
  for (const q of requests) {
    meanWidth += q.width / requests.length;
    meanHeight += q.height / requests.length;
  }
  const cellWidth = Math.max(8, Math.ceil(meanWidth));
  const cellHeight = Math.max(8, Math.ceil(meanHeight));
  const labels = new RectIndex<number>(imageWidth, imageHeight, cellWidth, cellHeight);
  const outlines = new RectIndex<number>(imageWidth, imageHeight, cellWidth, cellHeight);
  requests.forEach((q, i) => {
    for (const edge of outlineEdges(q.box, half)) outlines.insert(edge, i);
  });

  const isFree = (rect: Rect) => !labels.search(rect, () => true);
  const coversOtherOutline = (rect: Rect, owner: number) => outlines.search(rect, (other) => other !== owner);

  return requests.map((q, i) => {
    const width = Math.ceil(q.width);
    const height = Math.ceil(q.height);
    if (!(width > 0 && height > 0) || width > imageWidth || height > imageHeight) return undefined;
    const fitsInside = width <= q.box.width + 2 * half && height < q.box.height;
    // A label too big for its box keeps off it while there is any other choice: it would hide the box.
    const ownBox = fitsInside ? undefined : outerRect(q.box, half);
    const tried = candidatesFor(q.box, width, height, half, imageWidth, imageHeight)
      .filter((c) => fitsInside || !c.inside)
      .map(({ x, y }) => ({ x, y, width, height }));
    const clear = (rect: Rect) => isFree(rect) && !(ownBox && rectsIntersect(rect, ownBox));

    const placed =
      tried.find((rect) => clear(rect) && !coversOtherOutline(rect, i)) ??
      tried.find(clear) ??
      stack(labels, ownBox, tried[0]!, columns(tried), imageHeight) ??
      (ownBox ? stack(labels, undefined, tried[0]!, columns(tried), imageHeight) : undefined);
    if (placed) labels.insert(placed, i);
    return placed;
  });
}

/**
 * The candidate positions of a label of `width` × `height` for `box`, best first, clamped into
 * the image; the first is above the box's top-left. Outside positions are rounded away from the
 * box, so the label touches the stroke but does not cover it.
 */
function candidatesFor(box: Rect, width: number, height: number, half: number, imageWidth: number, imageHeight: number): Candidate[] {
  const left = Math.round(box.x - half);
  const right = Math.round(box.x + box.width + half - width);
  const top = box.y - half;
  const bottom = box.y + box.height + half;
  const above = Math.floor(top - height);
  const below = Math.ceil(bottom);
  const insideTop = Math.round(top);
  const insideBottom = Math.round(bottom - height);
  const besideRight = Math.ceil(box.x + box.width + half);
  const besideLeft = Math.floor(box.x - half - width);
  const at = (x: number, y: number, inside: boolean): Candidate => ({
    x: clamp(x, 0, imageWidth - width),
    y: clamp(y, 0, imageHeight - height),
    inside,
  });
  return [
    at(left, above, false),
    at(left, insideTop, true),
    at(left, below, false),
    at(right, above, false),
    at(right, insideTop, true),
    at(right, below, false),
    at(left, insideBottom, true),
    at(right, insideBottom, true),
    at(besideRight, insideTop, false),
    at(besideLeft, insideTop, false),
  ];
}

/**
 * The free place nearest to `from` in one of the `columns` (x positions), found by moving down
 * past every label in the way (the first free spot below is at or under the lowest bottom among
 * them), or up past every label in the way; `ownBox`, when given, is in the way too. Undefined
 * when every column is full.
 */
function stack(labels: RectIndex<number>, ownBox: Rect | undefined, from: Rect, columns: readonly number[], imageHeight: number): Rect | undefined {
  const { width, height } = from;
  let best: Rect | undefined;
  for (const x of columns) {
    for (const down of [true, false]) {
      let y = from.y;
      while (y >= 0 && y + height <= imageHeight) {
        if (best && Math.abs(y - from.y) >= Math.abs(best.y - from.y)) break;
        const rect = { x, y, width, height };
        let next: number | undefined;
        const pastObstacle = (r: Rect) => {
          next = down ? Math.max(next ?? -Infinity, Math.ceil(r.y + r.height)) : Math.min(next ?? Infinity, Math.floor(r.y) - height);
        };
        labels.search(rect, (_, r) => pastObstacle(r));
        if (ownBox && rectsIntersect(rect, ownBox)) pastObstacle(ownBox);
        if (next === undefined) {
          best = rect;
          break;
        }
        y = next;
      }
    }
  }
  return best;
}

/** The distinct x positions of `candidates`, in order: the columns to stack in. */
function columns(candidates: readonly Rect[]): number[] {
  return [...new Set(candidates.map((c) => c.x))];
}

function outerRect(box: Rect, half: number): Rect {
  return { x: box.x - half, y: box.y - half, width: box.width + 2 * half, height: box.height + 2 * half };
}

/** The four strokes of a box's outline, each `2 * half` thick (at least 1 px, so a zero stroke still counts). */
function outlineEdges(box: Rect, half: number): Rect[] {
  const t = Math.max(1, 2 * half);
  const x0 = box.x - t / 2;
  const y0 = box.y - t / 2;
  return [
    { x: x0, y: y0, width: box.width + t, height: t },
    { x: x0, y: box.y + box.height - t / 2, width: box.width + t, height: t },
    { x: x0, y: y0, width: t, height: box.height + t },
    { x: box.x + box.width - t / 2, y: y0, width: t, height: box.height + t },
  ];
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
