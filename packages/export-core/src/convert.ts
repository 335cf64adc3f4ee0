import type { Category } from "./category-registry.js";
import type { DatasetImage } from "./dataset-image.js";
import { assignSplits, DEFAULT_SPLIT_NAMES, type SplitOptions } from "./split.js";

/**
 * What a format converter consumes: the categories, the images (streamed, one
 * at a time) and which split each image belongs to. Built either from a
 * running pipeline (`converterWriter`) or from a dataset directory on disk
 * (`datasetConvertInput` in intermediate-format), so a format is written by
 * one function whichever way the data arrives.
 */
export interface ConvertInput {
  /** 0-based registry categories in id order. */
  categories: Category[];
  /** The images, each once, with all their boxes. May be iterated more than once. */
  images(): AsyncIterable<DatasetImage>;
  /** How many images `images()` yields. */
  imageCount: number;
  /** The split of an image, or undefined when there is no split. */
  splitOf(id: string): string | undefined;
  /** Split names in order (train, val, test), or [] without a split. */
  splitNames: string[];
  datasetVersion: string;
  /** Set when duplicate boxes are merged on the way (withDuplicatesMerged): how many were merged away. */
  readonly duplicates?: { merged: number };
}

/** Progress of a conversion: images written so far of the total. */
export type ConvertProgress = (done: number, total: number) => void;

/** A split (or none) decided from image ids and their categories. */
export function splitAssignment(
  images: readonly { id: string; categories?: readonly number[] }[],
  split: SplitOptions | undefined,
): Pick<ConvertInput, "splitOf" | "splitNames"> {
  if (!split) return { splitOf: () => undefined, splitNames: [] };
  const names = [...(split.names ?? DEFAULT_SPLIT_NAMES)].slice(0, split.ratios.length);
  const map = assignSplits(images, split);
  return { splitOf: (id) => map.get(id), splitNames: names };
}
