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
