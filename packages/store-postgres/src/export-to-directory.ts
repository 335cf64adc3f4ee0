import {
  CategoryRegistry,
  type CompleteWriter,
  DatasetError,
  type ExecutionRecord,
  type ExportItem,
  type LabeledAnnotation,
  type Logger,
  mapAhead,
  parseRecord,
  recordKey,
  type ResolvedImage,
  resolveImage,
  ScreenshotError,
  silentLogger,
  type Source,
} from "@qontinui/export-core";
import { categoryLookup, checkStoredBox } from "@qontinui/intermediate-format";
import * as writerIntermediate from "@qontinui/writer-intermediate";
import type { IntermediateWriterOptions, IntermediateWriterSummary } from "@qontinui/writer-intermediate";
import type pg from "pg";
import type { DatasetStore } from "./dataset-store.js";
import { type BoxRow, type ImageRows, loadImageRows } from "./image-rows.js";
import type { StoreImage } from "./row-batch.js";

export interface ExportToDirectoryOptions {
  /** Write into a non-empty directory that is not a dataset (nothing there is deleted). */
  force?: boolean;
  logger?: Logger;
  /** Told the number of records written so far. */
  onProgress?: (recordsDone: number) => void;
}

export interface ExportToDirectorySummary {
  dataset: IntermediateWriterSummary;
  /** Boxes left out because they failed the checks a dataset's boxes get (`checkStoredBox`), by reason. */
  boxesLeftOut: Record<string, number>;
  /**
   * False when boxes that a later shard brought for a record an earlier shard already had were
   * handed over with the image's nearest earlier record instead of at their own place (the
   * intermediate writer of this installation cannot merge boxes into a record it has): the
   * dataset holds the same boxes, in an order that may differ from merge's.
   */
  exactBoxOrder: boolean;
}

/** Records per page of the export's read. */
const PAGE = 500;

interface RecordRow {
  sort_key: string;
  image_id: string;
  action_id: string;
  attempt_id: string | null;
  action_type: string | null;
  timestamp: number | null;
  active_states: string[];
  success: boolean | null;
  has_match: boolean;
  has_click: boolean;
}

/** What merge asks of the intermediate writer beyond the public factory (writer-intermediate's `createIntermediateWriter`), when that installation offers it. */
type WriterWithInternals = (options: IntermediateWriterOptions, internals: { mergeKnownRecords?: boolean }) => CompleteWriter;
const createIntermediateWriter = (writerIntermediate as unknown as { createIntermediateWriter?: WriterWithInternals }).createIntermediateWriter;

/**
 * Writes a store dataset as an intermediate dataset directory: what `mergeDatasets` gives for
 * the shards that were ingested into it, listed in the order of their origins (see
 * `recordSortKey`; by default their absolute paths), byte for byte except metadata.json's
 * `created` and `statistics.export_time_seconds` (and the writer's own `.qontinui/` bookkeeping).
 *
 * It drives the intermediate writer as merge does: the records in the store's record order, each
 * rebuilt as merge rebuilds a manifest entry (match/click flags as the shard's index had them);
 * each image's boxes handed over where their shard's first entry of the image is in that order
 * (a record of their own, or a record the dataset already has, whose boxes the writer merges);
 * every box checked as merge checks a shard's boxes. Image bytes come from the blob store and
 * are checked against their content id. Reads one snapshot of the store.
 */
