import path from "node:path";
import { type CompleteWriter, converterWriter } from "@qontinui/export-core";
import { type CocoOptions, convertCoco } from "./convert-coco.js";

export interface CocoWriterOptions extends Omit<CocoOptions, "out" | "outDir" | "copyImagesTo"> {
  /** Where the COCO file(s) go: `dataset.json`, or `<split>.json` per split. */
  outDir: string;
  /**
   * Flat layout: the directory `file_name` is relative to, when the images are
   * already stored there (for example by an intermediate writer in the same
   * export: `<dataset>/images`). Unset: images are copied into
   * `<outDir>/images`. The coco2017 layout always places images per split.
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
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    convert: (input) =>
      convertCoco(input, {
        ...options,
        outDir,
        // coco2017 places each split's images itself; the flat layout points at the dataset's images or copies them.
        ...(options.layout === "coco2017" || options.imagesDir ? {} : { copyImagesTo: path.join(outDir, "images") }),
      }),
  });
}
