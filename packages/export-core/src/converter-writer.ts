import path from "node:path";
import type { ConvertInput } from "./convert.js";
import { splitAssignment } from "./convert.js";
import type { DatasetImage } from "./dataset-image.js";
import { withDuplicatesMerged } from "./duplicate-boxes.js";
import { ImageSpool } from "./image-spool.js";
import type { CompleteWriter, ExportItem, WriterContext, WriterSummary } from "./plugins.js";
import { recordContext } from "./record.js";
import type { SplitOptions } from "./split.js";

export interface ConverterWriterOptions<S extends object> {
  /** Writer name in summaries, e.g. "coco". */
  name: string;
  /** The output directory; the spool lives in `<outDir>/.spool` until close. */
  outDir: string;
  split?: SplitOptions;
  /** Keep boxes different labelers put on one element (default false: merged, see mergeDuplicateBoxes). */
  keepDuplicates?: boolean;
  /** Writes the format from everything this export saw. */
  convert(input: ConvertInput): Promise<S>;
}

/** The DatasetImage of one exported record: the image file is the screenshot in the run. */
export function datasetImageOf(item: ExportItem): DatasetImage {
  const context = recordContext(item.record);
  return {
    id: item.image.id,
    fileName: `${item.image.id}${item.image.extension}`,
    path: item.image.sourcePath,
    width: item.image.width,
    height: item.image.height,
    channels: item.image.channels,
    annotations: item.annotations,
    activeStates: context.active_states,
    context,
  };
}

/**
 * Turns a format converter into a pipeline writer: records are spooled (one
 * append-only file; the boxes of one screenshot are merged when read back)
 * and the converter runs at close, when the split over all images can be
 * decided. Memory holds where each image's records are, not the records.
 */
export function converterWriter<S extends object>(options: ConverterWriterOptions<S>): CompleteWriter {
  const spool = new ImageSpool(path.join(path.resolve(options.outDir), ".spool"));
  let ctx: WriterContext | undefined;
  return {
    name: options.name,
    async open(context) {
      ctx = context;
      await spool.open();
    },
    async write(item) {
      await spool.add(datasetImageOf(item));
    },
    async close(): Promise<WriterSummary> {
      if (!ctx) throw new Error(`${options.name} writer: close() before open()`);
      const ids = spool.ids();
      const all: ConvertInput = {
        categories: ctx.registry.list(),
        images: () => spool.images(),
        imageCount: ids.length,
        ...splitAssignment(ids, options.split),
        datasetVersion: ctx.datasetVersion,
      };
      const input = options.keepDuplicates ? all : withDuplicatesMerged(all);
      try {
        const summary = await options.convert(input);
        return { writer: options.name, ...summary, ...(input.duplicates ? { duplicatesMerged: input.duplicates.merged } : {}) };
      } finally {
        await spool.remove();
      }
    },
    async abort() {
      await spool.remove();
    },
  };
}
