import path from "node:path";
import { conversionTargetOptions, defineFormat, type FormatTarget } from "@qontinui/export-core";
import { z } from "zod";
import { cocoWriter } from "./coco-writer.js";
import { toCoco } from "./to-coco.js";

/** COCO's own options, as the CLI and the export service give them. */
export const CocoFormatOptions = z.object({
  categoryIdBase: z.coerce.number().pipe(z.union([z.literal(0), z.literal(1)])).optional(),
  minConfidence: z.coerce.number().min(0).max(1).optional(),
  verifiedOnly: z.boolean().optional(),
  dropEmpty: z.boolean().optional(),
  layout: z.enum(["flat", "coco2017"]).optional(),
  force: z.boolean().optional(),
});

/** COCO detection JSON as a format descriptor (`qontinui-export coco`, `run --format coco`). */
export const cocoFormat = defineFormat({
  name: "coco",
  title: "COCO detection JSON",
  summary: "COCO detection JSON (one file, or one per split), file_name relative to the images",
  out: "file-or-dir",
  options: CocoFormatOptions,
  flags: [
    { flag: "category-id-base", key: "categoryIdBase", kind: "string", help: "first category id: 1 (default, COCO) or 0" },
    { flag: "verified-only", key: "verifiedOnly", kind: "boolean", help: "only boxes confirmed by a click (verified: true)" },
    { flag: "min-confidence", key: "minConfidence", kind: "string", help: "only boxes with confidence >= x (0 to 1)" },
    { flag: "drop-empty", key: "dropEmpty", kind: "boolean", help: "leave out images without boxes" },
    {
      flag: "layout",
      key: "layout",
      kind: "string",
      help: "flat (default: <split>.json, file_name relative to the dataset's images) or coco2017 (annotations/<split>.json and images/<split>/, images copied or linked with --link; no split = train; default out <dataset>/coco/)",
    },
    { flag: "force", key: "force", kind: "boolean", help: "coco2017: write into a non-empty directory that is not a previous output" },
  ],
  writer: (target, o) =>
    cocoWriter({
      outDir: target.out,
      ...(target.split ? { split: target.split } : {}),
      ...(target.datasetImagesDir ? { imagesDir: target.datasetImagesDir } : {}),
      ...common(target, o),
    }),
  fromDataset: (datasetDir, target, o) =>
    toCoco(datasetDir, {
      ...(target.out ? (target.split || o.layout === "coco2017" ? { outDir: path.resolve(target.out) } : { out: path.resolve(target.out) }) : {}),
      ...conversionTargetOptions(target),
      ...common(target, o),
    }),
});

function common(target: FormatTarget, o: z.output<typeof CocoFormatOptions>) {
  return {
    ...(o.layout ? { layout: o.layout } : {}),
    ...(o.layout === "coco2017" ? { imageMode: target.linkImages ? ("hardlink" as const) : ("copy" as const) } : {}),
    ...(o.force ? { force: true } : {}),
    ...(target.keepDuplicates ? { keepDuplicates: true } : {}),
    ...(o.categoryIdBase !== undefined ? { categoryIdBase: o.categoryIdBase } : {}),
    ...(o.minConfidence !== undefined ? { minConfidence: o.minConfidence } : {}),
    ...(o.verifiedOnly !== undefined ? { verifiedOnly: o.verifiedOnly } : {}),
    ...(o.dropEmpty !== undefined ? { includeEmptyImages: !o.dropEmpty } : {}),
  };
}
