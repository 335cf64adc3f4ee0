import path from "node:path";
import { type CompleteWriter, converterWriter } from "@qontinui/export-core";
import { convertYolo } from "./convert-yolo.js";
import { checkOutDir } from "./output-dir.js";
import type { YoloOptions } from "./yolo-options.js";

/**
 * A pipeline writer for the Ultralytics YOLO layout: images are spooled in
 * `<outDir>/.spool` while the export runs, and the layout is written at
 * close, when the split over all images can be decided. A non-empty output
 * that is not a previous YOLO output is refused at open, before any work.
 */
export function yoloWriter(options: YoloOptions): CompleteWriter {
  const outDir = path.resolve(options.outDir);
  const inner = converterWriter({
    name: "yolo",
    outDir,
    ...(options.split ? { split: options.split } : {}),
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    convert: (input) => convertYolo(input, { ...options, outDir }),
  });
  return {
    ...inner,
    async open(ctx) {
      await checkOutDir(outDir, options.force);
      await inner.open(ctx);
    },
  };
}
