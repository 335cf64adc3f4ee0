import type { Category, DatasetHandle, DatasetImage } from "@qontinui/export-core";
import type { ImageProblem, ManifestLine, ManifestProblem } from "./dataset-reader.js";
import type { AnnotationFile, Metadata } from "./layout.js";

/**
 * What every consumer of a dataset reads it through: converters (`coco`,
 * `yolo`, `voc`, custom formats via `datasetConvertInput`), `stats`,
 * `preview`, the web ZIP. A directory (`IntermediateDataset`, from
 * `openDataset`) is one; a PostgreSQL-backed store (`@qontinui/store-postgres`)
 * is another. Everything is in the on-disk dataset's own shapes (layout.ts),
 * so a reader is "the dataset as if it were files".
 */
export interface DatasetReader extends DatasetHandle {
  /** For messages: the directory, or the store's URL without its password. */
  readonly location: string;
  /** The directory image files (`<id>.<ext>`) are in, when the dataset is a directory; a store has none (`image(id).path` is a file it made available). */
  readonly imagesDir?: string;
  readonly metadata: Metadata;
  /** Categories by 0-based id. */
  categories(): Category[];
  /** Manifest entries in order; lines that are not entries go to `onProblem`. */
  manifest(onProblem?: (p: ManifestProblem) => void): AsyncGenerator<ManifestLine>;
  /** Distinct image ids in manifest order (first appearance). */
  imageIds(onProblem?: (p: ManifestProblem) => void): Promise<string[]>;
  /** The image's annotation document as stored, or undefined when it has none. */
  readAnnotationFile(id: string): Promise<AnnotationFile | undefined>;
  /** One image with its checked boxes; `path` is a local file holding its bytes. */
  image(id: string, onProblem?: (p: ImageProblem) => void): Promise<DatasetImage>;
  images(onProblem?: (p: ManifestProblem) => void, onImageProblem?: (p: ImageProblem) => void): AsyncGenerator<DatasetImage>;
  /** True when a writer holds the dataset or one was interrupted: boxes it has not finished writing are not readable yet. */
  writerActive(): Promise<boolean>;
  /** Releases what the reader holds (connections, fetched files). */
  close(): Promise<void>;
}

/**
 * A dataset directory, or a reader already open (which stays the caller's to
 * close). Typed loosely as core's `DatasetHandle` so format descriptors can
 * pass theirs on; `datasetReader` checks it is a whole reader.
 */
export type DatasetInput = string | DatasetHandle;

const READER_METHODS = ["categories", "manifest", "imageIds", "readAnnotationFile", "image", "images", "writerActive", "close"] as const;

/** True when `value` has every member of a DatasetReader. */
export function isDatasetReader(value: unknown): value is DatasetReader {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.location === "string" && typeof r.metadata === "object" && r.metadata !== null && READER_METHODS.every((m) => typeof r[m] === "function");
}
