import { promises as fs } from "node:fs";
import path from "node:path";
import {
  boxIdentity,
  CategoryRegistry,
  type ExportItem,
  type ExportStatistics,
  type LabeledAnnotation,
  type Logger,
  OutputNotEmptyError,
  recordContext,
  recordKey,
  type ResolvedImage,
  TEMP_FILE_PATTERN,
  tempPathFor,
  type WriteResult,
  type Writer,
  type WriterContext,
  type WriterSummary,
  writeFileAtomic,
} from "@qontinui/export-core";
import { acquireLock, type AcquiredLock } from "./dataset-lock.js";
import { Lanes } from "./lanes.js";
import {
  type AnnotationFile,
  datasetPaths,
  IMAGE_ID_PATTERN,
  type ManifestEntry,
  type Metadata,
  STATE_DIR,
  type StoredAnnotation,
} from "./layout.js";
import {
  entryOffset,
  FLAG_CLICK,
  FLAG_MATCH,
  imageIdBytes,
  INDEX_ENTRY_SIZE,
  keyHash,
  readFileIfExists,
  RecordIndex,
} from "./record-index.js";

export type ImageMode = "copy" | "hardlink" | "auto";

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
  /** Flush annotation files, index and manifest lines every N records (default 256); a crash loses at most the unflushed records, which the next export of the run adds again. */
  flushEvery?: number;
  /** fsync the manifest and metadata at close (default false). */
  durable?: boolean;
  /** Overrides the pipeline's logger for recovery messages. */
  logger?: Logger;
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

const DESCRIPTION = "Training dataset exported from qontinui-runner execution data";

/**
 * The intermediate dataset writer (the seed's layout). Resumable and
 * idempotent: records already in the manifest are not appended again, the
 * category registry continues from metadata.json, and a crash at any point
 * leaves a dataset that the next open repairs. Startup reads metadata.json
 * and the record index, never the images directory.
 */
