export { IntermediateDataset, type ManifestLine, type ManifestProblem, openDataset } from "./dataset-reader.js";
export {
  ANNOTATIONS_DIR,
  type AnnotationFile,
  datasetPaths,
  IMAGE_ID_PATTERN,
  IMAGES_DIR,
  MANIFEST_FILE,
  type ManifestEntry,
  METADATA_FILE,
  type Metadata,
  STATE_DIR,
  type StoredAnnotation,
} from "./layout.js";
export { type ImageMode, intermediateWriter, type IntermediateWriterOptions, type IntermediateWriterSummary } from "./intermediate-writer.js";
export { acquireLock, type AcquiredLock, type LockInfo } from "./dataset-lock.js";
export { datasetSummary, type DatasetSummary } from "./dataset-summary.js";
export { mergeDatasets, type MergeOptions, type MergeSummary } from "./merge-datasets.js";
export { validateDataset, type ValidationProblem, type ValidationReport } from "./validate-dataset.js";
export { datasetConvertInput, type DatasetConvertOptions } from "./convert-input.js";
