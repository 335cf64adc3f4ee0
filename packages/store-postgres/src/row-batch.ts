import { boxIdentity, DatasetError, type ImageFormat } from "@qontinui/export-core";
import type pg from "pg";
import { BlobGuard } from "./blob-guard.js";
import { StatementQueue } from "./statement-queue.js";
import type { DatasetStore } from "./dataset-store.js";
import { originKey } from "./record-order.js";

/** An image as the store keeps it (its bytes are the blob `sha256`). */
export interface StoreImage {
  id: string;
  sha256: string;
  byteLength: number;
  format: ImageFormat;
  extension: string;
  width: number;
  height: number;
  channels: number;
}

/** A box as a writer hands it over: the category by name (the store gives ids). */
export interface StoreBox {
  bbox: [number, number, number, number];
  categoryName: string;
  confidence: number;
  source: string;
  verified: boolean;
  clipped: boolean;
  inferenceMetadata: Record<string, unknown> | undefined;
}

/** A record with its image and the boxes it brings. */
export interface StoreRecord {
  keyHash: Buffer;
  sortKey: string;
  image: StoreImage;
  actionId: string;
  attemptId: string | null;
  actionType: string | null;
  timestamp: number | null;
  activeStates: string[];
  success: boolean | null;
  hasMatch: boolean;
  hasClick: boolean;
  source: string;
  runnerId: string | null;
  boxes: StoreBox[];
  /**
   * Where the boxes take their place in the image's box list: the sort key of the first record of
   * the image in the shard or writer session that brought them (an on-disk dataset keeps one box
   * list per image, and merge hands all of it over with the image's first entry), and the place of
   * `boxes[0]` in that session's list.
   */
  boxSortKey: string;
  boxIndex: number;
}

export interface BatchResult {
  /** Records new to the dataset. */
  inserted: number;
  /** Records the dataset already had (from this or another writer). */
  already: number;
  imagesAdded: number;
  annotationsAdded: number;
}

/** The origin of a writer's records, and its categories in the order of its own ids so far. */
export interface OriginRow {
  origin: string;
  categories: string[];
  runnerId: string | null;
}

export interface RowBatchOptions {
  /**
   * Whether the boxes of a record the dataset already has are still added to its image (what
   * merge does with a record two shards share: the union of their boxes). Default false: as the
   * on-disk writer, a record already exported adds nothing.
   */
  boxesOfKnownRecords?: boolean;
  /** Attempts of a batch that meets a deadlock or serialization failure (default 5). */
  retries?: number;
  /** The writer's origin row, written (again) with each batch: what a pipeline session's registry holds by then. */
  origin?: () => OriginRow;
}

const RETRYABLE = new Set(["40P01", "40001"]);

/**
 * The store's write path, shared by the pipeline writer and `ingestDataset`: blobs are put
 * under the blob lock (`putBlob`), records wait in a batch, and `commit()` writes the batch in
 * one transaction (images, records, annotations, each `ON CONFLICT`, rows sorted so concurrent
 * writers take row locks in one order). Nothing in the transaction names a blob that is not
 * stored: every image of the batch was put (or was already in the dataset) before it began.
 */
export class RowBatch {
  private records: StoreRecord[] = [];
  // Blobs put and not yet named by a committed row, with the hold of the blob lock they were put under.
  private readonly putEpoch = new Map<string, number>();
  private client: pg.PoolClient | undefined;
  private guard: BlobGuard | undefined;
  // The batch connection's statements, one at a time: blob puts (concurrent, from prepare) take the
  // blob lock on it while a commit's transaction may be running there (see StatementQueue).
  private readonly statements = new StatementQueue();
  readonly totals: BatchResult = { inserted: 0, already: 0, imagesAdded: 0, annotationsAdded: 0 };

  constructor(
    private readonly store: DatasetStore,
    private readonly options: RowBatchOptions = {},
  ) {}

  /** Takes the batch connection (held until `close`). */
  async open(): Promise<pg.PoolClient> {
    if (!this.client) {
      const client = await this.store.pool.connect();
      this.client = client;
      this.guard = new BlobGuard((sql, params) => this.statements.run(() => client.query(sql, params)));
    }
    return this.client;
  }

  get connection(): pg.PoolClient {
    if (!this.client) throw new Error("RowBatch: open() first");
    return this.client;
  }

  /** Stores an image's bytes (blob first: before any row names it). */
  async putBlob(image: StoreImage, bytes: Uint8Array): Promise<void> {
    await this.open();
    const { epoch } = await this.guard!.put(() => this.store.blobs.put(bytes, image.sha256));
    this.putEpoch.set(image.sha256, epoch);
  }

  /** Queues a record. Its image's blob must be stored already: put in this session, or named by a committed row. */
  add(record: StoreRecord): void {
    this.records.push(record);
  }

  get size(): number {
    return this.records.length;
  }