export async function exportToDirectory(store: DatasetStore, outDir: string, options: ExportToDirectoryOptions = {}): Promise<ExportToDirectorySummary> {
  const logger = options.logger ?? silentLogger;
  const client = await store.pool.connect();
  const registry = new CategoryRegistry();
  const writerOptions = { outDir, force: options.force ?? false, logger };
  const exact = createIntermediateWriter !== undefined;
  const writer = createIntermediateWriter ? createIntermediateWriter(writerOptions, { mergeKnownRecords: true }) : writerIntermediate.intermediateWriter(writerOptions);
  const boxesLeftOut: Record<string, number> = {};
  let done = 0;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const lookup = categoryLookup(Object.fromEntries((await store.categories.list(client)).map((c) => [c.name, c.id])));
    const source = blobSource(store);
    /** A box list as the writer takes it: checked, with the output registry's ids (given in order, as merge gives them). */
    const labeled = (boxes: readonly BoxRow[], image: ResolvedImage): LabeledAnnotation[] => {
      const out: LabeledAnnotation[] = [];
      for (const b of boxes) {
        const checked = checkStoredBox(b.stored, lookup, image.width, image.height);
        if (!checked.ok) {
          boxesLeftOut[checked.reason] = (boxesLeftOut[checked.reason] ?? 0) + 1;
          continue;
        }
        out.push({ ...checked.annotation, categoryId: registry.idFor(checked.annotation.categoryName) });
      }
      return out;
    };
    // Boxes a shard brought with an entry whose record an earlier shard already had: handed over at
    // that entry's place, with the image's first record (which the writer has by then).
    const phantoms = await phantomPlaces(client, store.dataset.id);
    // Each origin's categories (a shard's category_map, a session's registry) get ids, in the order
    // of its own ids, when the export reaches it: as merge does at the start of each input.
    const { rows: origins } = await client.query<{ origin_key: string; categories: string[] }>(
      "SELECT origin_key, categories FROM origins WHERE dataset_id = $1 ORDER BY origin_key",
      [store.dataset.id],
    );
    let nextOrigin = 0;
    const reachOrigins = (key: string | undefined) => {
      while (nextOrigin < origins.length && (key === undefined || origins[nextOrigin]!.origin_key <= key)) {
        for (const name of origins[nextOrigin++]!.categories) registry.idFor(name);
      }
    };
    let nextPhantom = 0;
    const handPhantomsBefore = async (key: string | undefined) => {
      while (exact && nextPhantom < phantoms.length && (key === undefined || phantoms[nextPhantom]!.key < key)) {
        const { imageId, key: at } = phantoms[nextPhantom++]!;
        reachOrigins(at);
        const rows = (await loadImageRows(client, store.dataset.id, [imageId])).get(imageId)!;
        const image = await resolveStoreImage(source, rows.image);
        const first = await firstRecord(client, store.dataset.id, imageId);
        const record = rebuild(first, store.location);
        const annotations = labeled(
          rows.boxes.filter((b) => b.firstSortKey === at),
          image,
        );
        await writer.write({ record, image, annotations, key: recordKey(record, image.id) });
      }
    };

    await writer.open({ registry, datasetVersion: store.dataset.version, logger });
    try {
      let after = "";
      for (;;) {
        const records = await recordPage(client, store.dataset.id, after);
        if (records.length === 0) break;
        after = records.at(-1)!.sort_key;
        const rows = await loadImageRows(client, store.dataset.id, [...new Set(records.map((r) => r.image_id))]);
        const boxes = await boxesByRecord(client, store.dataset.id, records, rows, exact);
        // Image bytes read ahead of the in-order writes (16 at a time).
        const resolved = mapAhead(records, async (r) => {
          const image = rows.get(r.image_id)?.image;
          if (!image) throw new DatasetError(`${store.location}: record ${r.action_id} names image ${r.image_id}, which has no row`);
          return resolveStoreImage(source, image);
        });
        let i = 0;
        for await (const image of resolved) {
          const r = records[i++]!;
          await handPhantomsBefore(r.sort_key);
          reachOrigins(r.sort_key);
          const record = rebuild(r, store.location);
          await writer.prepare?.(image);
          const item: ExportItem = { record, image, annotations: labeled(boxes.get(r.sort_key) ?? [], image), key: recordKey(record, image.id) };
          await writer.write(item);
          options.onProgress?.(++done);
        }
      }
      await handPhantomsBefore(undefined);
      reachOrigins(undefined);
    } catch (e) {
      await writer.abort?.(e);
      throw e;
    }
    const dataset = (await writer.close()) as IntermediateWriterSummary;
    return { dataset, boxesLeftOut, exactBoxOrder: exact || phantoms.length === 0 };
  } finally {
    await client.query("COMMIT").catch(() => {});
    client.release();
  }
}

/**
 * A record as merge rebuilds it from a manifest entry. Its match and click are flags only (the
 * writer counts records_with_matches / records_with_clicks from them; nothing else of them is
 * written).
 */
function rebuild(r: RecordRow, location: string): ExecutionRecord {
  const parsed = parseRecord({
    action_id: r.action_id,
    action_type: r.action_type,
    start_time: r.timestamp,
    active_states_before: r.active_states,
    success: r.success,
    attempt_id: r.attempt_id,
    ...(r.has_match ? { match_summary: {} } : {}),
    ...(r.has_click ? { clicked_location: { x: 0, y: 0 } } : {}),
  });
  if (!parsed.ok) throw new DatasetError(`${location}: record ${r.action_id}: ${parsed.message}`);
  return parsed.record;
}

