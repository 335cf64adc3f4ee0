import path from "node:path";
import { defineFormat, type FormatTarget } from "@qontinui/export-core";
import { z } from "zod";
import { toVoc } from "./to-voc.js";
import { vocWriter } from "./voc-writer.js";

/** VOC's own options, as the CLI and the export service give them. */
export const VocFormatOptions = z.object({
  /** Write into a non-empty directory that is not a previous output of this format. */
  force: z.boolean().optional(),
});

/** The format as a descriptor (`qontinui-export voc`, `run --format voc`). */
export const vocFormat = defineFormat({
  name: "voc",
  title: "Pascal VOC",
  summary: "Pascal VOC: JPEGImages/, Annotations/<id>.xml, ImageSets/Main/<split>.txt",
  out: "dir",
  options: VocFormatOptions,
  flags: [
    { flag: "force", key: "force", kind: "boolean", help: "write into a non-empty directory that is not a previous output" },
  ],
  writer: (target, o) => vocWriter({ outDir: target.out, ...(target.split ? { split: target.split } : {}), ...common(target, o) }),
  fromDataset: (datasetDir, target, o) => {
    if (!target.out) throw new RangeError("voc: an output directory (out) is required");
    return toVoc(datasetDir, {
      outDir: path.resolve(target.out),
      ...(target.split ? { split: target.split } : {}),
      ...(target.onProgress ? { onProgress: target.onProgress } : {}),
      ...(target.logger ? { logger: target.logger } : {}),
      ...common(target, o),
    });
  },
});

function common(target: FormatTarget, o: z.output<typeof VocFormatOptions>) {
  return { imageMode: target.linkImages ? ("hardlink" as const) : ("copy" as const), ...(o.force ? { force: true } : {}) };
}
