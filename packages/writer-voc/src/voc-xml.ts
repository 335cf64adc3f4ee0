import type { DatasetImage } from "@qontinui/export-core";
import { toVocBox } from "./voc-box.js";
import { xmlText } from "@qontinui/export-core";

/** The directory images go to (the devkit's name; JPEG files unless `keepOriginal`). */
export const IMAGES_FOLDER = "JPEGImages";

export interface VocXml {
  /** The whole annotation file. */
  xml: string;
  /** Boxes written as <object>. */
  boxes: number;
  /** Boxes left out: empty after rounding and clamping. */
  dropped: number;
  /** Invalid XML characters removed from text. */
  stripped: number;
}

/** Channels as VOC's depth: the image's channel count, 3 when unknown. */
export function depthOf(channels: number): number {
  return Number.isInteger(channels) && channels >= 1 && channels <= 4 ? channels : 3;
}

function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : "0";
}

/**
 * One image's `Annotations/<stem>.xml`, naming `fileName` (the file written in
 * JPEGImages/) with `depth` (default: the image's channels; 3 for a JPEG the
 * converter encoded, which is always RGB). Besides the devkit's tags every
 * <object> keeps the box's <confidence>, <source> and <verified> (1/0), which
 * VOC readers ignore.
 */
export function vocAnnotationXml(image: DatasetImage, fileName: string, depth = depthOf(image.channels)): VocXml {
  let stripped = 0;
  const text = (value: string) => {
    const t = xmlText(value);
    stripped += t.stripped;
    return t.text;
  };
  const lines = [
    "<annotation>",
    `  <folder>${IMAGES_FOLDER}</folder>`,
    `  <filename>${text(fileName)}</filename>`,
    "  <size>",
    `    <width>${image.width}</width>`,
    `    <height>${image.height}</height>`,
    `    <depth>${depth}</depth>`,
    "  </size>",
    "  <segmented>0</segmented>",
  ];
  let boxes = 0;
  let dropped = 0;
  for (const a of image.annotations) {
    const box = toVocBox(a.bbox, image.width, image.height);
    if (!box) {
      dropped++;
      continue;
    }
    boxes++;
    lines.push(
      "  <object>",
      `    <name>${text(a.categoryName)}</name>`,
      "    <pose>Unspecified</pose>",
      `    <truncated>${a.clipped ? 1 : 0}</truncated>`,
      "    <difficult>0</difficult>",
      "    <bndbox>",
      `      <xmin>${box.xmin}</xmin>`,
      `      <ymin>${box.ymin}</ymin>`,
      `      <xmax>${box.xmax}</xmax>`,
      `      <ymax>${box.ymax}</ymax>`,
      "    </bndbox>",
      `    <confidence>${formatNumber(a.confidence)}</confidence>`,
      `    <source>${text(String(a.source))}</source>`,
      `    <verified>${a.verified ? 1 : 0}</verified>`,
      "  </object>",
    );
  }
  lines.push("</annotation>", "");
  return { xml: lines.join("\n"), boxes, dropped, stripped };
}
