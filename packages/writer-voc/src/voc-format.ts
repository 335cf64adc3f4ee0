import path from "node:path";
import { conversionTargetOptions, defineFormat, type FormatTarget } from "@qontinui/export-core";
import { z } from "zod";
import { toVoc } from "./to-voc.js";
import { vocWriter } from "./voc-writer.js";

/** VOC's own options, as the CLI and the export service give them. */
export const VocFormatOptions = z
  .object({
    /** Write into a non-empty directory that is not a previous output of this format. */
    force: z.boolean().optional(),
    /** JPEG quality of transcoded images, 1–100 (default 95). Coerced: the CLI gives text. */
    quality: z.coerce.number().int().min(1).max(100).optional(),
    /** Keep the images' own bytes and extensions (PNG stays PNG): torchvision's VOCDetection will not load them. */
    keepOriginal: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.keepOriginal && o.quality !== undefined) {
      ctx.addIssue({ code: "custom", path: ["quality"], message: "quality has no effect with keepOriginal (--keep-original): images are kept as they are, not encoded; give one or the other" });
    }
  });

/** The format as a descriptor (`qontinui-export voc`, `run --format voc`). */
export const vocFormat = defineFormat({
  name: "voc",
  title: "Pascal VOC",
  summary: "Pascal VOC: JPEGImages/<id>.jpg, Annotations/<id>.xml, ImageSets/Main/{train,val,trainval}.txt",
  out: "dir",
  options: VocFormatOptions,
  flags: [
    { flag: "force", key: "force", kind: "boolean", help: "write into a non-empty directory that is not a previous output" },
    { flag: "quality", key: "quality", kind: "string", help: "JPEG quality 1-100 of images encoded to JPEG (default 95); JPEG screenshots are copied as they are" },
    {
      flag: "keep-original",
      key: "keepOriginal",
      kind: "boolean",
      help: "keep each image's own bytes and extension (PNG stays PNG): torchvision's VOCDetection will not load them",
    },
  ],
  writer: (target, o) =>
    vocWriter({
      outDir: target.out,
      ...(target.split ? { split: target.split } : {}),
      ...(target.logger ? { logger: target.logger } : {}),
      ...common(target, o),
    }),
  fromDataset: (datasetDir, target, o) => {
    if (!target.out) throw new RangeError("voc: an output directory (out) is required");
    return toVoc(datasetDir, {
      outDir: path.resolve(target.out),
      ...conversionTargetOptions(target),
      ...common(target, o),
    });
  },
});

function common(target: FormatTarget, o: z.output<typeof VocFormatOptions>) {
  return {
    imageMode: target.linkImages ? ("hardlink" as const) : ("copy" as const),
    ...(o.force ? { force: true } : {}),
    ...(o.quality !== undefined ? { quality: o.quality } : {}),
    ...(o.keepOriginal ? { keepOriginal: true } : {}),
    ...(target.keepDuplicates ? { keepDuplicates: true } : {}),
  };
}
