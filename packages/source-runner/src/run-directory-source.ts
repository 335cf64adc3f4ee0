import { stat } from "node:fs/promises";
import path from "node:path";
import {
  ConfigError,
  parseRecord,
  ProblemReason,
  readJsonLines,
  type ScreenshotGuardOptions,
  screenshotGuard,
  type GuardedSource,
  type Source,
  type SourceItem,
} from "@qontinui/export-core";

export interface RunDirectorySourceOptions extends ScreenshotGuardOptions {
  /** The records file, relative to the run directory. Default "records.jsonl". */
  recordsFile?: string;
}

export const DEFAULT_RECORDS_FILE = "records.jsonl";

const SOURCE_NAME = "run-directory";

/**
 * A qontinui run directory as a Source: `records.jsonl` (one record a line)
 * and the screenshots its records reference. Lines are streamed, never loaded
 * whole; a bad line becomes a problem (`malformed_json`, `invalid_record`)
 * with its 1-based line number and the reading goes on. Every `read()` starts
 * from the first line again.
 */
export function runDirectorySource(runDir: string, options: RunDirectorySourceOptions = {}): GuardedSource {
  const root = path.resolve(runDir);
  const recordsName = options.recordsFile ?? DEFAULT_RECORDS_FILE;
  const recordsPath = path.resolve(root, recordsName);
  const guard = screenshotGuard(root, options);

  return {
    name: SOURCE_NAME,
    root,
    read: (signal) => readRecords(root, recordsPath, recordsName, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

async function* readRecords(root: string, recordsPath: string, recordsName: string, signal: AbortSignal | undefined): AsyncGenerator<SourceItem> {
  await checkRecordsFile(root, recordsPath, recordsName);
  // An abort stops at the next line quietly: the consumer owns the signal and decides what an abort means
  // (the pipeline finishes the records already in flight, then reports the abort).
  for await (const item of readJsonLines(recordsPath, { plugin: SOURCE_NAME, ...(signal ? { signal } : {}) })) {
    if ("problem" in item) {
      yield item;
      continue;
    }
    const parsed = parseRecord(item.value);
    if (parsed.ok) {
      yield { record: parsed.record, line: item.line };
    } else {
      yield {
        problem: {
          reason: ProblemReason.InvalidRecord,
          severity: "skipped",
          message: `${path.basename(recordsPath)} line ${item.line}: ${parsed.message}`,
          line: item.line,
          plugin: SOURCE_NAME,
        },
      };
    }
  }
}

async function checkRecordsFile(root: string, recordsPath: string, recordsName: string): Promise<void> {
  const info = await stat(recordsPath).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
    throw new ConfigError(`cannot read ${recordsPath}: ${e.message}`, { cause: e });
  });
  if (info === undefined) {
    const rootExists = await stat(root).then((s) => s.isDirectory(), () => false);
    if (!rootExists) throw new ConfigError(`run directory ${root} does not exist (or is not a directory): give the directory that holds records.jsonl`);
    throw new ConfigError(`no ${recordsName} in ${root}: is this a qontinui run directory?`);
  }
  if (!info.isFile()) throw new ConfigError(`${recordsPath} is not a file: records.jsonl must be a file with one JSON record a line`);
}
