import { parseSplitRatios, type SplitOptions } from "@qontinui/export-core";
import { numberOption } from "../args.js";
import { UsageError } from "../exit-codes.js";

/** --split/--seed/--stratify, shared by run, coco, yolo and voc. */
export function splitOptions(command: string, values: { split?: string | undefined; seed?: string | undefined; stratify?: boolean | undefined }): SplitOptions | undefined {
  if (values.split === undefined) {
    if (values.seed !== undefined || values.stratify) throw new UsageError(`${command}: --seed and --stratify need --split`);
    return undefined;
  }
  const seed = numberOption(command, "seed", values.seed, (n) => Number.isInteger(n) && n >= 0) ?? 0;
  try {
    return { ratios: parseSplitRatios(values.split), seed, stratify: values.stratify ?? false };
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}
