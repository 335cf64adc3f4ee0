import type { LabeledAnnotation } from "./annotation.js";
import { CategoryRegistry } from "./category-registry.js";
import { checkAnnotation } from "./check-annotation.js";
import { ExportAbortedError } from "./errors.js";
import { type ExportStatistics, type ProgressEvent, StatisticsCounter } from "./export-statistics.js";
import { DEFAULT_MAX_PIXELS } from "./image-resolver.js";
import { startImageCheck } from "./image-worker.js";
import { consoleLogger, type ExportItem, type Labeler, type Logger, type RecordFilter, type Source, type Writer, type WriterSummary } from "./plugins.js";
import type { Problem } from "./problems.js";
import { RecordWindow } from "./record-window.js";
import { recordKey } from "./record.js";
import { type ResolvedRecord, resolveRecord } from "./resolve-record.js";
import { ScreenshotCache } from "./screenshot-cache.js";
import { screenshotAccess } from "./source-screenshots.js";

export interface PipelineOptions {
  source: Source;
  labelers: Labeler[];
  writers: Writer[];
  filters?: RecordFilter[];
  /** Give a registry to share it; by default a new one (writers may load a persisted map into it on open). */
  registry?: CategoryRegistry;
  /**
   * Distinct screenshots read, hashed, stored and labelled at once (the records of one screenshot
   * share it). Default 8.
   */
  concurrency?: number;
  /** Screenshot files larger than this are refused before they are read (sources with a `root`). Default 200 MiB. */
  maxScreenshotBytes?: number;
  /** Images declaring more pixels are refused (decompression bombs). Default 8192². */
  maxPixels?: number;
  /**
   * Check, once per distinct screenshot, that its image data decodes (a PNG's data inflated and
   * counted in a worker thread, a JPEG's segments and scans walked) and skip it as
   * `screenshot_undecodable` when not. Default true.
   */
  checkImageData?: boolean;
  datasetVersion?: string;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onProblem?: (problem: Problem) => void;
  logger?: Logger;
}

export interface PipelineResult {
  statistics: ExportStatistics;
  writers: WriterSummary[];
  registry: CategoryRegistry;
}

