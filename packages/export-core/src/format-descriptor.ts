import type { z } from "zod";
import type { Logger, Writer } from "./plugins.js";
import type { SplitOptions } from "./split.js";

/** Where and how a format writes, whatever its own options: the same for every format. */
export interface FormatTarget {
  /** The output: a directory, or for formats that say so (`out: "file-or-dir"`) a file without a split. */
  out?: string;
  split?: SplitOptions;
  /** In an export: the directory where the dataset's images are already stored (a format may point at them instead of copying). */
  datasetImagesDir?: string;
  /** Hard-link images instead of copying them, where the format places image files (falls back to a copy across filesystems). */
  linkImages?: boolean;
  /** Keep near-identical boxes different labelers put on one element (default: merged, see mergeDuplicateBoxes). */
  keepDuplicates?: boolean;
  /** Converting a dataset: only the images a person has reviewed (`qontinui-export review`). */
  reviewedOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
  logger?: Logger;
}

/** A command-line flag of a format: `--category-id-base` sets option `categoryIdBase`. */
export interface FormatFlag {
  /** Without the dashes: "category-id-base". */
  flag: string;
  /** The option it sets. */
  key: string;
  /** A boolean flag takes no value; a string flag's text is coerced by the format's option schema. */
  kind: "string" | "boolean";
  /** One line for --help, without the flag itself. */
  help: string;
}

/**
 * An output format as one object, registered in one place: the CLI's
 * command of that name, `run --format`, the export service and `--help` all
 * come from it. `options` validates (and coerces, for flags given as text)
 * the format's own options; `writer` writes it in an export's pass;
 * `fromDataset` converts an intermediate dataset (a directory or a reader).
 *
 * ```ts
 * export const csvFormat = defineFormat({
 *   name: "csv",
 *   title: "CSV",
 *   summary: "one CSV line per box",
 *   out: "dir",
 *   options: z.object({ header: z.boolean().default(true) }),
 *   flags: [],
 *   writer: (target, o) => csvWriter({ outDir: target.out!, header: o.header }),
 *   fromDataset: (dir, target, o) => toCsv(dir, { outDir: target.out!, header: o.header }),
 * });
 * ```
 */
export interface FormatDescriptor<O = Record<string, unknown>> {
  name: string;
  /** A few words: "COCO detection JSON". */
  title: string;
  /** One line: what the format writes, for --help. */
  summary: string;
  /** "dir": `out` is a required directory. "file-or-dir": a file without a split, a directory with one; optional (the format has a default). */
  out: "dir" | "file-or-dir";
  options: z.ZodType<O>;
  flags: readonly FormatFlag[];
  /** The format as a pipeline writer (target.out is its directory). */
  writer(target: FormatTarget & { out: string }, options: O): Writer;
  /** Converts an intermediate dataset (a directory, or a reader such as a store's); resolves to the format's summary. */
  fromDataset(dataset: string | DatasetHandle, target: FormatTarget, options: O): Promise<object>;
}

/**
 * A dataset that is not a directory, opened for reading: in practice
 * @qontinui/intermediate-format's `DatasetReader` (a PostgreSQL-backed store's
 * reader is one). Converters hand it to `datasetConvertInput`, which takes a
 * directory or a reader alike.
 */
export interface DatasetHandle {
  /** For messages: where the dataset is (a store's URL without its password). */
  readonly location: string;
}

/** What a converter reading a dataset takes from the target as its own options: the split, progress, logger and reviewed-only, when set. */
export interface ConversionTargetOptions {
  split?: SplitOptions;
  onProgress?: (done: number, total: number) => void;
  logger?: Logger;
  reviewedOnly?: true;
}

/**
 * The target's fields every `fromDataset` passes on the same way, so a field
 * added to FormatTarget reaches each converter from here (a descriptor adds
 * its own `out` and options).
 */
export function conversionTargetOptions(target: FormatTarget): ConversionTargetOptions {
  return {
    ...(target.split ? { split: target.split } : {}),
    ...(target.onProgress ? { onProgress: target.onProgress } : {}),
    ...(target.logger ? { logger: target.logger } : {}),
    ...(target.reviewedOnly ? { reviewedOnly: true as const } : {}),
  };
}

/** Names a descriptor's option type from its schema (an identity function for inference). */
export function defineFormat<O>(descriptor: FormatDescriptor<O>): FormatDescriptor<O> {
  return descriptor;
}
