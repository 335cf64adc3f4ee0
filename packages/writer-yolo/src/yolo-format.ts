import path from "node:path";
import { conversionTargetOptions, defineFormat, type FormatTarget } from "@qontinui/export-core";
import { z } from "zod";
import { toYolo } from "./to-yolo.js";
import { yoloWriter } from "./yolo-writer.js";

/** YOLO's own options, as the CLI and the export service give them. */
export const YoloFormatOptions = z.object({
  /** Write into a non-empty directory that is not a previous output of this format. */
  force: z.boolean().optional(),
});

/** The format as a descriptor (`qontinui-export yolo`, `run --format yolo`). */
export const yoloFormat = defineFormat({
  name: "yolo",
  title: "the Ultralytics YOLO layout",
  summary: "the Ultralytics YOLO layout: images/<split>, labels/<split> (class cx cy w h, normalised), data.yaml",
  out: "dir",
  options: YoloFormatOptions,
  flags: [
    { flag: "force", key: "force", kind: "boolean", help: "write into a non-empty directory that is not a previous output" },
  ],
  writer: (target, o) => yoloWriter({ outDir: target.out, ...(target.split ? { split: target.split } : {}), ...common(target, o) }),
  fromDataset: (datasetDir, target, o) => {
    if (!target.out) throw new RangeError("yolo: an output directory (out) is required");
    return toYolo(datasetDir, {
      outDir: path.resolve(target.out),
      ...conversionTargetOptions(target),
      ...common(target, o),
    });
  },
});

function common(target: FormatTarget, o: z.output<typeof YoloFormatOptions>) {
  return {
    imageMode: target.linkImages ? ("hardlink" as const) : ("copy" as const),
    ...(o.force ? { force: true } : {}),
    ...(target.keepDuplicates ? { keepDuplicates: true } : {}),
  };
}
