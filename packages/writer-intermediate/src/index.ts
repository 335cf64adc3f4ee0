export {
  createIntermediateWriter,
  type ImageMode,
  intermediateWriter,
  type IntermediateWriterOptions,
  type IntermediateWriterSummary,
  type WriterInternals,
} from "./intermediate-writer.js";
export { acquireLock, type AcquiredLock, type LockInfo } from "./dataset-lock.js";
export { keepClosedState } from "./closed-state.js";
export { type DatasetImageRead, datasetImageSource, readDatasetImage } from "./dataset-images.js";
export { mergeDatasets, type MergeOptions, type MergeSummary } from "./merge-datasets.js";

// The format itself (layout, reader, summary, validator) lives in @qontinui/intermediate-format;
// re-exported so imports from this package keep working.
export {
  ANNOTATIONS_DIR,
  type AnnotationFile,
  datasetConvertInput,
  type DatasetConvertOptions,
  datasetPaths,
  datasetSummary,
  type DatasetSummary,
  IMAGE_ID_PATTERN,
  IMAGES_DIR,
  IntermediateDataset,
  MANIFEST_FILE,
  type ManifestEntry,
  type ManifestLine,
  type ManifestProblem,
  METADATA_FILE,
  type Metadata,
  openDataset,
  STATE_DIR,
  type StoredAnnotation,
  validateDataset,
  type ValidationProblem,
  type ValidationReport,
} from "@qontinui/intermediate-format";
// For a store reading shards as merge reads its inputs (@qontinui/store-postgres): one copy of these rules.
export { manifestEntries, manifestEntryOf, readRecordFlags } from "./recovery.js";
export { FLAG_CLICK, FLAG_MATCH } from "./record-index.js";
