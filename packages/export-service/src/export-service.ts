import {
  ConfigError,
  type FormatTarget,
  type ExportStatistics,
  type Labeler,
  type Logger,
  type RecordFilter,
  runPipeline,
  silentLogger,
  type Source,
  successfulOnly,
  withMatches,
} from "@qontinui/export-core";
import { clickLabeler } from "@qontinui/labeler-click";
import { templateLabeler } from "@qontinui/labeler-template";
import { sourceBoxesLabeler } from "@qontinui/labeler-source-boxes";
import { describePicked, type OpenRunOptions, openRun, pushSource } from "@qontinui/source-runner";
import { datasetSummary, type DatasetSummary } from "@qontinui/intermediate-format";
import { toCoco, type ToCocoOptions } from "@qontinui/writer-coco";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { type ExportConfig, resolveExportConfig } from "./export-config.js";
import { FORMATS, formatNamed } from "./formats.js";

export interface ServiceSummary {
  enabled: boolean;
  total_records_added: number;
  total_records_exported: number;
  records_in_buffer: number;
  export_mode: ExportConfig["exportMode"];
  dataset?: DatasetSummary | { error: string };
}

export interface ExportServiceOptions {
  /** Extra labelers after the template, click and source-box labelers. */
  labelers?: Labeler[];
  logger?: Logger;
}

/**
 * Collects the runner's records during a run and exports them into the
 * intermediate dataset by the configured mode. Exports never overlap: each
 * waits for the one before (the dataset lock would refuse a second writer).
 */
export class TrainingExportService {
  readonly config: ExportConfig;
  private buffer: unknown[] = [];
  private added = 0;
  private exported = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  /**
   * @param storageDir the run directory that screenshot_reference paths are relative to
   */
  constructor(
    config: Partial<ExportConfig>,
    readonly storageDir: string,
    private readonly options: ExportServiceOptions = {},
  ) {
    this.config = resolveExportConfig(config);
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Buffers a record (the runner's snake_case object). In incremental mode a
   * full batch is exported before the promise resolves.
   */
  async addRecord(record: unknown): Promise<ExportStatistics | undefined> {
    if (!this.config.enabled) return undefined;
    this.buffer.push(record);
    this.added++;
    if (this.config.exportMode === "incremental" && this.buffer.length >= this.config.batchSize) {
      return this.exportBuffered();
    }
    return undefined;
  }

  /** Call when the automation run ends: exports what is buffered (all modes but manual keep nothing back). */
  async exportOnCompletion(): Promise<ExportStatistics | undefined> {
    if (!this.config.enabled || this.config.exportMode === "manual") return undefined;
    return this.exportBuffered();
  }

  /** Exports the buffered records now, whatever the mode. */
  async exportNow(): Promise<ExportStatistics | undefined> {
    if (!this.config.enabled) return undefined;
    return this.exportBuffered();
  }

  /**
   * Exports what the runner left on disk (run_data/ with sidecars, a
   * grounding dataset folder, tree events with `events`, a records.jsonl
   * run: detected as `qontinui-export run` does) into the service's dataset,
   * after any export already running. Records already in the dataset are not
   * added again.
   */
  async exportRun(dir: string, options: Omit<OpenRunOptions, "maxScreenshotBytes"> = {}): Promise<ExportStatistics | undefined> {
    if (!this.config.enabled || !this.config.outputDir) return undefined;
    const run = await openRun(dir, options);
    this.logger.info(`reading ${dir} as ${describePicked(dir, run.picked)}`);
    return this.enqueue(async () => {
      const result = await this.export(run.source);
      this.exported += result.recordsExported;
      return result;
    });
  }

  /** Writes the whole dataset as COCO (after waiting for running exports). */
  /**
   * Converts the whole dataset to a registered format (see `FORMATS`: coco,
   * yolo, voc) after waiting for running exports. `options` are the format's
   * own (validated by its descriptor's schema, e.g. `{ categoryIdBase: 0 }`
   * for coco); `target` says where (`out`) and how (`split`, `linkImages`).
   */
  async exportToFormat(name: string, target: FormatTarget = {}, options: Record<string, unknown> = {}): Promise<object | undefined> {
    if (!this.config.enabled || !this.config.outputDir) return undefined;
    const format = formatNamed(name);
    if (!format) throw new ConfigError(`unknown format ${JSON.stringify(name)}: choose from ${FORMATS.map((f) => f.name).join(", ")}`);
    const parsed = format.options.safeParse(options);
    if (!parsed.success) throw new ConfigError(`${name} options: ${parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ")}`);
    const dir = this.config.outputDir;
    return this.enqueue(() => format.fromDataset(dir, { ...target, ...(this.options.logger ? { logger: this.options.logger } : {}) }, parsed.data));
  }

  async exportToCoco(outputFile: string, options: Omit<ToCocoOptions, "out"> = {}) {
    if (!this.config.enabled || !this.config.outputDir) return undefined;
    const dir = this.config.outputDir;
    return this.enqueue(() => toCoco(dir, { ...options, out: outputFile }));
  }

  async getSummary(): Promise<ServiceSummary> {
    await this.queue.catch(() => {});
    const summary: ServiceSummary = {
      enabled: this.config.enabled,
      total_records_added: this.added,
      total_records_exported: this.exported,
      records_in_buffer: this.buffer.length,
      export_mode: this.config.exportMode,
    };
    if (this.config.enabled && this.config.outputDir) {
      try {
        summary.dataset = await datasetSummary(this.config.outputDir);
      } catch (e) {
        summary.dataset = { error: (e as Error).message };
      }
    }
    return summary;
  }

  private filters(): RecordFilter[] {
    const f: RecordFilter[] = [];
    if (this.config.filterSuccessfulOnly) f.push(successfulOnly);
    if (this.config.filterWithMatches) f.push(withMatches);
    if (this.config.filter) f.push({ name: "custom_filter", test: this.config.filter });
    return f;
  }

  private async export(source: Source): Promise<ExportStatistics> {
    const result = await runPipeline({
      source,
      labelers: [templateLabeler(), clickLabeler({ mode: this.config.clickMode }), sourceBoxesLabeler(), ...(this.options.labelers ?? [])],
      writers: [intermediateWriter({ outDir: this.config.outputDir!, datasetVersion: this.config.datasetVersion, imageMode: this.config.imageMode })],
      filters: this.filters(),
      datasetVersion: this.config.datasetVersion,
      logger: this.logger,
    });
    const s = result.statistics;
    this.logger.info(`exported ${s.recordsExported} records (${s.uniqueImages} images, ${s.annotations} boxes)`);
    return s;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => {});
    return next;
  }

  private exportBuffered(): Promise<ExportStatistics | undefined> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return Promise.resolve(undefined);
    return this.enqueue(async () => {
      try {
        const statistics = await this.export(pushSource(batch, this.storageDir));
        this.exported += statistics.recordsExported;
        return statistics;
      } catch (e) {
        // Nothing is lost: the batch goes back to the front of the buffer for the next export.
        this.buffer = [...batch, ...this.buffer];
        throw e;
      }
    });
  }
}
