import type { LabeledAnnotation } from "@qontinui/export-core";
import { categoryColor, textColorOn } from "./palette.js";
import { escapeXml } from "@qontinui/export-core";

/** The label drawn on a box's tag: "name 0.87". */
export function boxLabel(a: Pick<LabeledAnnotation, "categoryName" | "confidence">): string {
  const conf = Number.isFinite(a.confidence) ? a.confidence.toFixed(2) : "?";
  return `${a.categoryName} ${conf}`;
}

/**
 * An SVG of exactly `width` × `height` with every box drawn: a stroke in the
 * category's colour (dashed when the box is not verified) and a filled tag
 * with "name confidence" above the box (inside it when there is no room).
 */
export function boxOverlaySvg(width: number, height: number, annotations: readonly LabeledAnnotation[]): string {
  const short = Math.max(1, Math.min(width, height));
  const stroke = Math.max(2, Math.round(short / 300));
  const fontSize = Math.max(11, Math.min(28, Math.round(short / 45)));
  const pad = Math.max(2, Math.round(fontSize / 4));
  const tagH = fontSize + 2 * pad;
  const dash = `${stroke * 4},${stroke * 3}`;

  const parts: string[] = [];
  // Boxes first, then all tags, so a tag is never hidden under another box's stroke.
  for (const a of annotations) {
    const [x, y, w, h] = a.bbox;
    if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) continue;
    const color = categoryColor(a.categoryId);
    parts.push(
      `<rect x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" fill="none" stroke="${color}" stroke-width="${stroke}"` +
        (a.verified ? "" : ` stroke-dasharray="${dash}"`) +
        "/>",
    );
  }
  for (const a of annotations) {
    const [x, y, w, h] = a.bbox;
    if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) continue;
    const color = categoryColor(a.categoryId);
    const label = boxLabel(a);
    // Estimated text width: a sans-serif glyph averages ~0.6 em.
    const tagW = Math.ceil(label.length * fontSize * 0.6) + 2 * pad;
    const tx = clamp(x - stroke / 2, 0, Math.max(0, width - tagW));
    const ty = y - tagH >= 0 ? y - tagH : clamp(y, 0, Math.max(0, height - tagH));
    parts.push(
      `<rect x="${r(tx)}" y="${r(ty)}" width="${tagW}" height="${tagH}" fill="${color}"/>`,
      `<text x="${r(tx + pad)}" y="${r(ty + pad + fontSize * 0.82)}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="${fontSize}" fill="${textColorOn(color)}">${escapeXml(label)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

function r(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
