import type { BBox, ResolvedImage } from "@qontinui/export-core";
import { type ConfidenceEvidence, type FallbackReason, type InferenceStrategy, smartConfidence } from "./confidence.js";
import { type Background, CONTENT_ELEMENT, type ContentElement, contentStage } from "./content-element.js";
import { CONTROL_SIZE, controlLimits } from "./control-size.js";
import { FILLED_ELEMENT, type FillStage, fillStage } from "./filled-element.js";
import { FOREGROUND } from "./foreground-parts.js";
import { LIST_ROW } from "./list-row.js";
import { colourDistance, offsetOf, type Raster, type Rect, rectHeight, rectToBox, rectWidth, type Scratch, windowAround } from "./raster.js";
import { dominantColours, FILL, ring } from "./region-fill.js";
import type { ScreenshotPixels } from "./screenshot-pixels.js";
import { SEPARATED_ROW, separatedRow } from "./separated-row.js";
import { TEXT_LINES } from "./text-lines.js";

const rectArea = (b: Rect) => rectWidth(b) * rectHeight(b);

/** Tuning constants of smart mode (exported for the README and tests). */
export const SMART_DEFAULTS = {
  /** A control this small (both sides, px) and about square may be a checkbox or radio: its label joins it. */
  checkboxMaxSide: 40,
  control: CONTROL_SIZE,
  fill: FILL,
  filled: FILLED_ELEMENT,
  foreground: FOREGROUND,
  textLines: TEXT_LINES,
  listRow: LIST_ROW,
  separatedRow: SEPARATED_ROW,
  content: CONTENT_ELEMENT,
} as const;

/** What smart mode keeps in `metadata.inference_metadata`. */
export interface InferenceMetadata {
  strategy: InferenceStrategy;
  /** For fixed_fallback: why no element was found. */
  reason?: FallbackReason | string;
  /** The rectangle analysed, [x, y, width, height] in image pixels. */
  search_window?: BBox;
  /** flood_fill: filled share of the box. */
  fill_ratio?: number;
  /** flood_fill: share of the outline with a clear colour step to the outside. */
  border_contrast?: number;
  /** flood_fill: the region under the click was content (a label, a glyph) of the control boxed; list_row: the text line the row holds. */
  content_box?: BBox;
  /** text_line, glyph, checkbox_label, list_row: connected pieces of drawn content in the line, and the line's height in px. */
  parts?: number;
  line_height?: number;
  /** text_line, glyph, checkbox_label, list_row: the gap to the nearest other content on the line over the gap that would have joined it (as far as was looked). */
  isolation?: number;
  /** text_line, glyph, checkbox_label, list_row: whether the click is on a drawn pixel. */
  on_ink?: boolean;
}

