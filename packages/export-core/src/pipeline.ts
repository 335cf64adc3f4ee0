import type { Annotation, LabeledAnnotation } from "./annotation.js";
import { clipBox } from "./bbox.js";
import { CategoryRegistry } from "./category-registry.js";
import { normalizeCategoryName } from "./category-name.js";
import { ExportAbortedError, ScreenshotError } from "./errors.js";
import { DEFAULT_MAX_PIXELS } from "./image-resolver.js";
import { RecordWindow } from "./record-window.js";
import { type CachedResolution, NO_BYTES, ScreenshotCache } from "./screenshot-cache.js";
import type {
  ExportItem,
  Labeler,
  Logger,
  RecordFilter,
  ResolvedImage,
  Source,
  SourceRecord,
  Writer,
  WriterSummary,
} from "./plugins.js";
import { consoleLogger } from "./plugins.js";
import { type Problem, ProblemCounter, ProblemReason } from "./problems.js";
import { recordKey } from "./record.js";
import { screenshotAccess } from "./source-screenshots.js";

export interface ProgressEvent {
  /** Records read from the source so far (good and bad lines). */
  recordsRead: number;
  /** Records that went through every stage (exported, skipped or filtered). */
  recordsDone: number;
  recordsExported: number;
  /** Screenshot bytes read so far. */
  bytesRead: number;
  elapsedMs: number;
}

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
  datasetVersion?: string;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onProblem?: (problem: Problem) => void;
  logger?: Logger;
}

export interface ExportStatistics {
  recordsRead: number;
  recordsExported: number;
  /** Not exported because of a problem (bad line, missing screenshot…), by reason in `problems`. */
  recordsSkipped: number;
  recordsFiltered: number;
  recordsFilteredBy: Record<string, number>;
  /** Already in the dataset from an earlier export (idempotence). */
  recordsAlreadyExported: number;
  recordsWithScreenshots: number;
  recordsWithMatches: number;
  recordsWithClicks: number;
  /** Distinct images among the exported records of this run. */
  uniqueImages: number;
  bytesRead: number;
  annotations: number;
  annotationsBySource: Record<string, number>;
  annotationsByCategory: Record<string, number>;
  problems: { total: number; byReason: Record<string, number>; examples: Record<string, Problem[]> };
  durationMs: number;
}

export interface PipelineResult {
  statistics: ExportStatistics;
  writers: WriterSummary[];
  registry: CategoryRegistry;
}

type Resolved =
  | { kind: "item"; entry: SourceRecord; image: ResolvedImage; bytesRead: number; annotations: Annotation[]; problems: Problem[] }
  | { kind: "problem"; problem: Problem }
  | { kind: "filtered"; entry: SourceRecord; filter: string };

