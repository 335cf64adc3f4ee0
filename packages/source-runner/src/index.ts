export { DEFAULT_RECORDS_FILE, runDirectorySource, type RunDirectorySourceOptions } from "./run-directory-source.js";
export { pushSource, type PushSourceOptions } from "./push-source.js";
export {
  DEFAULT_MAX_SCREENSHOT_BYTES,
  type ScreenshotGuard,
  screenshotGuard,
  type ScreenshotGuardOptions,
  type ScreenshotReader,
  screenshotReader,
  stampOf,
} from "@qontinui/export-core";
export * from "./run-data/index.js";
export * from "./tree-events/index.js";
export * from "./grounding/index.js";
export {
  type DetectedArtifact,
  describePicked,
  detectRunArtifacts,
  findEventsFile,
  type OpenedRun,
  openRun,
  type OpenRunOptions,
  RUN_FORMATS,
  type RunFormat,
} from "./open-run.js";
export { isoSeconds, parseIsoMicros } from "./iso-time.js";
