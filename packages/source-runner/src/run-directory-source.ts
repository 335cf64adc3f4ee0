import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ConfigError, parseRecordLine, ProblemReason, type Source, type SourceItem } from "@qontinui/export-core";
import { type ScreenshotGuardOptions, screenshotGuard } from "./screenshot-guard.js";

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
export function runDirectorySource(runDir: string, options: RunDirectorySourceOptions = {}): Source {
  const root = path.resolve(runDir);
  const recordsName = options.recordsFile ?? DEFAULT_RECORDS_FILE;
  const recordsPath = path.resolve(root, recordsName);
  const guard = screenshotGuard(root, options);

  return {
    name: SOURCE_NAME,
    read: (signal) => readRecords(root, recordsPath, recordsName, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

async function* readRecords(root: string, recordsPath: string, recordsName: string, signal: AbortSignal | undefined): AsyncGenerator<SourceItem> {
  await checkRecordsFile(root, recordsPath, recordsName);
  // An abort stops at the next line quietly: the consumer owns the signal and decides what an abort means
  // (the pipeline finishes the records already in flight, then reports the abort).
  if (signal?.aborted) return;

  // An abort is seen at the next line: destroying the stream instead would make a read in progress
  // fail (ERR_STREAM_PREMATURE_CLOSE) rather than end the records quietly.
  const stream = createReadStream(recordsPath);
  const fileName = path.basename(recordsPath);
  let lineNumber = 0;
  try {
    for await (const raw of linesOf(stream)) {
      lineNumber++;
      if (signal?.aborted) return;
      // A BOM from an editor on Windows is not part of the first record.
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === "") continue;
      const parsed = parseRecordLine(text);
      if (parsed.ok) {
        yield { record: parsed.record, line: lineNumber };
      } else {
        yield {
          problem: {
            reason: parsed.reason === "malformed_json" ? ProblemReason.MalformedJson : ProblemReason.InvalidRecord,
            severity: "skipped",
            message: `${fileName} line ${lineNumber}: ${parsed.message}`,
            line: lineNumber,
            plugin: SOURCE_NAME,
          },
        };
      }
    }
  } finally {
    stream.destroy();
  }
}

/**
 * The lines of a UTF-8 byte stream (LF or CRLF; a last line without a newline too), one chunk at a
 * time as the consumer asks. Lines are split in the bytes and each is decoded on its own, so no
 * chunk-sized string lives in the JS heap while its lines wait their turn (such strings outlive
 * young-generation collections and end as old-generation garbage on long runs; readline's
 * iterator also read up to a thousand lines ahead). A multi-byte character never straddles a
 * line, so decoding line by line is exact.
 */
async function* linesOf(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  // The bytes of the line begun in earlier chunks, joined once its end comes (a line longer than
  // a chunk is not copied again with every chunk).
  let pending: Buffer[] = [];
  for await (const chunk of stream) {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (pending.length > 0) {
      if (nl < 0) {
        pending.push(chunk);
        continue;
      }
      pending.push(chunk.subarray(0, nl));
      const line = Buffer.concat(pending);
      pending = [];
      yield decodeLine(line, 0, line.length);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    for (; nl >= 0; nl = chunk.indexOf(10, start)) {
      yield decodeLine(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    yield decodeLine(line, 0, line.length);
  }
}

/** bytes[start, end) as text, without the CR of a CRLF ending. */
function decodeLine(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end > start && bytes[end - 1] === 13 ? end - 1 : end);
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
