import path from "node:path";
import { type CompleteWriter, converterWriter, type Logger } from "@qontinui/export-core";
import { convertVoc } from "./convert-voc.js";
import { prepareOutDir } from "./output-dir.js";
import type { VocOptions } from "./voc-options.js";

/**
 * A pipeline writer for Pascal VOC. Records are spooled in `<outDir>/.spool`
 * and the layout is written at close (when the split over all images is
 * known). A directory the writer may not use is refused already at open,
 * before the export runs. Warnings go to `options.logger`, else the export's.
 */
export function vocWriter(options: VocOptions): CompleteWriter {
  let logger: Logger | undefined = options.logger;
  const inner = converterWriter({
    name: "voc",
    outDir: options.outDir,
    split: options.split,
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    convert: (input) => convertVoc(input, { ...options, ...(logger ? { logger } : {}) }),
  });
  return {
    ...inner,
    async open(ctx) {
      logger ??= ctx.logger;
      await prepareOutDir(path.resolve(options.outDir), { force: options.force, clean: false });
      await inner.open(ctx);
    },
  };
}
