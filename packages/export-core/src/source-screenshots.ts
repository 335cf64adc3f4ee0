import { ConfigError } from "./errors.js";
import type { ScreenshotFile, Source } from "./plugins.js";
import { screenshotGuard, type ScreenshotGuardOptions } from "./screenshot-guard.js";

/** How the pipeline reads a source's screenshots: the source's own reader, or core's guard over its root. */
export interface ScreenshotAccess {
  read(reference: string, allocate?: (size: number) => Buffer): Promise<ScreenshotFile>;
  /** Present when the file's version can be checked without reading it. */
  stamp?(reference: string): Promise<{ path: string; stamp: string }>;
}

/**
 * The screenshot reader for a source: its own `readScreenshot` when it has
 * one, else core's guarded reader over `source.root`. Throws a ConfigError
 * for a source with neither.
 */
export function screenshotAccess(source: Source, options: ScreenshotGuardOptions = {}): ScreenshotAccess {
  if (source.readScreenshot) {
    const read = source.readScreenshot.bind(source);
    const stamp = source.screenshotStamp?.bind(source);
    return stamp ? { read, stamp } : { read };
  }
  if (typeof source.root === "string" && source.root !== "") {
    const guard = screenshotGuard(source.root, options);
    return { read: guard.read, stamp: guard.stamp };
  }
  throw new ConfigError(`source ${JSON.stringify(source.name)} has neither a root directory nor readScreenshot: give one so its screenshots can be read`);
}
