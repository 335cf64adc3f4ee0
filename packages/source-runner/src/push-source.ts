import { parseRecord, ProblemReason, type ScreenshotGuardOptions, screenshotGuard, type GuardedSource, type Source, type SourceItem } from "@qontinui/export-core";

export type PushSourceOptions = ScreenshotGuardOptions;

const SOURCE_NAME = "push";

/**
 * Records handed over in process (the runner pushing the objects it would
 * have serialised) as a Source. Each object is validated like a records.jsonl
 * line; screenshots are read under `screenshotsRoot` with the same guard as
 * the run directory source. An iterator (or generator) can be read once only.
 */
export function pushSource(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  screenshotsRoot: string,
  options: PushSourceOptions = {},
): GuardedSource {
  const guard = screenshotGuard(screenshotsRoot, options);
  return {
    name: SOURCE_NAME,
    root: screenshotsRoot,
    read: (signal) => readPushed(records, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

async function* readPushed(records: Iterable<unknown> | AsyncIterable<unknown>, signal: AbortSignal | undefined): AsyncGenerator<SourceItem> {
  let index = 0;
  // for await accepts sync iterables too.
  for await (const value of records) {
    if (signal?.aborted) return;
    index++;
    const parsed = parseRecord(value);
    if (parsed.ok) {
      yield { record: parsed.record };
    } else {
      yield {
        problem: {
          reason: ProblemReason.InvalidRecord,
          severity: "skipped",
          message: `pushed record ${index}: ${parsed.message}`,
          plugin: SOURCE_NAME,
        },
      };
    }
  }
}
