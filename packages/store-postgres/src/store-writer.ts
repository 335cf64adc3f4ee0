import {
  type CompleteWriter,
  DatasetError,
  type Logger,
  type ResolvedImage,
  silentLogger,
  type WriteResult,
  type WriterContext,
  type WriterSummary,
} from "@qontinui/export-core";
import type pg from "pg";
import type { DatasetStore } from "./dataset-store.js";
import { WRITER_NAMESPACE } from "./locks.js";
import { recordSortKey } from "./record-order.js";
import { RowBatch, type StoreImage } from "./row-batch.js";
import { defaultRunnerId, storeImage, storeRecord, unstorableText } from "./store-record.js";
import { datasetTotals, type StoreTotals } from "./store-totals.js";

export interface StoreWriterOptions {
  /** Records per transaction (default 256). A crash loses at most the records of the batch not yet committed; exporting the run again adds them. */
  batchSize?: number;
  /** Written into each record's `runner_id` (default `<hostname>:<pid>`). */
  runnerId?: string;
  /** The manifest entry's `source` (default "runner_execution", as the on-disk writer writes). */
  source?: string;
  /**
   * Where this session's records take their place in the store's record order (see
   * `recordSortKey`): default `<start time ISO>|<runnerId>`, so sessions are in the order they
   * started, each session's records in the order it wrote them.
   */
  origin?: string;
  /** Count the dataset's totals at close for the summary (default true; one COUNT over the dataset). */
  totals?: boolean;
  logger?: Logger;
}

export interface StoreWriterSummary extends WriterSummary, Partial<StoreTotals> {
  writer: "store";
  location: string;
  dataset: string;
  recordsAppended: number;
  recordsAlreadyExported: number;
  /** Records not stored because a text field held a NUL character (PostgreSQL text cannot). */
  recordsRefused: number;
  imagesAdded: number;
  annotationsAdded: number;
}

/** What the writer knows of an image of this session: whether the dataset had it, and the records of it the dataset has. */
interface ImageState {
  image: StoreImage;
  keys: Set<string>;
  /** The image's box list in this session: the sort key of its first record written, and the boxes handed over so far. */
  boxSortKey?: string;
  boxCount: number;
}

/** Takes the dataset's writer lock (shared) on the batch connection: readers see a writer is active. */
export async function markWriter(client: pg.ClientBase, datasetId: number): Promise<void> {
  await client.query("SELECT pg_advisory_lock_shared($1, $2)", [WRITER_NAMESPACE, datasetId]);
}

export async function unmarkWriter(client: pg.ClientBase, datasetId: number): Promise<void> {
  await client.query("SELECT pg_advisory_unlock_shared($1, $2)", [WRITER_NAMESPACE, datasetId]);
}

/**
 * The pipeline writer of a store dataset: `runPipeline({ …, writers: [storeWriter(store)] })`.
 * Any number of them, in any number of processes and machines, write one dataset at once.
 *
 * - `prepare(image)` (concurrent, with the bytes) asks the dataset whether it has the image and
 *   which of its records, and stores the image's blob when it is new: blob first, always.
 * - `write(item)` (in record order) answers `already_exported` for a record the dataset has, and
 *   otherwise queues it; every `batchSize` records are committed in one transaction.
 * - `close()` commits the rest; `abort()` commits the whole records it was handed and lets go.
 *
 * Idempotent like the on-disk writer: a record already in the dataset (same action, image and
 * attempt, from this run or any other writer) adds nothing, not even boxes.
 */
