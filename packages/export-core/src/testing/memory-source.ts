import { promises as fs } from "node:fs";
import path from "node:path";
import { ScreenshotError } from "../errors.js";
import type { Source, SourceItem } from "../plugins.js";
import { parseRecord } from "../record.js";

/**
 * A Source over records held in memory and screenshots under `root`, for
 * tests of labelers and writers (source-runner is the real one: it adds the
 * path guard this one leaves out).
 */
export function memorySource(root: string, records: unknown[]): Source {
  return {
    name: "memory",
    async *read(): AsyncIterable<SourceItem> {
      let line = 0;
      for (const r of records) {
        line++;
        const p = parseRecord(r);
        if (p.ok) yield { record: p.record, line };
        else yield { problem: { reason: p.reason, severity: "skipped", message: p.message, line } };
      }
    },
    async readScreenshot(reference) {
      const file = path.join(root, reference);
      try {
        return { path: file, bytes: await fs.readFile(file) };
      } catch {
        throw new ScreenshotError("screenshot_missing", `${reference}: no such file`);
      }
    },
  };
}
