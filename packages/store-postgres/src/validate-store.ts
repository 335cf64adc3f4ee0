import { createHash } from "node:crypto";
import type { BlobInfo } from "@qontinui/blob-store";
import { boxIdentity, readImageInfo } from "@qontinui/export-core";
import type { DatasetStore } from "./dataset-store.js";
import { countRows, datasetTotals, type StoreTotals } from "./store-totals.js";

export interface StoreProblem {
  /** `blob_missing`, `blob_size`, `blob_hash`, `blob_image`, `image_without_records`, `box_identity`, `categories_not_dense`, `totals`. */
  kind: string;
  /** The image id, category or blob key concerned. */
  subject: string;
  message: string;
}

export interface StoreValidationReport {
  /** No problem (orphan blobs are not one: `sweepBlobs` removes them). */
  ok: boolean;
  problems: StoreProblem[];
  /** Blobs no image row of any dataset names (left by writers killed before their commit). */
  orphanBlobs: BlobInfo[];
  totals: StoreTotals & { categories: number; distinctImagesInRecords: number };
  checked: { images: number; blobsRead: number; blobsListed: number };
}

export interface ValidateStoreOptions {
  /** Read every blob of the dataset and check its SHA-256 and image header (default true); false checks presence and size only. */
  content?: boolean;
  /** Blobs read at once (default 8). */
  concurrency?: number;
  /** Problems kept per kind (default 20; all are counted). */
  maxPerKind?: number;
}

/**
 * Checks a store dataset's rows against its blobs: every image row's blob present, of the size
 * the row says, hashing to its key, an image of the format and size the row says; every image
 * named by a record; every box's identity what `boxIdentity` gives for its box and category;
 * categories dense from 0; the totals the batches recorded equal to the rows counted; and the
 * blob store holding nothing no row names (orphans, reported apart). Counted in one snapshot.
 */
export async function validateStore(store: DatasetStore, options: ValidateStoreOptions = {}): Promise<StoreValidationReport> {
  const maxPerKind = options.maxPerKind ?? 20;
  const problems: StoreProblem[] = [];
  const perKind = new Map<string, number>();
  let problemCount = 0;
  const problem = (kind: string, subject: string, message: string) => {
    problemCount++;
    const n = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, n);
    if (n <= maxPerKind) problems.push({ kind, subject, message });
  };
  const id = store.dataset.id;
  const client = await store.pool.connect();
  let totals: StoreValidationReport["totals"];
  let images: { image_id: string; sha256: string; byte_size: string; format: string; width: number; height: number }[];
  let referencedRows: { sha256: string }[];
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const base = await countRows(store, client);
    const recorded = await datasetTotals(store, client);
    for (const k of Object.keys(base) as (keyof StoreTotals)[]) {
      if (base[k] !== recorded[k]) problem("totals", k, `${k}: the rows count ${base[k]}, the batches' counts (dataset_counts) sum to ${recorded[k]}`);
    }
    const { rows: extra } = await client.query<{ categories: string; max_id: number | null; distinct_images: string }>(
      `SELECT (SELECT count(*) FROM categories WHERE dataset_id = $1) AS categories,
              (SELECT max(id) FROM categories WHERE dataset_id = $1) AS max_id,
              (SELECT count(DISTINCT image_id) FROM records WHERE dataset_id = $1) AS distinct_images`,
      [id],
    );
    const categories = Number(extra[0]!.categories);
    if ((extra[0]!.max_id ?? -1) !== categories - 1) problem("categories_not_dense", "categories", `${categories} categories with ids up to ${extra[0]!.max_id}: ids must be 0 to ${categories - 1}`);
    totals = { ...base, categories, distinctImagesInRecords: Number(extra[0]!.distinct_images) };
    ({ rows: images } = await client.query("SELECT image_id, sha256, byte_size, format, width, height FROM images WHERE dataset_id = $1 ORDER BY image_id", [id]));
    const { rows: lonely } = await client.query<{ image_id: string }>(
      "SELECT i.image_id FROM images i WHERE i.dataset_id = $1 AND NOT EXISTS (SELECT 1 FROM records r WHERE r.dataset_id = i.dataset_id AND r.image_id = i.image_id)",
      [id],
    );
    for (const r of lonely) problem("image_without_records", r.image_id, `image ${r.image_id} has a row but no record names it`);
    const { rows: boxes } = await client.query<{ image_id: string; identity: string; x: number; y: number; width: number; height: number; category_id: number }>(
      "SELECT image_id, identity, x, y, width, height, category_id FROM annotations WHERE dataset_id = $1",
      [id],
    );
    for (const b of boxes) {
      const expected = boxIdentity([b.x, b.y, b.width, b.height], b.category_id);
      if (expected !== b.identity) problem("box_identity", b.image_id, `image ${b.image_id}: box identity ${b.identity} is not ${expected} (its box and category)`);
    }
    // Every dataset's rows: a blob another dataset of the database names is not an orphan.
    ({ rows: referencedRows } = await client.query<{ sha256: string }>("SELECT DISTINCT sha256 FROM images"));
    await client.query("COMMIT");
  } finally {
    client.release();
  }

  // Blobs: one listing (sizes, orphans), then each of the dataset's blobs read once.
  const listed = new Map<string, BlobInfo>();
  for await (const blob of store.blobs.list()) listed.set(blob.key, blob);
  const referenced = new Set(referencedRows.map((r) => r.sha256));
  const orphanBlobs = [...listed.values()].filter((b) => !referenced.has(b.key));
  let blobsRead = 0;
  const check = async (row: (typeof images)[number]) => {
    const blob = listed.get(row.sha256);
    if (!blob) return problem("blob_missing", row.image_id, `image ${row.image_id}: blob ${row.sha256} is not in ${store.blobs.location}`);
    if (blob.size !== Number(row.byte_size)) return problem("blob_size", row.image_id, `image ${row.image_id}: blob is ${blob.size} bytes, the row says ${row.byte_size}`);
    if (options.content === false) return;
    const bytes = await store.blobs.get(row.sha256);
    blobsRead++;
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== row.sha256) return problem("blob_hash", row.image_id, `image ${row.image_id}: blob ${row.sha256} holds bytes hashing to ${actual}`);
    const info = readImageInfo(bytes);
    if (!info.ok) return problem("blob_image", row.image_id, `image ${row.image_id}: ${info.message}`);
    if (info.info.format !== row.format || info.info.width !== row.width || info.info.height !== row.height) {
      problem("blob_image", row.image_id, `image ${row.image_id}: the blob is a ${info.info.width}×${info.info.height} ${info.info.format}, the row says ${row.width}×${row.height} ${row.format}`);
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, options.concurrency ?? 8) }, async () => {
      while (next < images.length) await check(images[next++]!);
    }),
  );
  return {
    ok: problemCount === 0,
    problems,
    orphanBlobs,
    totals,
    checked: { images: images.length, blobsRead, blobsListed: listed.size },
  };
}
