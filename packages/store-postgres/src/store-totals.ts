import type pg from "pg";
import type { DatasetStore } from "./dataset-store.js";

/** A dataset's size: what metadata.json's totals say of a dataset on disk. */
export interface StoreTotals {
  totalImages: number;
  totalAnnotations: number;
  totalRecords: number;
  recordsWithMatches: number;
  recordsWithClicks: number;
}

/**
 * A dataset's totals: the sums of what its committed batches added (`dataset_counts`), so the
 * cost grows with the batches, not the rows (an append to a large dataset stays cheap).
 * `validateStore` counts the rows and compares; `countRows` counts them.
 */
export async function datasetTotals(store: DatasetStore, client: pg.ClientBase | pg.Pool = store.pool): Promise<StoreTotals> {
  const { rows } = await client.query<{ images: string | null; annotations: string | null; records: string | null; matches: string | null; clicks: string | null }>(
    "SELECT sum(images) AS images, sum(annotations) AS annotations, sum(records) AS records, sum(matches) AS matches, sum(clicks) AS clicks FROM dataset_counts WHERE dataset_id = $1",
    [store.dataset.id],
  );
  return totalsOf(rows[0]!);
}

/** A dataset's totals counted from its rows (one statement: a consistent view even while writers commit). */
export async function countRows(store: DatasetStore, client: pg.ClientBase | pg.Pool = store.pool): Promise<StoreTotals> {
  const { rows } = await client.query<{ images: string; annotations: string; records: string; matches: string; clicks: string }>(
    `SELECT (SELECT count(*) FROM images WHERE dataset_id = $1) AS images,
            (SELECT count(*) FROM annotations WHERE dataset_id = $1) AS annotations,
            r.records, r.matches, r.clicks
     FROM (SELECT count(*) AS records, count(*) FILTER (WHERE has_match) AS matches, count(*) FILTER (WHERE has_click) AS clicks
           FROM records WHERE dataset_id = $1) AS r`,
    [store.dataset.id],
  );
  return totalsOf(rows[0]!);
}

function totalsOf(r: { images: string | null; annotations: string | null; records: string | null; matches: string | null; clicks: string | null }): StoreTotals {
  return {
    totalImages: Number(r.images ?? 0),
    totalAnnotations: Number(r.annotations ?? 0),
    totalRecords: Number(r.records ?? 0),
    recordsWithMatches: Number(r.matches ?? 0),
    recordsWithClicks: Number(r.clicks ?? 0),
  };
}
