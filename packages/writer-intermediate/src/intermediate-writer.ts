import { promises as fs } from "node:fs";
import {
  type CompleteWriter,
  claimOutputDir,
  createDirectory,
  DEFAULT_MAX_LINE_BYTES,
  type ExportItem,
  type ExportStatistics,
  type Logger,
  recordContext,
  type WriteResult,
  type WriterContext,
  type WriterSummary,
} from "@qontinui/export-core";
import { datasetPaths, type ManifestEntry, STATE_DIR } from "@qontinui/intermediate-format";
import { journalPath, replayAnnotationJournal } from "./annotation-journal.js";
import { type AnnotationGroup, AnnotationStore } from "./annotation-store.js";
import { annotationsMtime, closedStateDisagreements, readClosedState, removeClosedState, sha256, writeClosedState } from "./closed-state.js";
import { acquireLock, type AcquiredLock } from "./dataset-lock.js";
import { type ImageMode, ImageStore } from "./image-store.js";
import { type ManifestGroup, ManifestLog } from "./manifest-log.js";
import { type MetadataFile, readMetadata, validCategoryMap, writeMetadata } from "./metadata-file.js";
import { FLAG_CLICK, FLAG_MATCH, imageIdBytes, keyHash, readFileIfExists, RecordIndex } from "./record-index.js";
import { checkAgainstFiles, type DatasetState, removeTempFiles } from "./recovery.js";

export type { ImageMode } from "./image-store.js";

export interface IntermediateWriterOptions {
  /** The dataset directory (created if missing). */
  outDir: string;
  /** Written as dataset_version / annotation `version`. Default: the pipeline's datasetVersion. */
  datasetVersion?: string;
  /**
   * How screenshots are stored: "copy" (default) writes the bytes already read
   * for hashing, or clones them copy-on-write where the filesystem can;
   * "hardlink" links to the run's file (same filesystem only, falls back to a
   * copy); "auto" is hardlink when possible. Hard links share the file: do
   * not edit screenshots in the run directory afterwards.
   */
  imageMode?: ImageMode;
  /** Write into a non-empty directory that is not a dataset. Nothing there is deleted. */
  force?: boolean;
  /** Flush annotation journal, index and manifest lines every N records (default 256); a crash loses at most the unflushed records, which the next export of the run adds again. */
  flushEvery?: number;
  /**
   * Boxes of changed annotation files held in memory (default 5,000, ~2 MB): each file is
   * written once, at close, unless this many boxes are held, when the files changed longest ago are
   * written and let go. Until then the boxes are in the dataset's journal (`.qontinui/`).
   */
  maxHeldBoxes?: number;
  /** fsync the manifest and metadata at close (default false). */
  durable?: boolean;
  /** Overrides the pipeline's logger for recovery messages. */
  logger?: Logger;
  /**
   * Longest line read back from the dataset's own JSON-lines files (manifest.jsonl when its index is
   * rebuilt, the annotation journal); longer ones are skipped and reported, never held. Default 16 MiB.
   */
  maxLineBytes?: number;
}

/** What `mergeDatasets` (and the PostgreSQL store's export, which must equal it) asks of the writer beyond a pipeline's needs: an advanced hook, through `createIntermediateWriter`. */
export interface WriterInternals {
  /** The match/click flags of an item's record (FLAG_MATCH | FLAG_CLICK); default: from its match_summary and clicked_location. */
  flagsOf?: (item: ExportItem) => number;
  /** Merge the boxes and context of a record already in the dataset into its image's file (default: skip it whole). */
  mergeKnownRecords?: boolean;
}

export interface IntermediateWriterSummary extends WriterSummary {
  writer: "intermediate";
  outDir: string;
  recordsAppended: number;
  recordsAlreadyExported: number;
  imagesAdded: number;
  annotationsAdded: number;
  totalImages: number;
  totalAnnotations: number;
  totalRecords: number;
  recovered: string[];
}

/** Refuses a non-empty directory that is not a dataset, unless forced (see claimOutputDir). */
async function checkOutputDir(root: string, force: boolean): Promise<void> {
  await claimOutputDir(root, {
    format: "intermediate",
    label: "dataset directory",
    isPrevious: (names) => names.includes("metadata.json") || names.includes("manifest.jsonl") || names.includes(STATE_DIR),
    previousHint: "no metadata.json or manifest.jsonl",
    force,
    marker: false,
  });
}

/**
 * The intermediate dataset writer (the seed's layout). Resumable and
 * idempotent: records already in the manifest are not appended again, the
 * category registry continues from metadata.json, and a crash at any point
 * leaves a dataset that the next open repairs. Startup reads metadata.json
 * and the record index, never the images directory.
 *
 * It composes the manifest log (lines and index entries), the annotation
 * store, the image store and, at open, recovery; it owns the order of a
 * flush and the dataset's totals.
 */
export function intermediateWriter(options: IntermediateWriterOptions): CompleteWriter {
  return createIntermediateWriter(options, {});
}

