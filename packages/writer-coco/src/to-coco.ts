import path from "node:path";
import type { Logger } from "@qontinui/export-core";
import { datasetConvertInput } from "@qontinui/intermediate-format";
import { type CocoOptions, type CocoSummary, convertCoco } from "./convert-coco.js";

export interface ToCocoOptions extends Omit<CocoOptions, "copyImagesTo"> {
  /** Told about manifest lines passed over (a torn last line, for instance). */
  logger?: Logger;
  /** Only images a person has reviewed (every manifest line of the image marked `reviewed`, as `qontinui-export review` sets it). */
  reviewedOnly?: boolean;
}

export interface ToCocoSummary extends CocoSummary {
  /** The directory every `file_name` is relative to (coco2017: its `<split>/` folder in this directory). */
  imagesDir: string;
}

/**
 * Converts an intermediate dataset directory (ours or the Python runner's) to
 * COCO without the pipeline. Defaults: `<dataset>/dataset.json`, or
 * `<dataset>/coco/<split>.json` with a split; `file_name` is relative to
 * `<dataset>/images`, where the images already are (nothing is copied).
 * With `layout: "coco2017"`: `<dataset>/coco/annotations/<split>.json` and the
 * images copied (or linked) into `<dataset>/coco/images/<split>/`.
 */
export async function toCoco(datasetDir: string, options: ToCocoOptions = {}): Promise<ToCocoSummary> {
  const dir = path.resolve(datasetDir);
  const input = await datasetConvertInput(dir, {
    ...(options.split ? { split: options.split } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    ...(options.reviewedOnly ? { reviewedOnly: true } : {}),
  });
  const coco2017 = options.layout === "coco2017";
  const outDir = options.outDir ?? (!options.out && (options.split || coco2017) ? path.join(dir, "coco") : undefined);
  const out = options.out ?? (outDir ? undefined : path.join(dir, "dataset.json"));
  const summary = await convertCoco(input, { ...options, ...(outDir ? { outDir } : {}), ...(out ? { out } : {}) });
  return { ...summary, imagesDir: coco2017 ? path.resolve(outDir!, "images") : input.dataset.paths.images };
}
