import { datasetConvertInput, type DatasetInput } from "@qontinui/intermediate-format";
import { convertVoc } from "./convert-voc.js";
import type { VocOptions, VocSummary } from "./voc-options.js";

/** Converts an intermediate dataset (a directory, ours or the seed's, or a store's reader) to Pascal VOC. */
export async function toVoc(datasetDir: DatasetInput, options: VocOptions & { reviewedOnly?: boolean }): Promise<VocSummary> {
  const input = await datasetConvertInput(datasetDir, {
    split: options.split,
    logger: options.logger,
    keepDuplicates: options.keepDuplicates === true,
    reviewedOnly: options.reviewedOnly === true,
  });
  return convertVoc(input, options);
}