export function intermediateWriter(options: IntermediateWriterOptions): Writer {
  const paths = datasetPaths(options.outDir);
  const flushEvery = Math.max(1, options.flushEvery ?? 256);
  let ctx: WriterContext;
  let logger: Logger;
  let lock: AcquiredLock | undefined;
  let index: RecordIndex;
  let manifest: fs.FileHandle | undefined;
  let indexFile: fs.FileHandle | undefined;
  let manifestSize = 0;
  let pendingManifest: string[] = [];
  let pendingIndex: Buffer[] = [];
  // The group of records being written in the background while the next one is labelled (at most one).
  let flushing: Promise<void> = Promise.resolve();
  let totalAnnotations = 0;
  let version = "1.0.0";
  let cloneWorks: boolean | undefined;
  const storing = new Map<string, Promise<void>>();
  // Files created at once in images/ and in annotations/ (see Lanes: more only spin on the directory's
  // lock). 5000-record bench export with the outputs of earlier exports just removed: unbounded
  // 1.75x the floor, these lanes 1.58x; on a filesystem without recently removed files, the same.
  const imageLanes = new Lanes(4);
  const docLanes = new Lanes(2);
  // Annotation files changed since the last flush, written together (concurrently) at the flush,
  // before the index and manifest lines that refer to them; and the group last flushed, which may
  // still be being written, so a record of one of its screenshots merges in memory. Older groups
  // are whole on disk (a flush waits for the one before) and are read back if needed: records of a
  // screenshot come together, so that is rare, and keeping more (this was an LRU of 1,024 files)
  // only kept each file alive long enough to end as old-generation garbage.
  let pendingDocs = new Map<string, AnnotationFile>();
  let flushedDocs = new Map<string, AnnotationFile>();
  // Annotation files read ahead in prepare() (concurrent, out of order) so write(), which runs in
  // record order one at a time, does not wait for the disk. Used only if not written since.
  const readAhead = new Map<string, Promise<Buffer | undefined>>();
  const writtenDocs = new Set<string>();
  // Whether annotation files may exist for images the index does not list: only after a crash (boxes
  // are written before their manifest lines) or in a dataset another tool wrote. Otherwise a new
  // image has no file to read back.
  let unlistedDocsPossible = true;
  const stored = new Set<string>();
  const recovered: string[] = [];
  const session = { appended: 0, already: 0, imagesAdded: 0, annotationsAdded: 0, started: Date.now() };
  let closed = false;

  const note = (m: string) => {
    recovered.push(m);
    logger.warn(`[intermediate] ${m}`);
  };

  async function checkOutputDir(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(paths.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    const isDataset = names.includes("metadata.json") || names.includes("manifest.jsonl") || names.includes(STATE_DIR);
    if (names.length > 0 && !isDataset && !options.force) {
      throw new OutputNotEmptyError(
        paths.root,
        `${paths.root} is not empty and is not a dataset (no metadata.json or manifest.jsonl); choose an empty directory, or pass --force to write beside the files there (none is deleted)`,
      );
    }
  }

  async function removeTempFiles(dir: string): Promise<void> {
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (TEMP_FILE_PATTERN.test(n)) {
        await fs.rm(path.join(dir, n), { force: true });
        note(`removed half-written temp file ${path.relative(paths.root, path.join(dir, n))}`);
      }
    }
  }

  /** Cuts a torn last line (a crash mid-append) and returns the manifest's whole size. */
  async function repairManifestTail(): Promise<number> {
    let stat;
    try {
      stat = await fs.stat(paths.manifest);
    } catch {
      return 0;
    }
    if (stat.size === 0) return 0;
    const h = await fs.open(paths.manifest, "r+");
    try {
      const chunk = 64 * 1024;
      let end = stat.size;
      // Find the last newline from the end.
      while (end > 0) {
        const start = Math.max(0, end - chunk);
        const buf = Buffer.alloc(end - start);
        await h.read(buf, 0, buf.length, start);
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0) {
          const whole = start + nl + 1;
          if (whole !== stat.size) {
            const torn = Buffer.alloc(stat.size - whole);
            await h.read(torn, 0, torn.length, whole);
            await h.truncate(whole);
            note(
              `manifest.jsonl ended in a torn line (${stat.size - whole} bytes, a crash mid-write): cut it; that record is exported again when its run is exported again. Torn text: ${JSON.stringify(torn.toString("utf8").slice(0, 200))}`,
            );
          }
          return whole;
        }
        if (start === 0) break;
        end = start;
      }
      await h.truncate(0);
      note(`manifest.jsonl held only a torn line (${stat.size} bytes): cut it`);
      return 0;
    } finally {
      await h.close();
    }
  }

  /** Rebuilds the record index from manifest.jsonl (a seed dataset, or an index that disagrees). */
  async function rebuildIndex(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    const text = (await readFileIfExists(paths.manifest)) ?? Buffer.alloc(0);
    let lineStart = 0;
    while (lineStart < text.length) {
      let nl = text.indexOf(0x0a, lineStart);
      if (nl < 0) nl = text.length;
      const line = text.toString("utf8", lineStart, nl);
      offset = lineStart;
      lineStart = nl + 1;
      if (line.trim() === "") continue;
      try {
        const e = JSON.parse(line) as ManifestEntry;
        if (typeof e.id !== "string" || !IMAGE_ID_PATTERN.test(e.id)) continue;
        // Whether the record had a match or a click is not in the seed's manifest: unknown after a rebuild (counted as 0).
        const flags = 0;
        const entry = Buffer.alloc(INDEX_ENTRY_SIZE);
        keyHash(recordKey({ action_id: String(e.action_id), attempt_id: typeof e.attempt_id === "string" ? e.attempt_id : null }, e.id)).copy(entry, 0);
        imageIdBytes(e.id).copy(entry, 8);
        entry[16] = flags;
        entry.writeUIntBE(offset, 18, 6);
        parts.push(entry);
      } catch {
        // Not a manifest entry: the reader reports it; the index skips it.
      }
    }
    const buf = Buffer.concat(parts);
    await writeFileAtomic(paths.index, buf);
    return buf;
  }

  async function recountAnnotations(): Promise<number> {
    // Only after a crash: the sum over the manifest's images of their boxes.
    let total = 0;
    const seen = new Set<string>();
    const text = (await readFileIfExists(paths.manifest))?.toString("utf8") ?? "";
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const id = (JSON.parse(line) as ManifestEntry).id;
        if (typeof id !== "string" || !IMAGE_ID_PATTERN.test(id) || seen.has(id)) continue;
        seen.add(id);
        const ann = await readFileIfExists(paths.annotationFile(id));
        if (ann) total += ((JSON.parse(ann.toString("utf8")) as AnnotationFile).annotations ?? []).length;
      } catch {
        /* counted by validate, not here */
      }
    }
    return total;
  }

  async function loadState(): Promise<void> {
    const stale = lock?.recoveredStale;
    if (stale) {
      note(`the last export (pid ${stale.pid}, started ${stale.started}) did not finish: checking the dataset`);
      for (const d of [paths.root, paths.images, paths.annotations, paths.state]) await removeTempFiles(d);
    }
    manifestSize = await repairManifestTail();
    const metaText = await readFileIfExists(paths.metadata);
    let meta: Partial<Metadata> | undefined;
    if (metaText) {
      try {
        meta = JSON.parse(metaText.toString("utf8")) as Metadata;
      } catch (e) {
        note(`metadata.json is not valid JSON (${(e as Error).message}); rebuilding its totals from the manifest`);
      }
    }
    if (meta?.category_map) ctx.registry.load(meta.category_map);
    version = options.datasetVersion ?? meta?.dataset_version ?? ctx.datasetVersion;

    let buf = await readFileIfExists(paths.index);
    let consistent = buf !== undefined;
    if (buf) {
      const whole = buf.length - (buf.length % INDEX_ENTRY_SIZE);
      let n = whole / INDEX_ENTRY_SIZE;
      // Entries written before a crash cut their manifest lines short are not in the manifest: drop them.
      while (n > 0 && entryOffset(buf, n - 1) >= manifestSize) n--;
      if (n * INDEX_ENTRY_SIZE !== buf.length) {
        buf = buf.subarray(0, n * INDEX_ENTRY_SIZE);
        await writeFileAtomic(paths.index, buf);
        if (stale === undefined) note("the record index was ahead of manifest.jsonl; trimmed it");
      }
      // The last entry's line must end the manifest, else someone else appended (e.g. the Python exporter).
      if (n > 0) {
        const lastStart = entryOffset(buf, n - 1);
        const tail = await readRange(paths.manifest, lastStart, manifestSize);
        const nl = tail.indexOf(0x0a);
        consistent = nl === tail.length - 1;
      } else {
        consistent = manifestSize === 0;
      }
    }
    if (!consistent) {
      if (manifestSize > 0) note("the record index does not cover manifest.jsonl (a dataset from another tool, or an edited manifest): rebuilding it from the manifest");
      buf = await rebuildIndex();
    }
    index = RecordIndex.fromBuffer(buf ?? Buffer.alloc(0));

    unlistedDocsPossible = stale !== undefined || (!consistent && manifestSize > 0);
    const needRecount = stale !== undefined || !consistent || meta === undefined || typeof meta.total_annotations !== "number";
    totalAnnotations = needRecount && manifestSize > 0 ? await recountAnnotations() : (meta?.total_annotations ?? 0);
  }

  async function readRange(file: string, start: number, end: number): Promise<Buffer> {
    const h = await fs.open(file, "r");
    try {
      const buf = Buffer.alloc(end - start);
      await h.read(buf, 0, buf.length, start);
      return buf;
    } finally {
      await h.close();
    }
  }

  async function storeImage(image: ResolvedImage): Promise<void> {
    const dest = paths.imageFile(image.id + image.extension);
    // Only an image the index knows can already be stored; a file a crash left behind holds the
    // same bytes under the same name, so writing it again is harmless. Saves a stat per new image.
    if (index.hasImage(imageIdBytes(image.id))) {
      try {
        await fs.access(dest);
        return;
      } catch {
        /* listed but missing: store it again */
      }
    }
    const mode = options.imageMode ?? "copy";
    if (mode !== "copy") {
      try {
        await fs.link(image.sourcePath, dest);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return;
        // Across filesystems (EXDEV) or where links are not allowed: copy instead.
      }
    }
    if (cloneWorks !== false) {
      const tmp = tempPathFor(dest);
      try {
        await fs.copyFile(image.sourcePath, tmp, fs.constants.COPYFILE_FICLONE_FORCE);
        await fs.rename(tmp, dest);
        cloneWorks = true;
        return;
      } catch {
        await fs.rm(tmp, { force: true });
        cloneWorks = false;
      }
    }
    // The bytes were read once for hashing: write them, no second read. They come with prepare (the
    // pipeline lets them go before write): an image first seen in write without them is an error,
    // never an empty file.
    if (image.bytes.length !== image.byteLength) {
      throw new Error(`intermediate writer: image ${image.id} came without its ${image.byteLength} bytes; store images in prepare (the pipeline calls it for every new image)`);
    }
    await writeFileAtomic(dest, image.bytes);
  }

  /** Stores each image once, even when several records holding it are in flight. */
  async function prepareImage(image: ResolvedImage): Promise<void> {
    if (stored.has(image.id)) return;
    let p = storing.get(image.id);
    if (!p) {
      p = imageLanes.run(() => storeImage(image)).then(
        () => {
          stored.add(image.id);
          storing.delete(image.id);
        },
        (e: unknown) => {
          storing.delete(image.id);
          throw e;
        },
      );
      storing.set(image.id, p);
    }
    await p;
  }

  /**
   * Hands the records since the last flush to the background writer: their annotation files, then
   * their index entries, then their manifest lines, so a crash leaves at worst boxes without their
   * manifest line, which the next export of the record adds again (boxes are merged, never
   * doubled). Groups are written one after another; a failed group fails the next write or close.
   */
  async function flush(): Promise<void> {
    await flushing;
    if (pendingManifest.length === 0 && pendingDocs.size === 0) return;
    const docs = pendingDocs;
    const text = pendingManifest.join("");
    const entries = Buffer.concat(pendingIndex);
    pendingDocs = new Map();
    pendingManifest = [];
    pendingIndex = [];
    for (const id of docs.keys()) writtenDocs.add(id);
    flushedDocs = docs;
    flushing = writeGroup(docs, entries, text);
    flushing.catch(() => {}); // surfaced by the next flush or close, which await it
  }

  async function writeGroup(docs: Map<string, AnnotationFile>, entries: Buffer, text: string): Promise<void> {
    await Promise.all([...docs].map(([id, doc]) => docLanes.run(() => writeFileAtomic(paths.annotationFile(id), JSON.stringify(doc, null, 2)))));
    if (text === "") return;
    // Index first: it may run ahead of the manifest (trimmed on open), never behind.
    await indexFile!.write(entries);
    await manifest!.write(text);
  }

  function toStored(a: LabeledAnnotation): StoredAnnotation {
    const s: StoredAnnotation = {
      bbox: a.bbox,
      category_id: a.categoryId,
      category_name: a.categoryName,
      confidence: a.confidence,
      source: a.source,
      verified: a.verified,
    };
    if (a.clipped) s.clipped = true;
    const inference = a.metadata?.inference_metadata;
    if (inference && typeof inference === "object") s.inference_metadata = inference as Record<string, unknown>;
    else if (a.metadata && Object.keys(a.metadata).length > 0) s.inference_metadata = a.metadata;
    return s;
  }

  /** Merges the record's boxes into annotations/<id>.json; returns how many boxes the file has and had. */
  async function mergeAnnotations(item: ExportItem, isNew: boolean): Promise<{ before: number; after: number }> {
    const { image, record } = item;
    const file = paths.annotationFile(image.id);
    const cached = pendingDocs.get(image.id) ?? flushedDocs.get(image.id);
    const ahead = readAhead.get(image.id);
    readAhead.delete(image.id);
    const existing =
      cached || (isNew && !unlistedDocsPossible) ? undefined : ahead && !writtenDocs.has(image.id) ? await ahead : await readFileIfExists(file);
    let data: AnnotationFile | undefined = cached;
    if (existing) {
      try {
        data = JSON.parse(existing.toString("utf8")) as AnnotationFile;
      } catch {
        note(`annotations/${image.id}.json was not valid JSON; rewriting it from this record (its earlier boxes are lost)`);
      }
    }
    const before = data?.annotations?.length ?? 0;
    const merged = [...(data?.annotations ?? [])];
    const seen = new Set(merged.map((a) => boxIdentity(a.bbox, a.category_id)));
    let added = 0;
    for (const a of item.annotations) {
      const k = boxIdentity(a.bbox, a.categoryId);
      if (seen.has(k)) continue;
      seen.add(k);
      merged.push(toStored(a));
      added++;
    }
    if (data && added === 0) return { before, after: before };
    const out: AnnotationFile = {
      image_id: image.id,
      image_filename: image.id + image.extension,
      image_width: image.width,
      image_height: image.height,
      annotations: merged,
      context: recordContext(record),
      version,
    };
    pendingDocs.set(image.id, out);
    return { before, after: merged.length };
  }

  async function writeMetadata(): Promise<void> {
    const counts = index.counts();
    const meta: Metadata = {
      dataset_version: version,
      created: new Date().toISOString(),
      total_images: counts.images,
      total_annotations: totalAnnotations,
      category_map: ctx.registry.toCategoryMap(),
      categories: ctx.registry.list(),
      statistics: {
        total_records_processed: counts.entries,
        records_with_screenshots: counts.entries,
        records_with_matches: counts.withMatches,
        records_with_clicks: counts.withClicks,
        // The last session's count: skipped records are not part of the dataset.
        skipped_records: lastStats?.recordsSkipped ?? 0,
        export_time_seconds: (Date.now() - session.started) / 1000,
      },
      format: "intermediate",
      description: DESCRIPTION,
    };
    await writeFileAtomic(paths.metadata, JSON.stringify(meta, null, 2), { fsync: options.durable ?? false });
  }

  let lastStats: ExportStatistics | undefined;

  async function finish(): Promise<void> {
    if (closed) return;
    closed = true;
    try {
      await flush();
      await flushing;
      if (options.durable) await manifest?.sync();
    } finally {
      await manifest?.close();
      await indexFile?.close();
    }
    await writeMetadata();
    await lock?.release();
  }

  return {
    name: "intermediate",
    async open(context) {
      ctx = context;
      session.started = Date.now();
      logger = options.logger ?? context.logger;
      await checkOutputDir();
      await fs.mkdir(paths.state, { recursive: true });
      lock = await acquireLock(paths.lock, paths.root);
      try {
        await fs.mkdir(paths.images, { recursive: true });
        await fs.mkdir(paths.annotations, { recursive: true });
        await loadState();
        indexFile = await fs.open(paths.index, "a");
        manifest = await fs.open(paths.manifest, "a");
      } catch (e) {
        await lock.release();
        throw e;
      }
    },
    prepare(image) {
      const listed = index.hasImage(imageIdBytes(image.id));
      if ((listed || unlistedDocsPossible) && !readAhead.has(image.id) && !pendingDocs.has(image.id) && !writtenDocs.has(image.id)) {
        const p = readFileIfExists(paths.annotationFile(image.id));
        p.catch(() => {});
        readAhead.set(image.id, p);
      }
      return prepareImage(image);
    },
    async write(item): Promise<WriteResult | void> {
      const hash = keyHash(item.key);
      if (index.hasKey(hash)) {
        readAhead.delete(item.image.id);
        session.already++;
        return { skipped: "already_exported" };
      }
      const { image, record } = item;
      await prepareImage(image);
      const idBytes = imageIdBytes(image.id);
      const isNew = !index.hasImage(idBytes);
      const { before, after } = await mergeAnnotations(item, isNew);
      // A new image counts all its boxes (its file may predate a crash); a known one only what was added.
      const delta = isNew ? after : after - before;
      totalAnnotations += delta;
      session.annotationsAdded += delta;
      if (isNew) session.imagesAdded++;
      const context = recordContext(record);
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
      const flags = (record.match_summary ? FLAG_MATCH : 0) | (record.clicked_location ? FLAG_CLICK : 0);
      pendingIndex.push(index.add(hash, idBytes, flags, manifestSize));
      pendingManifest.push(line);
      manifestSize += Buffer.byteLength(line);
      session.appended++;
      if (pendingManifest.length >= flushEvery) await flush();
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
