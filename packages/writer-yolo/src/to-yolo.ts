import type { Logger } from "@qontinui/export-core";
import { datasetConvertInput, type DatasetInput } from "@qontinui/intermediate-format";
import { convertYolo } from "./convert-yolo.js";
import type { YoloOptions, YoloSummary } from "./yolo-options.js";

export interface ToYoloOptions extends YoloOptions {
  /** Told about torn or malformed manifest lines that are passed over. */
  logger?: Logger;
  /** Only images a person has reviewed (every manifest line of the image marked `reviewed`, as `qontinui-export review` sets it). */
  reviewedOnly?: boolean;
}

/** Converts an intermediate dataset (a directory, ours or the seed's, or a store's reader) to the Ultralytics YOLO layout. */
export async function toYolo(datasetDir: DatasetInput, options: ToYoloOptions): Promise<YoloSummary> {
  const input = await datasetConvertInput(datasetDir, {
    ...(options.split ? { split: options.split } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.keepDuplicates ? { keepDuplicates: true } : {}),
    ...(options.reviewedOnly ? { reviewedOnly: true } : {}),
  });
  return convertYolo(input, options);
}