  /** Writes the waiting records in one transaction. */
  async commit(): Promise<BatchResult> {
    const records = this.records;
    this.records = [];
    const result: BatchResult = { inserted: 0, already: 0, imagesAdded: 0, annotationsAdded: 0 };
    if (records.length === 0) return result;
    const client = await this.open();
    const guard = this.guard!;
    // Category ids first, each committed on its own (see CategoryIds): the origin's, then the boxes'.
    const origin = this.options.origin?.();
    if (origin) for (const name of origin.categories) await this.store.categories.idFor(name);
    const names = new Set<string>();
    for (const r of records) for (const b of r.boxes) names.add(b.categoryName);
    const ids = await this.store.categories.idsFor(names);

    const epoch = await guard.enter();
    // Blobs put under an earlier hold of the lock: a sweep may have run since. Its grace period
    // keeps them; this makes sure, under the lock the sweep needs to delete anything.
    const images = new Map<string, StoreImage>();
    for (const r of records) images.set(r.image.id, r.image);
    for (const image of images.values()) {
      const e = this.putEpoch.get(image.sha256);
      if (e !== undefined && e < epoch && !(await this.store.blobs.has(image.sha256))) {
        throw new DatasetError(
          `image ${image.id}'s blob was removed from ${this.store.blobs.location} between its put and its commit (a sweep with a grace period shorter than the export's delay?): export the records again`,
        );
      }
    }
    const retries = this.options.retries ?? 5;
    await this.statements.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query("BEGIN");
          const r = await this.writeRows(client, records, images, ids);
          if (origin) await upsertOrigin(client, this.store.dataset.id, origin);
          await client.query("COMMIT");
          Object.assign(result, r);
          break;
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          if (attempt < retries && RETRYABLE.has((e as { code?: string }).code ?? "")) continue;
          throw e;
        }
      }
    });
    // Named by committed rows now: the sweep keeps them.
    for (const image of images.values()) this.putEpoch.delete(image.sha256);
    await guard.release();
    this.totals.inserted += result.inserted;
    this.totals.already += result.already;
    this.totals.imagesAdded += result.imagesAdded;
    this.totals.annotationsAdded += result.annotationsAdded;
    return result;
  }

  private async writeRows(client: pg.PoolClient, records: StoreRecord[], images: Map<string, StoreImage>, ids: Map<string, number>): Promise<BatchResult> {
    const dataset = this.store.dataset.id;
    // Rows in one order in every writer (images by id, records by key, boxes by image and identity),
    // so two writers touching the same rows lock them in the same order and cannot deadlock.
    const imageRows = [...images.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const img = await client.query(
      `INSERT INTO images (dataset_id, image_id, sha256, byte_size, format, extension, width, height, channels)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::int[], $8::int[], $9::smallint[])
       ON CONFLICT DO NOTHING`,
      [
        dataset,
        imageRows.map((i) => i.id),
        imageRows.map((i) => i.sha256),
        imageRows.map((i) => i.byteLength),
        imageRows.map((i) => i.format),
        imageRows.map((i) => i.extension),
        imageRows.map((i) => i.width),
        imageRows.map((i) => i.height),
        imageRows.map((i) => i.channels),
      ],
    );

    // One row per key in the batch: the first in record order (what the dataset keeps of a record seen twice).
    const byKey = new Map<string, StoreRecord>();
    for (const r of records) {
      const k = r.keyHash.toString("hex");
      const seen = byKey.get(k);
      if (!seen || r.sortKey < seen.sortKey) byKey.set(k, r);
    }
    const rows = [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
    // A record seen again keeps its earliest version in record order (same key, earlier start time):
    // the dataset then does not depend on which writer came first.
    const rec = await client.query<{ key_hash: Buffer; inserted: boolean }>(
      `INSERT INTO records AS r (dataset_id, key_hash, image_id, sort_key, action_id, attempt_id, action_type, "timestamp", active_states,
                                  success, has_match, has_click, source, runner_id)
       SELECT $1, k, i, s, a, t, ty, ts, ARRAY(SELECT json_array_elements_text(st::json)), su, hm, hc, so, ru
       FROM unnest($2::bytea[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::bool[], $11::bool[], $12::bool[], $13::text[], $14::text[])
            AS u(k, i, s, a, t, ty, ts, st, su, hm, hc, so, ru)
       ON CONFLICT (dataset_id, key_hash) DO UPDATE SET
         sort_key = excluded.sort_key, action_type = excluded.action_type, "timestamp" = excluded."timestamp",
         active_states = excluded.active_states, success = excluded.success, source = excluded.source
       WHERE excluded.sort_key < r.sort_key
       RETURNING key_hash, (xmax = 0) AS inserted`,
      [
        dataset,
        rows.map((r) => r.keyHash),
        rows.map((r) => r.image.id),
        rows.map((r) => r.sortKey),
        rows.map((r) => r.actionId),
        rows.map((r) => r.attemptId),
        rows.map((r) => r.actionType),
        rows.map((r) => r.timestamp),
        rows.map((r) => JSON.stringify(r.activeStates)),
        rows.map((r) => r.success),
        rows.map((r) => r.hasMatch),
        rows.map((r) => r.hasClick),
        rows.map((r) => r.source),
        rows.map((r) => r.runnerId),
      ],
    );
    const inserted = new Set(rec.rows.filter((x) => x.inserted).map((x) => x.key_hash.toString("hex")));

    // Boxes: each (image, identity) once, with the earliest place (record order, place in the list) that brought it.
    type Box = { imageId: string; identity: string; box: StoreBox; categoryId: number; sortKey: string; index: number };
    const boxes = new Map<string, Box>();
    for (const r of records) {
      if (!this.options.boxesOfKnownRecords && !inserted.has(r.keyHash.toString("hex"))) continue;
      r.boxes.forEach((box, i) => {
        const categoryId = ids.get(box.categoryName)!;
        const identity = boxIdentity(box.bbox, categoryId);
        const k = `${r.image.id}\u0000${identity}`;
        const seen = boxes.get(k);
        const index = r.boxIndex + i;
        if (!seen || r.boxSortKey < seen.sortKey || (r.boxSortKey === seen.sortKey && index < seen.index)) {
          boxes.set(k, { imageId: r.image.id, identity, box, categoryId, sortKey: r.boxSortKey, index });
        }
      });
    }
    const boxRows = [...boxes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, b]) => b);
    let annotationsAdded = 0;
    if (boxRows.length > 0) {
      // A box brought earlier in record order than the stored one takes its place (fields and order);
      // its review status stays.
      const ann = await client.query<{ inserted: boolean }>(
        `INSERT INTO annotations AS a (dataset_id, image_id, identity, x, y, width, height, category_id, confidence, source, verified, clipped,
                                       inference_metadata, first_sort_key, first_index)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::int[], $9::float8[],
                                  $10::text[], $11::bool[], $12::bool[], $13::json[], $14::text[], $15::int[])
         ON CONFLICT (dataset_id, image_id, identity) DO UPDATE SET
           confidence = excluded.confidence, source = excluded.source, verified = excluded.verified, clipped = excluded.clipped,
           inference_metadata = excluded.inference_metadata, first_sort_key = excluded.first_sort_key, first_index = excluded.first_index
         WHERE (excluded.first_sort_key, excluded.first_index) < (a.first_sort_key, a.first_index)
         RETURNING (xmax = 0) AS inserted`,
        [
          dataset,
          boxRows.map((b) => b.imageId),
          boxRows.map((b) => b.identity),
          boxRows.map((b) => b.box.bbox[0]),
          boxRows.map((b) => b.box.bbox[1]),
          boxRows.map((b) => b.box.bbox[2]),
          boxRows.map((b) => b.box.bbox[3]),
          boxRows.map((b) => b.categoryId),
          boxRows.map((b) => b.box.confidence),
          boxRows.map((b) => b.box.source),
          boxRows.map((b) => b.box.verified),
          boxRows.map((b) => b.box.clipped),
          boxRows.map((b) => (b.box.inferenceMetadata === undefined ? null : JSON.stringify(b.box.inferenceMetadata))),
          boxRows.map((b) => b.sortKey),
          boxRows.map((b) => b.index),
        ],
      );
      annotationsAdded = ann.rows.filter((x) => x.inserted).length;
    }
    const imagesAdded = img.rowCount ?? 0;
    if (imagesAdded + inserted.size + annotationsAdded > 0) {
      let matches = 0;
      let clicks = 0;
      for (const r of rows) {
        if (!inserted.has(r.keyHash.toString("hex"))) continue;
        if (r.hasMatch) matches++;
        if (r.hasClick) clicks++;
      }
      await client.query("INSERT INTO dataset_counts (dataset_id, images, records, annotations, matches, clicks) VALUES ($1, $2, $3, $4, $5, $6)", [
        dataset,
        imagesAdded,
        inserted.size,
        annotationsAdded,
        matches,
        clicks,
      ]);
    }
    return { inserted: inserted.size, already: records.length - inserted.size, imagesAdded, annotationsAdded };
  }

  /**
   * Lets the batch connection go (after the last commit, or to abandon the batch). It is closed,
   * not returned to the pool: a session advisory lock it might still hold (after a failed unlock)
   * must end with it, or a sweep would wait for it forever.
   */
  async close(): Promise<void> {
    this.records = [];
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await this.guard?.release();
    } finally {
      client.release(true);
    }
  }
}

/** Records an origin and its categories (the latest list wins: a session's registry only grows). */
export async function upsertOrigin(client: pg.ClientBase | pg.Pool, datasetId: number, origin: OriginRow): Promise<void> {
  await client.query(
    `INSERT INTO origins (dataset_id, origin_key, origin, categories, runner_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (dataset_id, origin_key) DO UPDATE SET categories = excluded.categories
     WHERE cardinality(excluded.categories) > cardinality(origins.categories)`,
    [datasetId, originKey(origin.origin), origin.origin, origin.categories, origin.runnerId],
  );
}