/**
 * Runs source → filters → image resolver → labelers → category registry →
 * writers. Screenshots are resolved and labelled concurrently (bounded);
 * registry ids are given and writers are called in record order, so the
 * output does not depend on timing. Per-record problems are counted by reason
 * and never stop the export; writer errors do (after `abort` on every writer).
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const logger = options.logger ?? consoleLogger;
  const registry = options.registry ?? new CategoryRegistry();
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const signal = options.signal;
  const filters = (options.filters ?? []).map((f, i) =>
    typeof f === "function" ? { name: f.name || `filter_${i + 1}`, test: f } : f,
  );
  const problems = new ProblemCounter();
  const stats: Omit<ExportStatistics, "problems" | "durationMs"> = {
    recordsRead: 0,
    recordsExported: 0,
    recordsSkipped: 0,
    recordsFiltered: 0,
    recordsFilteredBy: {},
    recordsAlreadyExported: 0,
    recordsWithScreenshots: 0,
    recordsWithMatches: 0,
    recordsWithClicks: 0,
    uniqueImages: 0,
    bytesRead: 0,
    annotations: 0,
    annotationsBySource: {},
    annotationsByCategory: {},
  };
  const seenImages = new Set<string>();
  let recordsDone = 0;

  const report = (p: Problem) => {
    problems.add(p);
    if (p.severity === "skipped") stats.recordsSkipped++;
    options.onProblem?.(p);
  };
  const progress = () =>
    options.onProgress?.({
      recordsRead: stats.recordsRead,
      recordsDone,
      recordsExported: stats.recordsExported,
      bytesRead: stats.bytesRead,
      elapsedMs: performance.now() - started,
    });

  // Before any writer opens: a source that cannot read screenshots is a configuration error, not a failed export.
  const access = screenshotAccess(options.source, options.maxScreenshotBytes !== undefined ? { maxScreenshotBytes: options.maxScreenshotBytes } : {});
  const ctx = { registry, datasetVersion: options.datasetVersion ?? "1.0.0", logger, signal };
  const opened: Writer[] = [];
  try {
    for (const w of options.writers) {
      await w.open(ctx);
      opened.push(w);
    }

    // Each screenshot of the run is read and hashed once (records of one screen share it).
    const screenshots = new ScreenshotCache(access, {
      maxPixels,
      needPixels: options.labelers.some((l) => l.needsPixels !== false),
      recentLimit: Math.max(16, concurrency * 4),
    });

    const resolveEntry = async (entry: SourceRecord): Promise<Resolved> => {
      const { record, line } = entry;
      const base = { actionId: record.action_id, ...(line !== undefined ? { line } : {}) };
      const ref = record.screenshot_reference;
      if (!ref) {
        return { kind: "problem", problem: { ...base, reason: ProblemReason.NoScreenshot, severity: "skipped", message: `record ${record.action_id} has no screenshot_reference` } };
      }
      let resolved: CachedResolution | undefined;
      try {
        resolved = await screenshots.resolve(ref);
        // A screenshot resolved earlier in the run was prepared then (and may come without bytes).
        if (resolved.fresh) for (const w of opened) await w.prepare?.(resolved.image);
      } catch (e) {
        resolved?.release();
        if (e instanceof ScreenshotError) return { kind: "problem", problem: { ...base, reason: e.reason, severity: "skipped", message: e.message } };
        throw e;
      }
      const { image, bytesRead } = resolved;
      const recordProblems: Problem[] = [];
      const annotations: Annotation[] = [];
      try {
        for (const labeler of options.labelers) {
          const lctx = {
            report: (reason: string, message: string, severity: Problem["severity"] = "dropped_box") =>
              recordProblems.push({ ...base, reason, severity, message, plugin: labeler.name }),
            signal,
          };
          try {
            annotations.push(...(await labeler.label(record, image, lctx)));
          } catch (e) {
            recordProblems.push({ ...base, reason: ProblemReason.LabelerFailed, severity: "repaired", plugin: labeler.name, message: `labeler ${labeler.name} failed: ${(e as Error).message}` });
          }
        }
      } finally {
        resolved.release();
      }
      // Writers stored the bytes in prepare and labelers are done with them: the record waits for its
      // turn without holding the screenshot in memory.
      return { kind: "item", entry, image: { ...image, bytes: NO_BYTES }, bytesRead, annotations, problems: recordProblems };
    };

    const finish = async (r: Resolved) => {
      recordsDone++;
      if (r.kind === "filtered") {
        // Filtering is the user's choice, not a problem: counted apart, by filter name.
        stats.recordsFiltered++;
        stats.recordsFilteredBy[r.filter] = (stats.recordsFilteredBy[r.filter] ?? 0) + 1;
        return;
      }
      if (r.kind === "problem") {
        report(r.problem);
        return;
      }
      const { entry, image } = r;
      stats.bytesRead += r.bytesRead;
      for (const p of r.problems) report(p);
      const labeled: LabeledAnnotation[] = [];
      for (const a of r.annotations) {
        const checked = checkAnnotation(a, image, (reason, message, severity) =>
          report({ actionId: entry.record.action_id, ...(entry.line !== undefined ? { line: entry.line } : {}), reason, message, severity }),
        );
        if (checked) labeled.push({ ...checked, categoryId: registry.idFor(checked.categoryName) });
      }
      const item: ExportItem = { record: entry.record, image, annotations: labeled, key: recordKey(entry.record, image.id) };
      let already = false;
      for (const w of opened) {
        const res = await w.write(item);
        if (res?.skipped === "already_exported") already = true;
      }
      if (already) {
        stats.recordsAlreadyExported++;
        return;
      }
      stats.recordsExported++;
      stats.recordsWithScreenshots++;
      if (entry.record.match_summary) stats.recordsWithMatches++;
      if (entry.record.clicked_location) stats.recordsWithClicks++;
      if (!seenImages.has(image.id)) {
        seenImages.add(image.id);
        stats.uniqueImages++;
      }
      for (const a of labeled) {
        stats.annotations++;
        stats.annotationsBySource[a.source] = (stats.annotationsBySource[a.source] ?? 0) + 1;
        stats.annotationsByCategory[a.categoryName] = (stats.annotationsByCategory[a.categoryName] ?? 0) + 1;
      }
    };

    // Records in flight: `concurrency` distinct screenshots resolved at once (the records of one
    // screen share one), finished in record order.
    const window = new RecordWindow<Resolved>(concurrency, Math.max(64, concurrency * 16));
    const finishOldest = async () => {
      await finish(await window.shift());
      progress();
    };
    for await (const item of options.source.read(signal)) {
      if (signal?.aborted) break;
      stats.recordsRead++;
      let screenshot: string | undefined;
      let start: () => Promise<Resolved>;
      if ("problem" in item) {
        start = async () => ({ kind: "problem", problem: item.problem });
      } else {
        const filter = filters.find((f) => !f.test(item.record));
        if (filter) {
          start = async () => ({ kind: "filtered", entry: item, filter: filter.name });
        } else {
          screenshot = item.record.screenshot_reference || undefined;
          start = () => resolveEntry(item);
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

    const statistics: ExportStatistics = {
      ...stats,
      problems: { total: problems.total(), byReason: problems.byReason, examples: problems.examples },
      durationMs: performance.now() - started,
    };
    const summaries: WriterSummary[] = [];
    for (const w of opened) summaries.push(await w.close(statistics));
    return { statistics, writers: summaries, registry };
  } catch (e) {
    if (e instanceof ExportAbortedError) {
      // What was written is whole: close writers so their state (metadata, locks) is saved.
      for (const w of opened) await w.close().catch((err) => logger.warn(`${w.name}: close after abort failed: ${(err as Error).message}`));
    } else {
      for (const w of opened) await w.abort?.(e).catch(() => {});
    }
    throw e;
  }
}

/**
 * Repairs or drops one labeler box: category name normalised, confidence
 * clamped to [0, 1], box clipped to the image. Returns undefined for a box
 * that cannot be used.
 */
