export { type Annotation, type AnnotationSource, boxIdentity, type LabeledAnnotation } from "./annotation.js";
export { appendWhole, writeFileAtomic, writeFileAtomicSync, copyFileAtomic, tempPathFor, TEMP_FILE_PATTERN } from "./atomic-write.js";
export { placeImage, type ImagePlacement } from "./place-image.js";
export { DUPLICATE_IOU, type MergedBox, mergeDuplicateBoxes, withDuplicatesMerged } from "./duplicate-boxes.js";
export { claimOutputDir, createDirectory, OUTPUT_MARKER, type ClaimOutputDirOptions, type OutputDirClaim } from "./output-dir.js";
export { xmlText, escapeXml, type XmlText } from "./xml-text.js";
export { type BBox, type ClipResult, clipBox, iou } from "./bbox.js";
export { type Category, CategoryRegistry } from "./category-registry.js";
export { type CategoryNameResult, MAX_CATEGORY_NAME_LENGTH, normalizeCategoryName } from "./category-name.js";
export {
  ConfigError,
  DatasetError,
  DatasetLockedError,
  ExportAbortedError,
  ExportError,
  OutputNotEmptyError,
  RecordError,
  ScreenshotError,
} from "./errors.js";
export { actionTypes, successfulOnly, withMatches } from "./filters.js";
export type { ImageDataResult } from "./image-data-check.js";
export { checkImageData, checkThreadCount, startImageCheck } from "./image-worker.js";
export { IMAGE_EXTENSIONS, type ImageFormat, type ImageInfo, type ImageInfoResult, readImageInfo } from "./image-format.js";
export { contentId, DEFAULT_MAX_PIXELS, resolveImage } from "./image-resolver.js";
export { type PipelineOptions, type PipelineResult, runPipeline } from "./pipeline.js";
export { checkAnnotation } from "./check-annotation.js";
export { type ExportStatistics, type ProgressEvent } from "./export-statistics.js";
export { type RecordResolver, type ResolvedRecord, resolveRecord } from "./resolve-record.js";
export {
  consoleLogger,
  type CompleteWriter,
  type ExportItem,
  type GuardedSource,
  type LabelContext,
  type Labeler,
  type Logger,
  type RecordFilter,
  type ResolvedImage,
  type ScreenshotFile,
  silentLogger,
  type Source,
  type SourceItem,
  type SourceRecord,
  type WriteResult,
  type Writer,
  type WriterContext,
  type WriterSummary,
} from "./plugins.js";
export { type KnownProblemReason, type Problem, ProblemCounter, ProblemReason, type ProblemSeverity } from "./problems.js";
export {
  type ExecutionRecord,
  type ExecutionRecordInput,
  ExecutionRecordSchema,
  parseRecord,
  parseRecordLine,
  type ParseRecordResult,
  mergeRecordContext,
  recordContext,
  type RecordContext,
  recordKey,
  type SourceBox,
} from "./record.js";
export type { DatasetImage } from "./dataset-image.js";
export {
  assignSplits,
  DEFAULT_SPLIT_NAMES,
  parseSplitRatios,
  seededRandom,
  type SplitImage,
  type SplitOptions,
  splitSizes,
  validateRatios,
} from "./split.js";
export { type ConvertInput, type ConvertProgress, splitAssignment } from "./convert.js";
export { converterWriter, type ConverterWriterOptions, datasetImageOf } from "./converter-writer.js";
export { ImageSpool } from "./image-spool.js";
export { SCHEMAS, type SchemaName, type SchemaResult, validateAgainst } from "./schemas.js";
export { mapAhead } from "./map-ahead.js";
export {
  DEFAULT_MAX_SCREENSHOT_BYTES,
  type ScreenshotGuard,
  screenshotGuard,
  type ScreenshotGuardOptions,
  type ScreenshotReader,
  screenshotReader,
  stampOf,
} from "./screenshot-guard.js";
export { type ScreenshotAccess, screenshotAccess } from "./source-screenshots.js";
export { DEFAULT_MAX_LINE_BYTES, type JsonLine, type JsonLinesOptions, parseJsonLine, readJsonLines, replacePythonNonFinite } from "./json-lines.js";
export { concatSources } from "./concat-sources.js";
export {
  type ConversionTargetOptions,
  conversionTargetOptions,
  type DatasetHandle,
  defineFormat,
  type FormatDescriptor,
  type FormatFlag,
  type FormatTarget,
} from "./format-descriptor.js";
