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
