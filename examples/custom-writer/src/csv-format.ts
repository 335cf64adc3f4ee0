import path from "node:path";
import { conversionTargetOptions, defineFormat } from "@qontinui/export-core";
import { datasetConvertInput } from "@qontinui/intermediate-format";
import { z } from "zod";
import { convertCsv, csvWriter } from "./csv-writer.js";

/**
 * CSV as a format descriptor: registered in a list of formats (the CLI's
 * `FORMATS` in @qontinui/export-service), it becomes a `qontinui-export csv`
 * command, a `run --format csv` target and an export-service format, with
 * its --help, from this one object.
 */
export const csvFormat = defineFormat({
  name: "csv",
  title: "CSV",
  summary: "one CSV row per box (boxes.csv) with the images beside it",
  out: "dir",
  options: z.object({}),
  flags: [],
  writer: (target) => csvWriter({ outDir: target.out, ...(target.split ? { split: target.split } : {}), ...(target.keepDuplicates ? { keepDuplicates: true } : {}) }),
  async fromDataset(datasetDir, target) {
    if (!target.out) throw new RangeError("csv: an output directory (out) is required");
    const { onProgress, ...reading } = conversionTargetOptions(target);
    const input = await datasetConvertInput(datasetDir, { ...reading, ...(target.keepDuplicates ? { keepDuplicates: true } : {}) });
    return convertCsv(input, { outDir: path.resolve(target.out), ...(onProgress ? { onProgress } : {}) });
  },
});