export type Inference = { ok: true; bbox: BBox; confidence: number; metadata: InferenceMetadata } | { ok: false; reason: FallbackReason; confidence: number; metadata: InferenceMetadata };

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The element under the click (integer pixel coordinates): a control with
 * its own fill or outline (flood fill), else the content under the click on
 * its background (a glyph icon, a text line, a checkbox or radio with its
 * label, a list item's row), else a fallback with a named reason. Rejects
 * with PixelDecodeError when the pixels cannot be decoded.
 */
export async function inferElement(pixels: ScreenshotPixels, scratch: Scratch, image: ResolvedImage, cx: number, cy: number): Promise<Inference> {
  const D = SMART_DEFAULTS;
  const limits = controlLimits(image.width, image.height);
  // The rows around the click, as far as the tallest control both ways (a region reaching the window's top or
  // bottom is too tall anyway), across the screen (a wide row clicked near one end is seen whole).
  const halfHeight = limits.maxHeight + 2;
  const win = windowAround(cx, cy, image.width, halfHeight, image.width, image.height);
  const r = await pixels.rows(image, win.y0, win.y1);
  scratch.ensure(r.width * r.height);
  const stage = fillStage(r, scratch, cx, cy, win, limits);
  const searchWindow = rectToBox(win);
  const el = stage.element;
  if (el) {
    const side = Math.max(rectWidth(el.box), rectHeight(el.box));
    const aspect = rectWidth(el.box) / rectHeight(el.box);
    if (side <= D.checkboxMaxSide) {
      // A small region may be the inside of a glyph (an outlined icon, a checkbox) or a checkbox or radio with a label beside it.
      const content = contentStage(r, scratch, cx, cy, ringBackground(r, win, el.box, cx, cy) ?? clickColour(r, cx, cy), limits, el.box);
      if (content.ok) {
        const c = content.element;
        const square = aspect >= 0.6 && aspect <= 1.6;
        if (c.kind === "checkbox_label" && square) return contentResult(c, searchWindow);
        const p = c.piece;
        if (p && p.box.x0 <= el.box.x0 && p.box.y0 <= el.box.y0 && p.box.x1 >= el.box.x1 && p.box.y1 >= el.box.y1 && rectArea(p.box) > 1.3 * rectArea(el.box)) {
          // The region is part of a larger drawn shape: a switch's knob → the switch (not its label); the inside
          // of an outlined icon or of a letter → the icon or text line it belongs to.
          const pw = rectWidth(p.box) / rectHeight(p.box);
          if (p.solid && (pw < 0.6 || pw > 1.6)) return contentResult({ ...c, kind: "glyph", box: p.box }, searchWindow);
          return contentResult(c, searchWindow);
        }
      }
    }
    const evidence: ConfidenceEvidence = { fillRatio: el.fillRatio };
    const metadata: InferenceMetadata = { strategy: "flood_fill", fill_ratio: round(el.fillRatio), border_contrast: round(el.borderContrast), search_window: searchWindow };
    if (el.content) metadata.content_box = rectToBox(el.content);
    return { ok: true, bbox: rectToBox(el.box), confidence: smartConfidence("flood_fill", evidence), metadata };
  }
  const bg = backgroundOf(r, stage, win, cx, cy);
  const content = contentStage(r, scratch, cx, cy, bg, limits);
  if (content.ok && (content.element.kind === "list_row" || content.element.kind === "checkbox_label")) return contentResult(content.element, searchWindow);
  // On a container: the row of a separated list the fill did not find (it bleeds into the panel beside it, or
  // has no line above it), whatever the click is on inside it.
  let row = separatedRow(r, scratch, cx, cy, bg.colour, bg.tolerance, limits);
  if (row === "taller") {
    // The list's other separators lie beyond the window: look at taller rows (nothing of the window's analysis is read after this wait).
    const tall = windowAround(cx, cy, image.width, 3 * halfHeight, image.width, image.height);
    row = separatedRow(await pixels.rows(image, tall.y0, tall.y1), scratch, cx, cy, bg.colour, bg.tolerance, limits);
  }
  if (row && row !== "taller") {
    const metadata: InferenceMetadata = { strategy: "list_row", search_window: searchWindow };
    if (content.ok) metadata.content_box = rectToBox(content.element.box);
    return { ok: true, bbox: rectToBox(row), confidence: smartConfidence("list_row"), metadata };
  }
  if (content.ok) return contentResult(content.element, searchWindow);
  const reason: FallbackReason = content.reason === "empty_space" ? "empty_space" : "container";
  return { ok: false, reason, confidence: smartConfidence("fixed_fallback", { reason }), metadata: { strategy: "fixed_fallback", reason, search_window: searchWindow } };
}

function contentResult(c: ContentElement, searchWindow: BBox): Inference {
  const evidence: ConfidenceEvidence = { onInk: c.onInk };
  const metadata: InferenceMetadata = { strategy: c.kind, parts: c.parts, line_height: c.lineHeight, isolation: c.isolation, on_ink: c.onInk, search_window: searchWindow };
  if (c.line) metadata.content_box = rectToBox(c.line);
  return { ok: true, bbox: rectToBox(c.box), confidence: smartConfidence(c.kind, evidence), metadata };
}

/**
 * What the content under the click lies on: the region larger than a control
 * the click is on, if the click's pixel has its colour; else the colour
 * ringing the small region under the click (a letter, a glyph).
 */
function backgroundOf(r: Raster, stage: FillStage, win: Rect, cx: number, cy: number): Background {
  const bg = stage.background;
  if (bg && colourDistance(r.data, offsetOf(r, cx, cy), bg.colour) <= bg.tolerance) return { colour: bg.colour, tolerance: bg.tolerance };
  const around = stage.under?.box ?? { x0: cx, y0: cy, x1: cx + 1, y1: cy + 1 };
  return ringBackground(r, win, around, cx, cy) ?? (bg ? { colour: bg.colour, tolerance: bg.tolerance } : clickColour(r, cx, cy));
}

/** The dominant colour of the rings around `box` where it is most dominant (the nearest on ties). */
function ringBackground(r: Raster, win: Rect, box: Rect, cx: number, cy: number): Background | undefined {
  let best: { share: number; bg: Background } | undefined;
  for (const gap of [2, 4, 8]) {
    let points = ring(win, box, gap);
    // Enough to find the dominant colour; the clustering is quadratic.
    if (points.length > 64) {
      const step = Math.ceil(points.length / 64);
      points = points.filter((_, i) => i % step === 0);
    }
    const [dominant] = dominantColours(r, points, cx, cy, 1, 0.4);
    if (!dominant) continue;
    const share = dominant.members.length / points.length;
    if (!best || share > best.share + 0.02) best = { share, bg: { colour: dominant.colour, tolerance: dominant.tolerance } };
  }
  return best?.bg;
}

function clickColour(r: Raster, cx: number, cy: number): Background {
  const o = offsetOf(r, cx, cy);
  return { colour: [r.data[o]!, r.data[o + 1]!, r.data[o + 2]!], tolerance: FILL.tolerance };
}
