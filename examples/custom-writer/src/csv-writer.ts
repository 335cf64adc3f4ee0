import { promises as fs, createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type ConvertInput,
  type ConvertProgress,
  converterWriter,
  copyFileAtomic,
  type SplitOptions,
  tempPathFor,
  type Writer,
} from "@qontinui/export-core";

/** The columns of `boxes.csv`, in order. */
export const CSV_HEADER = ["image", "split", "width", "height", "category", "x", "y", "w", "h", "confidence", "verified"] as const;

export interface ConvertCsvOptions {
  /** Where `boxes.csv` and `images/` go; created if missing. */
  outDir: string;
  onProgress?: ConvertProgress;
}

export interface CsvSummary {
  /** `boxes.csv`, relative to the output directory. */
  file: string;
  images: number;
  boxes: number;
}

/** One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | boolean | undefined): string {
  const s = value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(fields: (string | number | boolean | undefined)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/**
 * Writes a ConvertInput as CSV:
 *
 *   <outDir>/boxes.csv           one row per box (an image without boxes: one row with empty box fields)
 *   <outDir>/images/<fileName>   the images, named as the CSV's `image` column says
 *
 * Rows are streamed to a temp file next to `boxes.csv` and renamed over it at
 * the end, so memory does not grow with the number of images and a crash
 * never leaves a half-written `boxes.csv`.
 */
export async function convertCsv(input: ConvertInput, options: ConvertCsvOptions): Promise<CsvSummary> {
  const outDir = path.resolve(options.outDir);
  const imagesDir = path.join(outDir, "images");
  await fs.mkdir(imagesDir, { recursive: true });
  const target = path.join(outDir, "boxes.csv");
  const tmp = tempPathFor(target);
  let images = 0;
  let boxes = 0;

  async function* rows(): AsyncGenerator<string> {
    yield csvRow([...CSV_HEADER]);
    for await (const image of input.images()) {
      if (path.basename(image.fileName) !== image.fileName || image.fileName.startsWith(".")) {
        throw new Error(`csv: image file name ${JSON.stringify(image.fileName)} is not a plain file name`);
      }
      await copyFileAtomic(image.path, path.join(imagesDir, image.fileName));
      const file = `images/${image.fileName}`;
      const split = input.splitOf(image.id) ?? "";
      if (image.annotations.length === 0) {
        yield csvRow([file, split, image.width, image.height, "", "", "", "", "", "", ""]);
      }
      for (const a of image.annotations) {
        const category = a.categoryName ?? input.categories[a.categoryId]?.name ?? "";
        const [x, y, w, h] = a.bbox;
        yield csvRow([file, split, image.width, image.height, category, x, y, w, h, a.confidence, a.verified]);
        boxes++;
      }
      images++;
      options.onProgress?.(images, input.imageCount);
    }
  }

  try {
    await pipeline(Readable.from(rows()), createWriteStream(tmp, { flags: "wx" }));
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return { file: "boxes.csv", images, boxes };
}

export interface CsvWriterOptions {
  outDir: string;
  split?: SplitOptions;
  /** Keep near-identical boxes of one element from different labelers (default: merged, as every format does). */
  keepDuplicates?: boolean;
  onProgress?: ConvertProgress;
}

/** The CSV format as a pipeline writer (for `runPipeline({ writers: [csvWriter({ outDir })] })`). */
export function csvWriter(options: CsvWriterOptions): Writer {
  return converterWriter({
    name: "csv",
    outDir: options.outDir,
    ...(options.split ? { split: options.split } : {}),
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    convert: (input) => convertCsv(input, { outDir: options.outDir, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }),
  });
}
