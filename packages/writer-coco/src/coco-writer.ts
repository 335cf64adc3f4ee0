import path from "node:path";
import { type CompleteWriter, converterWriter } from "@qontinui/export-core";
import { type CocoOptions, convertCoco } from "./convert-coco.js";

export interface CocoWriterOptions extends Omit<CocoOptions, "out" | "outDir" | "copyImagesTo"> {
  /** Where the COCO file(s) go: `dataset.json`, or `<split>.json` per split. */
  outDir: string;
  /**
   * The directory `file_name` is relative to, when the images are already
   * stored there (for example by an intermediate writer in the same export:
   * `<dataset>/images`). Unset: images are copied into `<outDir>/images`.
   */
  imagesDir?: string;
}

/**
 * COCO as a pipeline writer. Records are spooled as they come (the split
 * needs every image) and the COCO file(s) are streamed out at close.
 */
export function cocoWriter(options: CocoWriterOptions): CompleteWriter {
  const outDir = path.resolve(options.outDir);
  return converterWriter({
    name: "coco",
    outDir,
    ...(options.split ? { split: options.split } : {}),
    convert: (input) =>
      convertCoco(input, { ...options, outDir, ...(options.imagesDir ? {} : { copyImagesTo: path.join(outDir, "images") }) }),
  });
}