/**
 * Runs source → filters → image resolver → labelers → category registry →
 * writers. Screenshots are resolved and labelled concurrently (bounded, see
 * `resolveRecord`); registry ids are given and writers are called in record
 * order, so the output does not depend on timing. Per-record problems are
 * counted by reason and never stop the export; writer errors do (after
 * `abort` on every writer).
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const stats = new StatisticsCounter();
  const logger = options.logger ?? consoleLogger;
  const registry = options.registry ?? new CategoryRegistry();
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const signal = options.signal;
  const filters = (options.filters ?? []).map((f, i) => (typeof f === "function" ? { name: f.name || `filter_${i + 1}`, test: f } : f));
  const report = (p: Problem) => {
    stats.problem(p);
    options.onProblem?.(p);
  };
  // The safe default (read the pixels again) is the slow one: say so rather than be slow silently.
  for (const l of options.labelers) {
    if (l.needsPixels === undefined) {
      logger.warn(`labeler ${l.name} does not say whether it reads image.bytes: screenshots shared by several records are read again for it; give it needsPixels: false if it never reads them (true to keep this and silence the warning)`);
    }
  }
  // Before any writer opens: a source that cannot read screenshots is a configuration error, not a failed export.
  const access = screenshotAccess(options.source, options.maxScreenshotBytes !== undefined ? { maxScreenshotBytes: options.maxScreenshotBytes } : {});
  // The check thread starts while the writers open and the first records are read, not when the first screenshot waits for it.
  if (options.checkImageData !== false) startImageCheck();
  const ctx = { registry, datasetVersion: options.datasetVersion ?? "1.0.0", logger, signal };
  const opened: Writer[] = [];
  try {
    for (const w of options.writers) {
      await w.open?.(ctx);
      opened.push(w);
    }
    const resolver = {
      // Each screenshot of the run is read and hashed once (records of one screen share it).
      screenshots: new ScreenshotCache(access, {
        maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
        checkImageData: options.checkImageData ?? true,
        // An image a writer already holds was checked when it was stored (or stored before the check existed): not again.
        alreadyStored: (imageId: string) => opened.some((w) => w.hasImage?.(imageId) === true),
        needPixels: options.labelers.some((l) => l.needsPixels !== false),
        recentLimit: Math.max(16, concurrency * 4),
      }),
      labelers: options.labelers,
      writers: opened,
      signal,
    };

    /** Registry ids, writers and statistics, one record at a time in record order. */
    const finish = async (r: ResolvedRecord) => {
      stats.done();
      if (r.kind === "filtered") return stats.filtered(r.filter);
      if (r.kind === "problem") return report(r.problem);
      const { entry, image } = r;
      stats.bytes(r.bytesRead);
      for (const p of r.problems) report(p);
      const labeled: LabeledAnnotation[] = [];
      // Where a problem was, built only for a box that has one.
      const reportBox = (reason: string, message: string, severity: Problem["severity"]) =>
        report({ actionId: entry.record.action_id, ...(entry.line !== undefined ? { line: entry.line } : {}), reason, message, severity });
      for (const a of r.annotations) {
        const checked = checkAnnotation(a, image, reportBox);
        if (!checked) continue;
        // checkAnnotation's box is a new object of its own: it takes its registry id in place.
        const box = checked as LabeledAnnotation;
        box.categoryId = registry.idFor(checked.categoryName);
        labeled.push(box);
      }
      const item: ExportItem = { record: entry.record, image, annotations: labeled, key: recordKey(entry.record, image.id) };
      let already = false;
      for (const w of opened) {
        const res = await w.write?.(item);
        if (res?.skipped === "already_exported") already = true;
      }
      if (already) stats.alreadyExported();
      else stats.exported(entry.record, image.id, labeled);
    };

    // Records in flight: `concurrency` distinct screenshots resolved at once (the records of one
    // screen share one), finished in record order.
    const window = new RecordWindow<ResolvedRecord>(concurrency, Math.max(64, concurrency * 16));
    const finishOldest = async () => {
      await finish(await window.shift());
      options.onProgress?.(stats.progress());
    };
    for await (const item of options.source.read(signal)) {
      if (signal?.aborted) break;
      stats.read();
      let screenshot: string | undefined;
      let start: () => Promise<ResolvedRecord>;
      if ("problem" in item) {
        start = async () => ({ kind: "problem", problem: item.problem });
      } else {
        const filter = filters.find((f) => !f.test(item.record));
        if (filter) {
          start = async () => ({ kind: "filtered", entry: item, filter: filter.name });
        } else {
          screenshot = item.record.screenshot_reference || undefined;
          start = () => resolveRecord(item, resolver);
        }
      }
      while (!window.hasRoom(screenshot) && !signal?.aborted) await finishOldest();
      if (signal?.aborted) break;
      window.push(screenshot, start());
    }
    while (window.size > 0 && !signal?.aborted) await finishOldest();
    if (signal?.aborted) {
      // Records still in flight are not written (the next export adds them); what they were doing
      // (a writer storing an image) ends before the writers close.
      await window.discardAll();
      throw new ExportAbortedError("export aborted: the records finished before the abort were written; run the same export again to continue");
    }

    const statistics = stats.result();
    const summaries: WriterSummary[] = [];
    for (const w of opened) summaries.push((await w.close?.(statistics)) ?? { writer: w.name });
    return { statistics, writers: summaries, registry };
  } catch (e) {
    if (e instanceof ExportAbortedError) {
      // What was written is whole: close writers so their state (metadata, locks) is saved.
      for (const w of opened) await w.close?.().catch((err) => logger.warn(`${w.name}: close after abort failed: ${(err as Error).message}`));
    } else {
      for (const w of opened) await w.abort?.(e).catch(() => {});
    }
    throw e;
  }
}
