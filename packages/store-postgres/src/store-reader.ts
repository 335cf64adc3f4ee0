import { type Category, type DatasetImage, DatasetError, type LabeledAnnotation } from "@qontinui/export-core";
import {
  type AnnotationFile,
  type CategoryLookup,
  categoryLookup,
  type DatasetReader,
  type ImageProblem,
  type ManifestEntry,
  type ManifestLine,
  type ManifestProblem,
  type Metadata,
  checkStoredBox,
} from "@qontinui/intermediate-format";
import type pg from "pg";
import { DatasetStore, type StoreOptions } from "./dataset-store.js";
import { annotationFileOf, type ImageRows, loadImageRows } from "./image-rows.js";
import { type Queryable, StatementQueue } from "./statement-queue.js";
import { WRITER_NAMESPACE } from "./locks.js";
import { datasetTotals } from "./store-totals.js";

/** Manifest lines fetched per query. */
const PAGE = 1000;
/** Images loaded per query by `images()`. */
const IMAGE_PAGE = 128;

export interface StoreReaderOptions {
  /**
   * Read one consistent snapshot (a read-only REPEATABLE READ transaction from open to close,
   * default true): totals, manifest and boxes agree even while writers commit. Without it every
   * call sees the latest commits.
   */
  snapshot?: boolean;
}

/**
 * A store dataset read as if it were an intermediate dataset directory (`DatasetReader`):
 * converters (`toCoco`, `toYolo`, `toVoc`), `datasetSummary`, stats and previews take it where
 * they take a directory. The manifest is the records in the store's record order (see
 * `recordSortKey`), annotation files are built from the rows, and `image(id).path` is the
 * blob's local file (`BlobStore.localFile`).
 */
export class StoreDatasetReader implements DatasetReader {
  readonly location: string;
  private lookup: CategoryLookup;
  private closed = false;
  // The snapshot's connection, each statement queued: images and pages are asked for at once (see StatementQueue).
  private readonly db: Queryable;

  private constructor(
    readonly store: DatasetStore,
    private readonly client: pg.PoolClient,
    readonly metadata: Metadata,
    private readonly categoryList: Category[],
    private readonly ownsStore: boolean,
  ) {
    this.location = store.location;
    this.lookup = categoryLookup(metadata.category_map);
    this.db = new StatementQueue().queryable(client);
  }

  static async open(store: DatasetStore, options: StoreReaderOptions & { ownsStore?: boolean } = {}): Promise<StoreDatasetReader> {
    const client = await store.pool.connect();
    try {
      if (options.snapshot ?? true) await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const categories = await store.categories.list(client);
      const metadata = await storeMetadata(store, client, categories);
      return new StoreDatasetReader(store, client, metadata, categories, options.ownsStore ?? false);
    } catch (e) {
      client.release();
      throw e;
    }
  }

  categories(): Category[] {
    return this.categoryList.map((c) => ({ ...c }));
  }

  /** The records in record order, as manifest entries (line = 1-based position). */
  async *manifest(_onProblem?: (p: ManifestProblem) => void): AsyncGenerator<ManifestLine> {
    let after = "";
    let line = 0;
    for (;;) {
      const { rows } = await this.db.query<{
        sort_key: string;
        image_id: string;
        extension: string;
        action_id: string;
        attempt_id: string | null;
        action_type: string | null;
        timestamp: number | null;
        active_states: string[];
        source: string;
        reviewed: boolean;
        is_new: boolean;
      }>(
        `SELECT r.sort_key, r.image_id, i.extension, r.action_id, r.attempt_id, r.action_type, r."timestamp", r.active_states, r.source, r.reviewed,
                NOT EXISTS (SELECT 1 FROM records p WHERE p.dataset_id = r.dataset_id AND p.image_id = r.image_id AND p.sort_key < r.sort_key) AS is_new
         FROM records r JOIN images i ON i.dataset_id = r.dataset_id AND i.image_id = r.image_id
         WHERE r.dataset_id = $1 AND r.sort_key > $2
         ORDER BY r.sort_key LIMIT ${PAGE}`,
        [this.store.dataset.id, after],
      );
      for (const r of rows) {
        const entry: ManifestEntry = {
          id: r.image_id,
          image: `images/${r.image_id}${r.extension}`,
          annotations: `annotations/${r.image_id}.json`,
          action_id: r.action_id,
          action_type: r.action_type,
          timestamp: r.timestamp,
          active_states: r.active_states,
          source: r.source,
          is_new: r.is_new,
          reviewed: r.reviewed,
          ...(r.attempt_id !== null ? { attempt_id: r.attempt_id } : {}),
        };
        yield { entry, line: ++line };
      }
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.sort_key;
    }
  }

  /** Distinct image ids in record order (first appearance). */
  async imageIds(_onProblem?: (p: ManifestProblem) => void): Promise<string[]> {
    const { rows } = await this.db.query<{ image_id: string }>(
      "SELECT image_id FROM records WHERE dataset_id = $1 GROUP BY image_id ORDER BY min(sort_key)",
      [this.store.dataset.id],
    );
    return rows.map((r) => r.image_id);
  }

