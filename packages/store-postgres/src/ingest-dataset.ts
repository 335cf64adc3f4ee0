import { datasetImageSource, FLAG_CLICK, FLAG_MATCH, manifestEntries, readDatasetImage, readRecordFlags } from "@qontinui/writer-intermediate";
import path from "node:path";
import {
  DEFAULT_MAX_LINE_BYTES,
  type LabeledAnnotation,
  parseRecord,
  type Problem,
  ProblemCounter,
  recordContext,
  recordKey,
} from "@qontinui/export-core";
import { type AnnotationFile, categoryLookup, checkStoredBox, type ManifestEntry, openDataset } from "@qontinui/intermediate-format";
import type { DatasetStore } from "./dataset-store.js";
import { keyHash, recordSortKey } from "./record-order.js";
import { RowBatch, type StoreImage, type StoreRecord, upsertOrigin } from "./row-batch.js";
import { defaultRunnerId, storeBox, storeImage, unstorableText } from "./store-record.js";
import { markWriter, unmarkWriter } from "./store-writer.js";

export interface IngestOptions {
  /** Records per transaction (default 256). */
  batchSize?: number;
  /** Images read, hashed and stored at once (default 8). */
  concurrency?: number;
  /** Written into each record's `runner_id` (default `<hostname>:<pid>`). */
  runnerId?: string;
  /**
   * The shard's place in the store's record order (see `recordSortKey`): default its absolute
   * path. `exportToDirectory` gives what `mergeDatasets` gives for the shards listed in the order
   * of their origins.
   */
  origin?: string;
  /** Longest manifest line read; longer ones are skipped as `line_too_long` (default 16 MiB, as merge). */
  maxLineBytes?: number;
  /** Told the number of manifest entries done so far. */
  onProgress?: (entriesDone: number) => void;
}

export interface IngestSummary {
  dir: string;
  /** Manifest entries read (whole lines). */
  entries: number;
  /** Records new to the store. */
  appended: number;
  /** Records the store already had (this shard's or another's). */
  duplicates: number;
  imagesAdded: number;
  annotationsAdded: number;
  problems: { total: number; byReason: Record<string, number>; examples: Record<string, Problem[]> };
}

/** An image of the shard, resolved once per ingest: its row, or why its entries are skipped. */
type ShardImage = { ok: true; image: StoreImage } | { ok: false; problem: { reason: string; message: string } };

/** A manifest entry with where it is. */
interface ShardEntry {
  entry: ManifestEntry;
  line: number;
  ordinal: number;
}

/** How many manifest entries are read before their images are resolved together. */
const CHUNK = 128;

/**
 * Loads an intermediate dataset directory (a shard a runner exported on its own) into a store
 * dataset, reading it exactly as `mergeDatasets` reads an input: every manifest entry whose
 * annotation file reads and whose image is present, whole and named by its content hash becomes a
 * record (its match/click flags from the shard's record index, as merge counts them); the image's
 * boxes are checked (`checkStoredBox`), reconciled with the store's categories by name, and
 * handed over with the image's first entry in the shard. A record the store already has is not
 * added again, but its boxes join its image (the union of the shards' boxes, each box once by
 * `boxIdentity`). Many ingests (and pipeline writers) may run at once on one dataset; ingesting
 * a shard again adds nothing.
 */
