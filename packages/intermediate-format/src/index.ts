export {
  ANNOTATIONS_DIR,
  type AnnotationFile,
  datasetPaths,
  type DatasetPaths,
  IMAGE_ID_PATTERN,
  IMAGES_DIR,
  MANIFEST_FILE,
  type ManifestEntry,
  METADATA_FILE,
  type Metadata,
  STATE_DIR,
  type StoredAnnotation,
} from "./layout.js";
export { fromStoredAnnotation, storedCategoryId, toStoredAnnotation } from "./stored-annotation.js";
export { datasetReader, type ImageProblem, IntermediateDataset, type ManifestLine, type ManifestProblem, openDataset } from "./dataset-reader.js";
export { type DatasetInput, type DatasetReader, isDatasetReader } from "./reader.js";
export { type CategoryLookup, categoryLookup, checkStoredBox, StoredBoxProblem, type StoredBoxResult } from "./stored-box-check.js";
export { datasetConvertInput, type DatasetConvertOptions } from "./convert-input.js";
export { datasetSummary, type DatasetSummary } from "./dataset-summary.js";
export { validateDataset, type ValidationProblem, type ValidationReport } from "./validate-dataset.js";
