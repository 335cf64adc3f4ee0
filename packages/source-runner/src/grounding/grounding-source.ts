import path from "node:path";
import { type GuardedSource, readJsonLines, type ScreenshotGuardOptions, screenshotGuard, type SourceItem } from "@qontinui/export-core";
import { listGroundingFiles } from "./grounding-files.js";
import { GROUNDING_SOURCE_NAME, groundingLineToRecord } from "./grounding-line.js";

export interface GroundingSourceOptions extends ScreenshotGuardOptions {}

/**
 * The grounding dataset the runner writes (`run_data/dataset/`:
 * grounding.jsonl, its rotated parts grounding.<k>.jsonl, images/) as a
 * Source. `datasetDir` is the folder that holds grounding.jsonl and images/;
 * it is the root the records' `image_path`s are read under, with core's path
 * guard (a reference that leaves it, through `..`, an absolute path or a
 * symlink, is refused as path_escapes_root).
 *
 * Lines are streamed part by part in the order they were written (parts by
 * k, then grounding.jsonl); each line is one record (see
 * `groundingLineToRecord`) or a problem with a named reason (malformed_json,
 * torn_line, line_too_long, invalid_grounding_line) whose message names the
 * file and line. Element boxes travel in `source_boxes`: export with
 * `sourceBoxesLabeler()` (and `clickLabeler()` for the clicked elements).
 * Every `read()` lists the files again and starts from the first line. A
 * ConfigError, on the first iteration, when the directory holds neither
 * grounding.jsonl nor a part.
 */
export function groundingSource(datasetDir: string, options: GroundingSourceOptions = {}): GuardedSource {
  const root = path.resolve(datasetDir);
  const guard = screenshotGuard(root, options);
  return {
    name: GROUNDING_SOURCE_NAME,
    root,
    read: (signal) => readGrounding(root, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

async function* readGrounding(root: string, signal: AbortSignal | undefined): AsyncGenerator<SourceItem> {
  const files = await listGroundingFiles(root);
  for (const file of files) {
    // An abort stops at the next line quietly (readJsonLines sees it too): the consumer decides what it means.
    if (signal?.aborted) return;
    for await (const item of readJsonLines(file.path, { plugin: GROUNDING_SOURCE_NAME, ...(signal ? { signal } : {}) })) {
      if ("problem" in item) {
        yield item;
        continue;
      }
      const result = groundingLineToRecord(item.value, { file: file.name, line: item.line });
      yield result.ok ? { record: result.record, line: item.line } : { problem: result.problem };
    }
  }
}
