import type { LabeledAnnotation } from "@qontinui/export-core";
import { escapeXml } from "@qontinui/export-core";
import { placeLabels } from "./label-placement.js";
import { categoryColor, textColorOn } from "./palette.js";
import { fitText, textWidth } from "./text-width.js";

/** Tag font sizes in px: from the image's short side, never below what reads on a screenshot. */
const MIN_FONT_SIZE = 11;
const MAX_FONT_SIZE = 28;
/**
 * On a crowded image (hundreds of boxes from a looped automation) the tags shrink, down to
 * MIN_FONT_SIZE, until together they would cover at most this share of it: room for each to
 * find a free place near its box.
 */
const MAX_TAG_AREA_SHARE = 0.3;

/** The label drawn on a box's tag: "name 0.87". */
export function boxLabel(a: Pick<LabeledAnnotation, "categoryName" | "confidence">): string {
  const conf = Number.isFinite(a.confidence) ? a.confidence.toFixed(2) : "?";
  return `${a.categoryName} ${conf}`;
}

/**
 * An SVG of exactly `width` × `height` with every box drawn: a stroke in the
 * category's colour (dashed when the box is not verified) and a filled tag
 * (`<rect class="label">` and its `<text>`) with "name confidence" next to the
 * box. No tag hides another: see `placeLabels` for where each one goes. A tag
 * with no free place left, or larger than the image, is left out (its box is
 * still drawn); a label wider than the image is cut short with "…".
 */
export function boxOverlaySvg(width: number, height: number, annotations: readonly LabeledAnnotation[]): string {
  const short = Math.max(1, Math.min(width, height));
  const stroke = Math.max(2, Math.round(short / 300));
  const dash = `${stroke * 4},${stroke * 3}`;
  const boxes = annotations.filter((a) => a.bbox.every(Number.isFinite) && a.bbox[2] > 0 && a.bbox[3] > 0);

  const fontSize = tagFontSize(width, height, boxes.map(boxLabel));
  const pad = tagPadding(fontSize);
  const tagH = fontSize + 2 * pad;
  const texts = boxes.map((a) => fitText(boxLabel(a), fontSize, width - 2 * pad));
  const places = placeLabels(
    boxes.map((a, i) => {
      const [x, y, w, h] = a.bbox;
      const text = texts[i]!;
      return { box: { x, y, width: w, height: h }, width: text ? textWidth(text, fontSize) + 2 * pad : 0, height: tagH };
    }),
    { imageWidth: width, imageHeight: height, stroke },
  );

  const parts: string[] = [];
  // Boxes first, then all tags, so a tag is never hidden under another box's stroke.
  for (const a of boxes) {
    const [x, y, w, h] = a.bbox;
    parts.push(
      `<rect x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" fill="none" stroke="${categoryColor(a.categoryId)}" stroke-width="${stroke}"` +
        (a.verified ? "" : ` stroke-dasharray="${dash}"`) +
        "/>",
    );
  }
  boxes.forEach((a, i) => {
    const place = places[i];
    if (!place) return;
    const color = categoryColor(a.categoryId);
    parts.push(
      `<rect class="label" x="${place.x}" y="${place.y}" width="${place.width}" height="${place.height}" fill="${color}"/>`,
      `<text x="${place.x + pad}" y="${r(place.y + pad + fontSize * 0.82)}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="${fontSize}" fill="${textColorOn(color)}">${escapeXml(texts[i]!)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/** The tags' font size: 1/45 of the short side within [MIN_FONT_SIZE, MAX_FONT_SIZE], smaller when the tags would crowd the image. */
function tagFontSize(width: number, height: number, labels: readonly string[]): number {
  const short = Math.max(1, Math.min(width, height));
  const room = MAX_TAG_AREA_SHARE * width * height;
  let size = Math.max(MIN_FONT_SIZE, Math.min(MAX_FONT_SIZE, Math.round(short / 45)));
  while (size > MIN_FONT_SIZE) {
    const pad = tagPadding(size);
    let area = 0;
    for (const label of labels) area += (textWidth(label, size) + 2 * pad) * (size + 2 * pad);
    if (area <= room) break;
    size--;
  }
  return size;
}

function tagPadding(fontSize: number): number {
  return Math.max(2, Math.round(fontSize / 4));
}

function r(n: number): string {
  return String(Math.round(n * 100) / 100);
}