export async function ingestDataset(store: DatasetStore, dir: string, options: IngestOptions = {}): Promise<IngestSummary> {
  const ds = await openDataset(dir);
  const categories = categoryLookup(ds.metadata.category_map);
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const runnerId = options.runnerId ?? defaultRunnerId();
  const origin = options.origin ?? path.resolve(dir);
  const flags = await readRecordFlags(ds.paths, ds.metadata, maxLineBytes);
  const problems = new ProblemCounter();
  const skip = (reason: string, message: string, line: number, actionId?: string) =>
    problems.add({ reason, severity: "skipped", message: `${ds.dir}: ${message}`, line, ...(actionId !== undefined ? { actionId } : {}) });
  const summary = { dir: ds.dir, entries: 0 };
  const rows = new RowBatch(store, { boxesOfKnownRecords: true });
  const seen = new Map<string, ShardImage>();
  const source = datasetImageSource(ds.paths.images);
  // Images whose boxes this shard already handed over (with their first entry), and that entry's sort key.
  const firstEntry = new Map<string, string>();
  let done = 0;

  const client = await rows.open();
  await markWriter(client, store.dataset.id);
  try {
    // The shard's categories, in the order of its ids: merge gives them ids before its records.
    const shardCategories = [...categories.byId].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
    for (const name of shardCategories) await store.categories.idFor(name);
    await upsertOrigin(store.pool, store.dataset.id, { origin, categories: shardCategories, runnerId });
    /**
     * Reads the chunk's annotation files, and the images not seen yet in this ingest: each read,
     * hashed and checked once, its blob stored unless the dataset already has the image.
     */
    const resolveImages = async (entries: ShardEntry[]) => {
      const ids = [...new Set(entries.map((l) => l.entry.id))];
      const annotationFiles = new Map<string, { file: AnnotationFile | undefined } | { error: string }>();
      await forEachLimit(ids, concurrency, async (id) => {
        try {
          annotationFiles.set(id, { file: await ds.readAnnotationFile(id) });
        } catch (e) {
          annotationFiles.set(id, { error: (e as Error).message });
        }
      });
      const fresh = ids.filter((id) => !seen.has(id) && !("error" in annotationFiles.get(id)!));
      if (fresh.length === 0) return annotationFiles;
      const { rows: known } = await store.pool.query<{ image_id: string }>("SELECT image_id FROM images WHERE dataset_id = $1 AND image_id = ANY($2::text[])", [
        store.dataset.id,
        fresh,
      ]);
      const inStore = new Set(known.map((r) => r.image_id));
      await forEachLimit(fresh, concurrency, async (id) => {
        const ann = annotationFiles.get(id) as { file: AnnotationFile | undefined };
        const fileName = await ds.imageFileName(id, ann.file);
        const resolved = await readDatasetImage(source, fileName, id);
        seen.set(id, resolved.ok ? { ok: true, image: storeImage(resolved.image) } : resolved);
        if (resolved.ok && !inStore.has(id)) await rows.putBlob(storeImage(resolved.image), resolved.image.bytes);
      });
      return annotationFiles;
    };

    const ingestChunk = async (entries: ShardEntry[]) => {
      const annotationFiles = await resolveImages(entries);
      for (const { entry, line, ordinal } of entries) {
        summary.entries++;
        const read = annotationFiles.get(entry.id)!;
        if ("error" in read) {
          skip("stored_annotation_file_invalid", read.error, line, entry.action_id);
          continue;
        }
        const ann = read.file;
        const shard = seen.get(entry.id)!;
        if (!shard.ok) {
          skip(shard.problem.reason, shard.problem.message, line, entry.action_id);
          continue;
        }
        const image = shard.image;
        // The record as merge rebuilds it from the manifest entry.
        const parsed = parseRecord({
          action_id: entry.action_id,
          action_type: entry.action_type,
          start_time: entry.timestamp,
          active_states_before: entry.active_states,
          success: ann?.context?.success ?? null,
          attempt_id: entry.attempt_id ?? null,
        });
        if (!parsed.ok) {
          skip(parsed.reason, parsed.message, line);
          continue;
        }
        const record = parsed.record;
        const sortKey = recordSortKey(origin, ordinal);
        // An image's file holds the boxes of all its records: handed over with its first entry here.
        const boxes: LabeledAnnotation[] = [];
        let boxSortKey = firstEntry.get(image.id);
        if (boxSortKey === undefined) {
          firstEntry.set(image.id, (boxSortKey = sortKey));
          for (const a of Array.isArray(ann?.annotations) ? ann.annotations : []) {
            const checked = checkStoredBox(a, categories, image.width, image.height);
            if (!checked.ok) {
              problems.add({ reason: checked.reason, severity: "repaired", line, actionId: entry.action_id, message: `${ds.dir}: annotations/${entry.id}.json: ${checked.message}; box left out` });
              continue;
            }
            boxes.push(checked.annotation);
          }
        }
        const context = recordContext(record);
        const f = flags.flags[ordinal] ?? 0;
        const row: StoreRecord = {
          keyHash: keyHash(recordKey(record, image.id)),
          sortKey,
          image,
          actionId: record.action_id,
          attemptId: record.attempt_id ? record.attempt_id : null,
          actionType: context.action_type,
          timestamp: context.timestamp,
          activeStates: context.active_states,
          success: context.success,
          hasMatch: (f & FLAG_MATCH) !== 0,
          hasClick: (f & FLAG_CLICK) !== 0,
          source: typeof entry.source === "string" ? entry.source : "runner_execution",
          runnerId,
          boxes: boxes.map(storeBox),
          boxSortKey,
          boxIndex: 0,
        };
        const bad = unstorableText(row);
        if (bad) {
          skip("text_unstorable", `its ${bad} holds a NUL character, which PostgreSQL text cannot store`, line, entry.action_id);
          continue;
        }
        rows.add(row);
        if (rows.size >= batchSize) await rows.commit();
        options.onProgress?.(++done);
      }
    };

    let chunk: ShardEntry[] = [];
    for await (const shardEntry of manifestEntries(ds.paths, maxLineBytes, skip)) {
      chunk.push(shardEntry);
      if (chunk.length >= CHUNK) {
        await ingestChunk(chunk);
        chunk = [];
      }
    }
    await ingestChunk(chunk);
    await rows.commit();
  } finally {
    await unmarkWriter(client, store.dataset.id).catch(() => {});
    await rows.close();
  }
  return {
    ...summary,
    appended: rows.totals.inserted,
    duplicates: rows.totals.already,
    imagesAdded: rows.totals.imagesAdded,
    annotationsAdded: rows.totals.annotationsAdded,
    problems: { total: problems.total(), byReason: problems.byReason, examples: problems.examples },
  };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