export function checkAnnotation(
  a: Annotation,
  image: Pick<ResolvedImage, "width" | "height">,
  report: (reason: string, message: string, severity: Problem["severity"]) => void,
): Annotation | undefined {
  const clip = clipBox(a.bbox, image.width, image.height);
  if (!clip.ok) {
    report(clip.reason, `${a.source} box [${a.bbox.join(", ")}] dropped: ${clip.reason === "box_invalid_size" ? "zero, negative or non-finite size" : `outside the ${image.width}×${image.height} image`}`, "dropped_box");
    return undefined;
  }
  const out: Annotation = { ...a, bbox: clip.bbox };
  if (clip.clipped) {
    out.clipped = true;
    report(ProblemReason.BoxClipped, `${a.source} box [${a.bbox.join(", ")}] clipped to the image`, "repaired");
  }
  const name = normalizeCategoryName(a.categoryName);
  if (name.repaired) {
    report(ProblemReason.CategoryNameRepaired, `category name ${JSON.stringify(String(a.categoryName).slice(0, 40))} repaired: ${name.repaired}`, "repaired");
  }
  out.categoryName = name.name;
  const c = typeof a.confidence === "string" ? Number(a.confidence) : a.confidence;
  const conf = typeof c === "number" && Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
  if (conf !== a.confidence) {
    report(ProblemReason.ConfidenceRepaired, `confidence ${JSON.stringify(a.confidence)} repaired to ${conf}`, "repaired");
  }
  out.confidence = conf;
  return out;
}
