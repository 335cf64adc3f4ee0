import { type ConvertInput, mapAhead, type Logger, type SplitOptions, splitAssignment, withDuplicatesMerged } from "@qontinui/export-core";
import { datasetReader, type ImageProblem, IntermediateDataset, type ManifestProblem } from "./dataset-reader.js";
import type { DatasetInput, DatasetReader } from "./reader.js";
import { storedCategoryId } from "./stored-annotation.js";

const SHOWN_PER_REASON = 5;

/** Images whose every manifest line is marked reviewed, in manifest order. */
async function reviewedImageIds(dataset: DatasetReader, report: (p: ManifestProblem) => void): Promise<string[]> {
  const reviewed = new Map<string, boolean>();
  for await (const { entry } of dataset.manifest(report)) reviewed.set(entry.id, (reviewed.get(entry.id) ?? true) && entry.reviewed === true);
  return [...reviewed].filter(([, all]) => all).map(([id]) => id);
}

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
  /** Only images a person has reviewed (every manifest line of the image marked `reviewed`, as `qontinui-export review` sets it). */
  reviewedOnly?: boolean;
}

/**
 * A ConvertInput over an intermediate dataset directory (ours or the seed's),
 * for converters that start from a dataset on disk (`toCoco`, `toYolo`,
 * `toVoc`, custom formats). One pass over the annotation files collects each
 * image's categories for the split; `images()` then streams the images one at
 * a time, so memory holds ids and category ids only.
 */
export async function datasetConvertInput(from: DatasetInput, options: DatasetConvertOptions = {}): Promise<ConvertInput & { dataset: DatasetReader }> {
  const dataset = await datasetReader(from);
  // An export that is running, or died, may hold boxes not yet in annotations/ (its journal): say so.
  if (await dataset.writerActive()) {
    options.logger?.warn(
      `${dataset.location}: an export is writing this dataset, or one was interrupted (${dataset instanceof IntermediateDataset ? ".qontinui/lock is present" : "a writer holds it"}): boxes it has not finished writing are not converted; let it finish, or run the same export again, then convert`,
    );
  }
  const manifestName = dataset instanceof IntermediateDataset ? dataset.paths.manifest : `${dataset.location} manifest line `;
  const report = (p: ManifestProblem) => options.logger?.warn(`${manifestName}${dataset instanceof IntermediateDataset ? ":" : ""}${p.line}: ${p.message} (line passed over)`);
  const ids = options.reviewedOnly ? await reviewedImageIds(dataset, report) : await dataset.imageIds(report);
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
  // What an annotation file holds that is not data (a box outside the image, a path for a file name) is left out and said, a few times per reason.
  const shown = new Map<string, number>();
  const onImageProblem = (p: ImageProblem) => {
    const n = (shown.get(p.reason) ?? 0) + 1;
    shown.set(p.reason, n);
    if (n <= SHOWN_PER_REASON) options.logger?.warn(`${dataset.location}: ${p.message} (${p.reason})`);
    else if (n === SHOWN_PER_REASON + 1) options.logger?.warn(`${dataset.location}: more ${p.reason} problems are not shown`);
  };
  const input: ConvertInput = {
    categories: dataset.categories(),
    imageCount: ids.length,
    images: () => mapAhead(ids, (id) => dataset.image(id, onImageProblem)),
    ...splitAssignment(forSplit, options.split),
    datasetVersion: String(dataset.metadata.dataset_version ?? "1.0.0"),
  };
  return { ...(options.keepDuplicates ? input : withDuplicatesMerged(input)), dataset };
}