/** The state a closed dataset's files give, or undefined when metadata.json does not hold one (then the files are checked). */
function closedDatasetState(index: Buffer | undefined, metadata: MetadataFile): DatasetState | undefined {
  const meta = metadata.metadata;
  const categoryMap = validCategoryMap(meta?.category_map);
  const total = meta?.total_annotations;
  if (!categoryMap || typeof total !== "number" || !Number.isSafeInteger(total) || total < 0) return undefined;
  const bytes = index ?? Buffer.alloc(0);
  return {
    index: RecordIndex.fromBuffer(bytes),
    indexBytes: bytes,
    totalAnnotations: total,
    categoryMap,
    version: typeof meta?.dataset_version === "string" ? meta.dataset_version : undefined,
    // A closed dataset's files are those of its manifest's images (closed.json checks annotations/ is as it left it).
    unlisted: new Set(),
  };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** `intermediateWriter` with the hooks `mergeDatasets` needs. */
export function createIntermediateWriter(options: IntermediateWriterOptions, internals: WriterInternals): CompleteWriter {
  const paths = datasetPaths(options.outDir);
  const flushEvery = Math.max(1, options.flushEvery ?? 256);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let ctx: WriterContext;
  let logger: Logger;
  let lock: AcquiredLock | undefined;
  let index: RecordIndex;
  let indexBytes: Buffer;
  let images: ImageStore;
  let annotations: AnnotationStore;
  // The group of records being written in the background while the next one is labelled (at most one).
  let flushing: Promise<void> = Promise.resolve();
  let totalAnnotations = 0;
  let version = "1.0.0";
  let lastStats: ExportStatistics | undefined;
  const recovered: string[] = [];
  const session = { appended: 0, already: 0, imagesAdded: 0, annotationsAdded: 0, started: Date.now() };
  let closed = false;

  const note = (m: string) => {
    recovered.push(m);
    logger.warn(`[intermediate] ${m}`);
  };
  const log = new ManifestLog(paths, note);

  /**
   * Repairs what a crash or another tool left, then loads the registry, the index and the totals:
   * as metadata.json and the index say when every file is as the last finished export left it
   * (closed-state.ts), else checked against the files and rebuilt from them where they disagree.
   */
  async function loadState(): Promise<void> {
    const stale = lock?.recoveredStale;
    if (stale) note(`the last export (pid ${stale.pid}, started ${stale.started}) did not finish: checking the dataset`);
    const closed = await readClosedState(paths);
    // From here until close writes it again, the dataset is being changed: a failure or a kill leaves it without one.
    await removeClosedState(paths);
    await log.repairTail();
    const metadata = await readMetadata(paths);
    const indexFile = await readFileIfExists(paths.index);
    const found = { manifestBytes: log.size, index: indexFile, metadata, journal: await exists(journalPath(paths)) };
    const disagreements = closed ? await closedStateDisagreements(paths, closed, found) : ["no finished export closed it"];
    let state = disagreements.length === 0 ? closedDatasetState(indexFile, metadata) : undefined;
    const trusted = state !== undefined;
    if (!trusted && disagreements.length === 0) disagreements.push("metadata.json holds no category_map or total_annotations");
    if (!state) {
      if (!stale && (log.size > 0 || metadata.bytes !== undefined)) {
        note(`${closed ? "the dataset changed since the last export closed it" : "the last export into this dataset did not close it (it failed, was killed, or was an older version or another tool)"} (${disagreements.join("; ")}): checking it against its files`);
      }
      await removeTempFiles(paths, note);
      // Boxes a killed export had only in its journal go into their files before anything reads them.
      await replayAnnotationJournal(paths, note, maxLineBytes);
      state = await checkAgainstFiles(paths, {
        index: indexFile,
        metadata,
        metadataTrusted: closed !== undefined && metadata.bytes !== undefined && sha256(metadata.bytes) === closed.metadata_sha256,
        maxLineBytes,
        note,
      });
    }
    ctx.registry.load(state.categoryMap);
    version = options.datasetVersion ?? state.version ?? ctx.datasetVersion;
    index = state.index;
    indexBytes = state.indexBytes;
    totalAnnotations = state.totalAnnotations;
    images = new ImageStore(paths, options.imageMode ?? "copy", (id) => index.hasImage(imageIdBytes(id)));
    annotations = new AnnotationStore(paths, {
      version,
      // Files for images the manifest does not list: a crash's or a failed export's (boxes go before manifest lines), or another tool's.
      unlisted: state.unlisted,
      note,
      ...(options.maxHeldBoxes !== undefined ? { maxHeldBoxes: options.maxHeldBoxes } : {}),
    });
  }

  /**
   * Hands the records since the last flush to the background writer: their boxes (annotation
   * journal, and the files of images leaving memory), then their index entries, then their manifest
   * lines, so a crash leaves at worst boxes without their manifest line, which the next export of
   * the record adds again (boxes are merged, never doubled). Groups are written one after another;
   * a failed group fails the next write or close.
   */
  async function flush(): Promise<void> {
    await flushing;
    if (log.waiting === 0 && annotations.waiting === 0) return;
    const docs = annotations.take();
    const lines = log.take();
    flushing = writeGroup(docs, lines);
    flushing.catch(() => {}); // surfaced by the next flush or close, which await it
  }

  async function writeGroup(docs: AnnotationGroup, lines: ManifestGroup): Promise<void> {
    await annotations.write(docs);
    await log.write(lines);
  }

  async function finish(): Promise<void> {
    if (closed) return;
    closed = true;
    try {
      await flush();
      await flushing;
      // Every annotation file still in memory, written once; then the journal goes.
      await annotations.close();
      if (options.durable) await log.sync();
    } finally {
      await annotations.abandon();
      await log.close();
    }
    const fsync = options.durable ?? false;
    const metadataText = await writeMetadata(
      paths,
      {
        version,
        counts: index.counts(),
        totalAnnotations,
        registry: ctx.registry,
        skippedRecords: lastStats?.recordsSkipped ?? 0,
        sessionStarted: session.started,
      },
      { fsync },
    );
    // Last: what the next open may trust without reading the dataset. Never written after a failure.
    await writeClosedState(paths, { version: 1, ...log.closedState(), metadata_sha256: sha256(metadataText), annotations_mtime_ns: await annotationsMtime(paths) }, { fsync });
    await lock?.release();
  }

  return {
    name: "intermediate",
    async open(context) {
      ctx = context;
      session.started = Date.now();
      logger = options.logger ?? context.logger;
      await checkOutputDir(paths.root, options.force ?? false);
      await createDirectory(paths.state, "dataset directory");
      lock = await acquireLock(paths.lock, paths.root);
      try {
        await createDirectory(paths.images, "dataset directory");
        await createDirectory(paths.annotations, "dataset directory");
        await loadState();
        await log.openForAppend(indexBytes);
      } catch (e) {
        await lock.release();
        throw e;
      }
    },
    prepare(image) {
      annotations.readAheadFor(image.id, index.hasImage(imageIdBytes(image.id)));
      return images.place(image);
    },
    // Images the manifest lists were checked when an earlier export stored them (same id, same content).
    hasImage: (imageId) => index.hasImage(imageIdBytes(imageId)),
    async write(item): Promise<WriteResult | void> {
      const hash = keyHash(item.key);
      if (index.hasKey(hash)) {
        if (internals.mergeKnownRecords) {
          // Its image is in the dataset (the key names it): only boxes it lacks are added.
          const { before, after } = await annotations.merge(item, false, recordContext(item.record));
          totalAnnotations += after - before;
          session.annotationsAdded += after - before;
          if (annotations.waiting >= flushEvery) await flush();
        } else {
          annotations.forget(item.image.id);
        }
        session.already++;
        return { skipped: "already_exported" };
      }
      const { image, record } = item;
      await images.place(image);
      const idBytes = imageIdBytes(image.id);
      const isNew = !index.hasImage(idBytes);
      const context = recordContext(record);
      const { before, after } = await annotations.merge(item, isNew, context);
      // A new image counts all its boxes (its file may predate a crash); a known one only what was added.
      const delta = isNew ? after : after - before;
      totalAnnotations += delta;
      session.annotationsAdded += delta;
      if (isNew) session.imagesAdded++;
      const entry: ManifestEntry = {
        id: image.id,
        image: `images/${image.id}${image.extension}`,
        annotations: `annotations/${image.id}.json`,
        action_id: record.action_id,
        action_type: context.action_type,
        timestamp: context.timestamp,
        active_states: context.active_states,
        source: "runner_execution",
        is_new: isNew,
        reviewed: false,
        ...(record.attempt_id ? { attempt_id: record.attempt_id } : {}),
      };
      const line = `${JSON.stringify(entry)}\n`;
      const flags = internals.flagsOf ? internals.flagsOf(item) : (record.match_summary ? FLAG_MATCH : 0) | (record.clicked_location ? FLAG_CLICK : 0);
      log.append(line, index.add(hash, idBytes, flags, log.size));
      session.appended++;
      if (log.waiting >= flushEvery || annotations.waiting >= flushEvery) await flush();
    },
    async close(statistics?: ExportStatistics): Promise<IntermediateWriterSummary> {
      lastStats = statistics;
      await finish();
      const counts = index.counts();
      return {
        writer: "intermediate",
        outDir: paths.root,
        recordsAppended: session.appended,
        recordsAlreadyExported: session.already,
        imagesAdded: session.imagesAdded,
        annotationsAdded: session.annotationsAdded,
        totalImages: counts.images,
        totalAnnotations,
        totalRecords: counts.entries,
        recovered,
      };
    },
    async abort() {
      // Whole records already handed to us are kept; the lock is released.
      await finish().catch(async () => {
        await lock?.release();
      });
    },
  };
}
