import { type ConvertInput, mapAhead, type Logger, type SplitOptions, splitAssignment, withDuplicatesMerged } from "@qontinui/export-core";
import { type IntermediateDataset, type ManifestProblem, openDataset } from "./dataset-reader.js";
import { storedCategoryId } from "./stored-annotation.js";

export interface DatasetConvertOptions {
  split?: SplitOptions;
  /** Told about torn or malformed manifest lines that are passed over. */
  logger?: Logger;
  /**
   * Keep near-identical boxes different labelers put on one element. Default
   * false: they are merged on the way to the format (mergeDuplicateBoxes); the
   * dataset itself keeps every box.
   */
  keepDuplicates?: boolean;
}

/**
 * A ConvertInput over an intermediate dataset directory (ours or the seed's),
 * for converters that start from a dataset on disk (`toCoco`, `toYolo`,
 * `toVoc`, custom formats). One pass over the annotation files collects each
 * image's categories for the split; `images()` then streams the images one at
 * a time, so memory holds ids and category ids only.
 */
export async function datasetConvertInput(dir: string, options: DatasetConvertOptions = {}): Promise<ConvertInput & { dataset: IntermediateDataset }> {
  const dataset = await openDataset(dir);
  const report = (p: ManifestProblem) => options.logger?.warn(`${dataset.paths.manifest}:${p.line}: ${p.message} (line passed over)`);
  const ids = await dataset.imageIds(report);
  const forSplit: { id: string; categories?: number[] }[] = [];
  if (options.split?.stratify) {
    const categoryMap = dataset.metadata.category_map;
    for (const id of ids) {
      const ann = await dataset.readAnnotationFile(id);
      forSplit.push({ id, categories: (ann?.annotations ?? []).map((a) => storedCategoryId(a, categoryMap)) });
    }
  } else {
    for (const id of ids) forSplit.push({ id });
  }
  const input: ConvertInput = {
    categories: dataset.categories(),
    imageCount: ids.length,
    images: () => mapAhead(ids, (id) => dataset.image(id)),
    ...splitAssignment(forSplit, options.split),
    datasetVersion: String(dataset.metadata.dataset_version ?? "1.0.0"),
  };
  return { ...(options.keepDuplicates ? input : withDuplicatesMerged(input)), dataset };
}
