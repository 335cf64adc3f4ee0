import type { LabeledAnnotation } from "./annotation.js";
import type { ExecutionRecord } from "./record.js";
import { type Problem, ProblemCounter } from "./problems.js";

/** What an export did, counted as records finish (in record order). */
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

/** Counts an export's statistics; the pipeline tells it what happened to each record. */
export class StatisticsCounter {
  private readonly started = performance.now();
  private readonly problems = new ProblemCounter();
  private readonly seenImages = new Set<string>();
  private recordsDone = 0;
  private readonly stats: Omit<ExportStatistics, "problems" | "durationMs"> = {
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

  read(): void {
    this.stats.recordsRead++;
  }

  /** A record went through every stage (whatever became of it). */
  done(): void {
    this.recordsDone++;
  }

  problem(p: Problem): void {
    this.problems.add(p);
    if (p.severity === "skipped") this.stats.recordsSkipped++;
  }

  /** Filtering is the user's choice, not a problem: counted apart, by filter name. */
  filtered(filter: string): void {
    this.stats.recordsFiltered++;
    this.stats.recordsFilteredBy[filter] = (this.stats.recordsFilteredBy[filter] ?? 0) + 1;
  }

  bytes(n: number): void {
    this.stats.bytesRead += n;
  }

  alreadyExported(): void {
    this.stats.recordsAlreadyExported++;
  }

  exported(record: ExecutionRecord, imageId: string, annotations: readonly LabeledAnnotation[]): void {
    const s = this.stats;
    s.recordsExported++;
    s.recordsWithScreenshots++;
    if (record.match_summary) s.recordsWithMatches++;
    if (record.clicked_location) s.recordsWithClicks++;
    if (!this.seenImages.has(imageId)) {
      this.seenImages.add(imageId);
      s.uniqueImages++;
    }
    for (const a of annotations) {
      s.annotations++;
      s.annotationsBySource[a.source] = (s.annotationsBySource[a.source] ?? 0) + 1;
      s.annotationsByCategory[a.categoryName] = (s.annotationsByCategory[a.categoryName] ?? 0) + 1;
    }
  }

  progress(): ProgressEvent {
    const s = this.stats;
    return { recordsRead: s.recordsRead, recordsDone: this.recordsDone, recordsExported: s.recordsExported, bytesRead: s.bytesRead, elapsedMs: performance.now() - this.started };
  }

  result(): ExportStatistics {
    const p = this.problems;
    return { ...this.stats, problems: { total: p.total(), byReason: p.byReason, examples: p.examples }, durationMs: performance.now() - this.started };
  }
}
