import { promises as fs } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { DatasetImage } from "@qontinui/export-core";
import { type DatasetInput, datasetReader, IntermediateDataset } from "@qontinui/intermediate-format";
import { boxOverlaySvg } from "./box-overlay.js";
import { writeContactSheet } from "./contact-sheet.js";

export interface RenderPreviewsOptions {
  /** Where previews go; created when missing. Nothing in it is ever deleted. */
  outDir: string;
  /** At most this many images, the first in manifest order (default 50). */
  limit?: number;
  /** Also write <outDir>/contact-sheet.png (default true). */
  contactSheet?: boolean;
  /** Thumbnail width on the contact sheet (default 320). */
  thumbWidth?: number;
  /** Columns of the contact sheet (default 4). */
  columns?: number;
  /** Called after each image (rendered or skipped). */
  onProgress?: (done: number, total: number) => void;
}

export interface SkippedPreview {
  id: string;
  reason: string;
}

export interface RenderPreviewsResult {
  /** Paths of the written previews, <outDir>/<id>.png, in manifest order. */
  images: string[];
  /** Path of the contact sheet, when one was written. */
  contactSheet?: string;
  /** Images that could not be drawn (missing or unreadable file). */
  skipped: SkippedPreview[];
}

export const CONTACT_SHEET_FILE = "contact-sheet.png";

/**
 * Draws the boxes of the first `limit` images of an intermediate dataset into
 * <outDir>/<id>.png (same size as the original), then a contact sheet of them.
 */
export async function renderPreviews(from: DatasetInput, options: RenderPreviewsOptions): Promise<RenderPreviewsResult> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const outDir = path.resolve(options.outDir);
  const dataset = await datasetReader(from);
  const own = dataset instanceof IntermediateDataset ? [dataset.paths.root, dataset.paths.images, dataset.paths.annotations] : [];
  for (const inside of own) {
    if (path.relative(inside, outDir) === "") {
      throw new RangeError(`refusing to write previews into the dataset itself (${outDir}); choose another --out`);
    }
  }
  const ids = (await dataset.imageIds()).slice(0, limit);
  await fs.mkdir(outDir, { recursive: true });

  const images: string[] = [];
  const skipped: SkippedPreview[] = [];
  const total = ids.length;
  let done = 0;
  for (const id of ids) {
    try {
      const image = await dataset.image(id);
      const out = path.join(outDir, `${id}.png`);
      await renderPreview(image, out);
      images.push(out);
    } catch (e) {
      skipped.push({ id, reason: (e as Error).message });
    }
    done++;
    options.onProgress?.(done, total);
  }

  const result: RenderPreviewsResult = { images, skipped };
  if ((options.contactSheet ?? true) && images.length > 0) {
    result.contactSheet = await writeContactSheet(
      images.map((p) => ({ path: p, caption: path.basename(p, ".png") })),
      path.join(outDir, CONTACT_SHEET_FILE),
      {
        ...(options.thumbWidth ? { thumbWidth: options.thumbWidth } : {}),
        ...(options.columns ? { columns: options.columns } : {}),
      },
    );
  }
  return result;
}

/** Writes one image with its boxes drawn to `outPath` as PNG, at the image's own size. */
export async function renderPreview(image: DatasetImage, outPath: string): Promise<string> {
  const input = sharp(image.path, { limitInputPixels: false });
  const meta = await input.metadata();
  const width = meta.autoOrient?.width ?? meta.width ?? image.width;
  const height = meta.autoOrient?.height ?? meta.height ?? image.height;
  const svg = boxOverlaySvg(width, height, image.annotations);
  let pipeline = input.autoOrient().composite([{ input: Buffer.from(svg), left: 0, top: 0 }]);
  // The overlay brings an alpha channel; an opaque screenshot stays opaque RGB.
  if (!meta.hasAlpha) pipeline = pipeline.removeAlpha();
  await pipeline.png().toFile(outPath);
  return outPath;
}