export function storeWriter(store: DatasetStore, options: StoreWriterOptions = {}): CompleteWriter {
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const source = options.source ?? "runner_execution";
  const runnerId = options.runnerId ?? defaultRunnerId();
  let origin = options.origin;
  let position = 0;
  let registry: WriterContext["registry"] | undefined;
  // The session's categories, in the order of the pipeline registry's ids (what its on-disk export's category_map holds).
  const rows = new RowBatch(store, { origin: () => ({ origin: origin!, categories: registry ? registry.list().map((c) => c.name) : [], runnerId }) });
  const images = new Map<string, ImageState | Promise<ImageState>>();
  let logger: Logger = options.logger ?? silentLogger;
  let refused = 0;
  let already = 0;
  let marked = false;
  let finished = false;

  /** What the dataset has of an image (one query), and its blob stored when it is new. */
  async function learn(image: ResolvedImage, bytes: Buffer | undefined): Promise<ImageState> {
    const { rows: found } = await store.pool.query<{ known: boolean; keys: Buffer[] }>(
      "SELECT EXISTS (SELECT 1 FROM images WHERE dataset_id = $1 AND image_id = $2) AS known, ARRAY (SELECT key_hash FROM records WHERE dataset_id = $1 AND image_id = $2) AS keys",
      [store.dataset.id, image.id],
    );
    const known = found[0]?.known === true;
    const state: ImageState = { image: storeImage(image), keys: new Set((found[0]?.keys ?? []).map((k) => k.toString("hex"))), boxCount: 0 };
    if (!known) {
      if (!bytes || bytes.length !== image.byteLength) {
        throw new DatasetError(`store writer: image ${image.id} came without its ${image.byteLength} bytes; store images in prepare (the pipeline calls it for every new image)`);
      }
      await rows.putBlob(state.image, bytes);
    }
    return state;
  }

  function stateOf(image: ResolvedImage, bytes: Buffer | undefined): Promise<ImageState> | ImageState {
    let s = images.get(image.id);
    if (!s) {
      const p = learn(image, bytes).then(
        (state) => {
          images.set(image.id, state);
          return state;
        },
        (e: unknown) => {
          images.delete(image.id);
          throw e;
        },
      );
      images.set(image.id, p);
      s = p;
    }
    return s;
  }

  async function finish(): Promise<void> {
    if (finished) return;
    finished = true;
    try {
      await rows.commit();
    } finally {
      if (marked) await unmarkWriter(rows.connection, store.dataset.id).catch(() => {});
      await rows.close();
    }
  }

  return {
    name: "store",
    async open(ctx) {
      logger = options.logger ?? ctx.logger;
      origin ??= `${new Date().toISOString()}|${runnerId}`;
      registry = ctx.registry;
      const client = await rows.open();
      await markWriter(client, store.dataset.id);
      marked = true;
    },
    async prepare(image) {
      // The bytes are lent until this settles: the blob is stored before it does.
      await stateOf(image, image.bytes);
    },
    async write(item): Promise<WriteResult | void> {
      const state = await stateOf(item.image, undefined);
      const record = storeRecord(item, state.image, recordSortKey(origin!, position++), source, runnerId);
      const hex = record.keyHash.toString("hex");
      if (state.keys.has(hex)) {
        already++;
        return { skipped: "already_exported" };
      }
      const bad = unstorableText(record);
      if (bad) {
        refused++;
        logger.warn(`[store] record ${JSON.stringify(item.record.action_id.replace(/\u0000/g, "\\0"))}: its ${bad} holds a NUL character, which PostgreSQL text cannot store; record left out`);
        return;
      }
      state.keys.add(hex);
      // The session's boxes of an image form one list, placed at its first record (as an on-disk
      // export keeps one file per image, which merge hands over with the image's first entry).
      state.boxSortKey ??= record.sortKey;
      record.boxSortKey = state.boxSortKey;
      record.boxIndex = state.boxCount;
      state.boxCount += record.boxes.length;
      rows.add(record);
      if (rows.size >= batchSize) await rows.commit();
    },
    async close(): Promise<StoreWriterSummary> {
      await finish();
      const totals = options.totals === false ? {} : await datasetTotals(store);
      return {
        writer: "store",
        location: store.location,
        dataset: store.dataset.name,
        recordsAppended: rows.totals.inserted,
        // Known when written (answered already_exported), and found at commit (another writer stored them first).
        recordsAlreadyExported: already + rows.totals.already,
        recordsRefused: refused,
        imagesAdded: rows.totals.imagesAdded,
        annotationsAdded: rows.totals.annotationsAdded,
        ...totals,
      };
    },
    async abort() {
      // The whole records handed over so far are kept (one more transaction); then the connection goes.
      await finish().catch(async () => {
        await rows.close().catch(() => {});
      });
    },
  };
}