  async readAnnotationFile(id: string): Promise<AnnotationFile | undefined> {
    const rows = (await loadImageRows(this.db, this.store.dataset.id, [id])).get(id);
    return rows ? annotationFileOf(rows, this.metadata.dataset_version) : undefined;
  }

  async image(id: string, onProblem?: (p: ImageProblem) => void): Promise<DatasetImage> {
    const rows = (await loadImageRows(this.db, this.store.dataset.id, [id])).get(id);
    if (!rows) throw new DatasetError(`${this.location}: no image ${id}`);
    return this.datasetImage(rows, onProblem);
  }

  /** Every image with its boxes in record order, loaded a page at a time (the next page while this one is consumed). */
  async *images(onProblem?: (p: ManifestProblem) => void, onImageProblem?: (p: ImageProblem) => void): AsyncGenerator<DatasetImage> {
    const ids = await this.imageIds(onProblem);
    const load = (from: number) => {
      const p = loadImageRows(this.db, this.store.dataset.id, ids.slice(from, from + IMAGE_PAGE));
      p.catch(() => {});
      return p;
    };
    let next = load(0);
    for (let from = 0; from < ids.length; from += IMAGE_PAGE) {
      const page = await next;
      if (from + IMAGE_PAGE < ids.length) next = load(from + IMAGE_PAGE);
      for (const id of ids.slice(from, from + IMAGE_PAGE)) {
        const rows = page.get(id);
        if (!rows) throw new DatasetError(`${this.location}: image ${id} has records but no image row`);
        yield await this.datasetImage(rows, onImageProblem);
      }
    }
  }

  private async datasetImage(rows: ImageRows, onProblem?: (p: ImageProblem) => void): Promise<DatasetImage> {
    const file = annotationFileOf(rows, this.metadata.dataset_version);
    const { image } = rows;
    const annotations: LabeledAnnotation[] = [];
    // A row someone else wrote is input too: the same checks as a dataset directory's boxes.
    for (const a of file.annotations) {
      const checked = checkStoredBox(a, this.lookup, image.width, image.height);
      if (checked.ok) annotations.push(checked.annotation);
      else onProblem?.({ imageId: image.id, reason: checked.reason, message: `image ${image.id}: ${checked.message}; box left out` });
    }
    return {
      id: image.id,
      fileName: image.id + image.extension,
      path: await this.store.blobs.localFile(image.sha256),
      width: image.width,
      height: image.height,
      channels: image.channels,
      annotations,
      activeStates: file.context.active_states,
      context: file.context,
    };
  }

  /** True while a writer (pipeline export or ingest) has the dataset open. */
  async writerActive(): Promise<boolean> {
    // pg_locks shows every session's locks, outside any snapshot.
    const { rows } = await this.store.pool.query<{ active: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted) AS active",
      [WRITER_NAMESPACE, this.store.dataset.id],
    );
    return rows[0]?.active === true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.query("COMMIT").catch(() => {});
    } finally {
      this.client.release();
      if (this.ownsStore) await this.store.close();
    }
  }
}

/** metadata.json of a store dataset: its totals, category map and statistics. */
export async function storeMetadata(store: DatasetStore, client: pg.ClientBase | pg.Pool, categories?: Category[]): Promise<Metadata> {
  const list = categories ?? (await store.categories.list(client));
  const totals = await datasetTotals(store, client);
  // When the last batch was committed: the on-disk metadata's `created` is the last export's time.
  const { rows } = await client.query<{ last: Date | null }>("SELECT max(added_at) AS last FROM dataset_counts WHERE dataset_id = $1", [store.dataset.id]);
  return {
    dataset_version: store.dataset.version,
    created: (rows[0]?.last ?? store.dataset.createdAt).toISOString(),
    total_images: totals.totalImages,
    total_annotations: totals.totalAnnotations,
    category_map: Object.fromEntries(list.map((c) => [c.name, c.id])),
    categories: list,
    statistics: {
      total_records_processed: totals.totalRecords,
      records_with_screenshots: totals.totalRecords,
      records_with_matches: totals.recordsWithMatches,
      records_with_clicks: totals.recordsWithClicks,
      skipped_records: 0,
      export_time_seconds: 0,
    },
    format: "intermediate",
    description: store.dataset.description,
  };
}

/**
 * Opens a store dataset for reading: from a DatasetStore (left open: the caller's), or from a
 * URL / options (the reader then owns the store and closes it with itself).
 */
export async function openStoreDataset(from: DatasetStore | string | StoreOptions, options: StoreReaderOptions = {}): Promise<StoreDatasetReader> {
  if (from instanceof DatasetStore) return StoreDatasetReader.open(from, options);
  const store = await DatasetStore.open(typeof from === "string" ? { url: from, create: false } : { create: false, ...from });
  try {
    return await StoreDatasetReader.open(store, { ...options, ownsStore: true });
  } catch (e) {
    await store.close();
    throw e;
  }
}