const RECORD_COLUMNS = `sort_key, image_id, action_id, attempt_id, action_type, "timestamp", active_states, success, has_match, has_click`;

async function recordPage(client: pg.ClientBase, datasetId: number, after: string): Promise<RecordRow[]> {
  const { rows } = await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM records WHERE dataset_id = $1 AND sort_key > $2 ORDER BY sort_key LIMIT ${PAGE}`, [datasetId, after]);
  return rows;
}

async function firstRecord(client: pg.ClientBase, datasetId: number, imageId: string): Promise<RecordRow> {
  const { rows } = await client.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM records WHERE dataset_id = $1 AND image_id = $2 ORDER BY sort_key LIMIT 1`, [datasetId, imageId]);
  return rows[0]!;
}

/** Places where boxes were handed over that are not a record's own (in record order). */
async function phantomPlaces(client: pg.ClientBase, datasetId: number): Promise<{ imageId: string; key: string }[]> {
  const { rows } = await client.query<{ image_id: string; first_sort_key: string }>(
    `SELECT DISTINCT a.image_id, a.first_sort_key FROM annotations a
     WHERE a.dataset_id = $1 AND NOT EXISTS (SELECT 1 FROM records r WHERE r.dataset_id = a.dataset_id AND r.image_id = a.image_id AND r.sort_key = a.first_sort_key)
     ORDER BY a.first_sort_key`,
    [datasetId],
  );
  return rows.map((r) => ({ imageId: r.image_id, key: r.first_sort_key }));
}

/**
 * The boxes of a page's images, each under the record it was handed over with: the image's
 * record whose sort key is its `first_sort_key`. Without `exact` (a writer that cannot merge
 * boxes into a record it has), a box handed over at a place that is no record's goes with the
 * image's last record before that place.
 */
async function boxesByRecord(client: pg.ClientBase, datasetId: number, records: RecordRow[], rows: Map<string, ImageRows>, exact: boolean): Promise<Map<string, BoxRow[]>> {
  const keys = new Set(records.map((r) => r.sort_key));
  const out = new Map<string, BoxRow[]>();
  const add = (key: string, box: BoxRow) => {
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(box);
  };
  if (exact) {
    for (const image of rows.values()) for (const box of image.boxes) if (keys.has(box.firstSortKey)) add(box.firstSortKey, box);
    return out;
  }
  // Every record of these images (not only this page's), to place each box with its record.
  const { rows: all } = await client.query<{ image_id: string; sort_key: string }>(
    "SELECT image_id, sort_key FROM records WHERE dataset_id = $1 AND image_id = ANY($2::text[]) ORDER BY image_id, sort_key",
    [datasetId, [...rows.keys()]],
  );
  const byImage = new Map<string, string[]>();
  for (const r of all) {
    let list = byImage.get(r.image_id);
    if (!list) byImage.set(r.image_id, (list = []));
    list.push(r.sort_key);
  }
  for (const [id, image] of rows) {
    const own = byImage.get(id) ?? [];
    for (const box of image.boxes) {
      let at = own[0];
      for (const k of own) {
        if (k <= box.firstSortKey) at = k;
        else break;
      }
      if (at !== undefined && keys.has(at)) add(at, box);
    }
  }
  return out;
}

/** The blob store as a Source whose screenshot references are blob keys (sha256). */
function blobSource(store: DatasetStore): Source {
  return {
    name: "store-blobs",
    // eslint-disable-next-line require-yield
    async *read() {},
    async readScreenshot(key) {
      try {
        return { path: await store.blobs.localFile(key), bytes: await store.blobs.get(key) };
      } catch (e) {
        throw new ScreenshotError("screenshot_missing", `blob ${key} of ${store.blobs.location}: ${(e as Error).message}`);
      }
    },
  };
}

/** An image's bytes from the blob store, resolved (hashed, measured) and checked against its row. */
async function resolveStoreImage(source: Source, row: StoreImage): Promise<ResolvedImage> {
  const image = await resolveImage(source, row.sha256);
  if (image.sha256 !== row.sha256) throw new DatasetError(`blob ${row.sha256} holds bytes whose SHA-256 is ${image.sha256}: run validateStore`);
  return image;
}
