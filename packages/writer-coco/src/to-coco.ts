import path from "node:path";
import { ConfigError, type Logger } from "@qontinui/export-core";
import { datasetConvertInput, type DatasetInput } from "@qontinui/intermediate-format";
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
 *
 * From a dataset that is not a directory (a store's `DatasetReader`), `out`
 * or `outDir` is required, and the flat layout copies the images into
 * `images/` beside the JSON (there is no dataset folder to point at).
 */
export async function toCoco(dataset: DatasetInput, options: ToCocoOptions = {}): Promise<ToCocoSummary> {
  const input = await datasetConvertInput(typeof dataset === "string" ? path.resolve(dataset) : dataset, {
    ...(options.split ? { split: options.split } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    ...(options.reviewedOnly ? { reviewedOnly: true } : {}),
  });
  const coco2017 = options.layout === "coco2017";
  const home = typeof dataset === "string" ? path.resolve(dataset) : undefined;
  if (!home && !options.out && !options.outDir) {
    throw new ConfigError(`COCO from ${input.dataset.location}: give \`out\` (a file) or \`outDir\` (a directory): a store has no folder to write dataset.json into`);
  }
  const outDir = options.outDir ?? (!options.out && (options.split || coco2017) ? path.join(home!, "coco") : undefined);
  const out = options.out ?? (outDir ? undefined : path.join(home!, "dataset.json"));
  // Images not in a directory of their own (a store) are copied beside the JSON, where file_name points.
  const copyImagesTo = !coco2017 && !input.dataset.imagesDir ? path.join(outDir ?? path.dirname(path.resolve(out!)), "images") : undefined;
  const summary = await convertCoco(input, { ...options, ...(outDir ? { outDir } : {}), ...(out ? { out } : {}), ...(copyImagesTo ? { copyImagesTo } : {}) });
  return { ...summary, imagesDir: coco2017 ? path.resolve(outDir!, "images") : (copyImagesTo ?? input.dataset.imagesDir!) };
}
