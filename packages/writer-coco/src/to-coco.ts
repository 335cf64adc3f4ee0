import path from "node:path";
import type { Logger } from "@qontinui/export-core";
import { datasetConvertInput } from "@qontinui/intermediate-format";
import { type CocoOptions, type CocoSummary, convertCoco } from "./convert-coco.js";

export interface ToCocoOptions extends Omit<CocoOptions, "copyImagesTo"> {
  /** Told about manifest lines passed over (a torn last line, for instance). */
  logger?: Logger;
}

export interface ToCocoSummary extends CocoSummary {
  /** The directory every `file_name` is relative to. */
  imagesDir: string;
}

/**
 * Converts an intermediate dataset directory (ours or the Python runner's) to
 * COCO without the pipeline. Defaults: `<dataset>/dataset.json`, or
 * `<dataset>/coco/<split>.json` with a split; `file_name` is relative to
 * `<dataset>/images`, where the images already are (nothing is copied).
 */
export async function toCoco(datasetDir: string, options: ToCocoOptions = {}): Promise<ToCocoSummary> {
  const dir = path.resolve(datasetDir);
  const input = await datasetConvertInput(dir, {
    ...(options.split ? { split: options.split } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const where = options.out || options.outDir ? {} : options.split ? { outDir: path.join(dir, "coco") } : { out: path.join(dir, "dataset.json") };
  const summary = await convertCoco(input, { ...options, ...where });
  return { ...summary, imagesDir: input.dataset.paths.images };
}
