import { promises as fs } from "node:fs";
import path from "node:path";
import sharp, { type OverlayOptions } from "sharp";
import { escapeXml } from "@qontinui/export-core";

export interface ContactSheetTile {
  /** The image to shrink (a preview with its boxes drawn). */
  path: string;
  /** Caption under the thumbnail, e.g. the image id. */
  caption: string;
}

export interface ContactSheetOptions {
  /** Thumbnail width in px (default 320). */
  thumbWidth?: number;
  /** Thumbnail height in px (default 3/4 of the width); thumbnails are fitted inside, aspect kept. */
  thumbHeight?: number;
  /** Columns of the grid (default 4). */
  columns?: number;
}

const GAP = 8;
const CAPTION_H = 20;
const BACKGROUND = { r: 32, g: 32, b: 32, alpha: 1 };

/** Writes a grid of captioned thumbnails of `tiles` to `outPath` (PNG). Returns `outPath`. */
export async function writeContactSheet(
  tiles: readonly ContactSheetTile[],
  outPath: string,
  options: ContactSheetOptions = {},
): Promise<string> {
  if (tiles.length === 0) throw new RangeError("a contact sheet needs at least one image");
  const tw = Math.max(16, Math.round(options.thumbWidth ?? 320));
  const th = Math.max(16, Math.round(options.thumbHeight ?? (tw * 3) / 4));
  const columns = Math.max(1, Math.min(Math.round(options.columns ?? 4), tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const cellW = tw;
  const cellH = th + CAPTION_H;
  const width = GAP + columns * (cellW + GAP);
  const height = GAP + rows * (cellH + GAP);

  const layers: OverlayOptions[] = [];
  const captions: string[] = [];
  for (let i = 0; i < tiles.length; i++) {
    const tile = tiles[i]!;
    const left = GAP + (i % columns) * (cellW + GAP);
    const top = GAP + Math.floor(i / columns) * (cellH + GAP);
    const { data, info } = await sharp(tile.path)
      .resize(tw, th, { fit: "inside", withoutEnlargement: false })
      .png()
      .toBuffer({ resolveWithObject: true });
    layers.push({
      input: data,
      left: left + Math.floor((tw - info.width) / 2),
      top: top + Math.floor((th - info.height) / 2),
    });
    captions.push(
      `<text x="${left + tw / 2}" y="${top + th + 15}" text-anchor="middle" font-family="DejaVu Sans Mono, Menlo, monospace" font-size="12" fill="#e0e0e0">${escapeXml(tile.caption)}</text>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${captions.join("")}</svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });

  await fs.mkdir(path.dirname(outPath), { recursive: true });
  await sharp({ create: { width, height, channels: 4, background: BACKGROUND } })
    .composite(layers)
    .png()
    .toFile(outPath);
  return outPath;
}
