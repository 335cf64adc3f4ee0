import { promises as fs } from "node:fs";
import path from "node:path";
import { mergeDatasets } from "@qontinui/writer-intermediate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatasetStore, exportToDirectory, type IngestSummary, openStore, validateStore } from "../src/index.js";
import { compareDatasets, makeShards, makeUniverse, requireBuild, runChild, shardUnion, tempDir } from "./fixtures.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";

const WRITERS = 8;

let server: PostgresServer;
let store: DatasetStore;
let url: string;
let blobs: string;
let shards: string[];

beforeAll(async () => {
  requireBuild();
  server = await startPostgres();
  url = `${await server.createDatabase("many")}?dataset=gui`;
  blobs = await tempDir("qs-blobs-");
  // Full-size screenshots (1920×1080 PNGs drawn with sharp), 8 overlapping shards exported with the real writer.
  const universe = await makeUniverse({ images: 36, records: 160, fullSize: true, seed: 17 });
  shards = await makeShards(universe, WRITERS, 0.45);
  store = await openStore({ url, blobs });
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
});

async function count(sql: string): Promise<number> {
  const { rows } = await store.pool.query(sql, [store.dataset.id]);
  return Number(rows[0].n);
}

describe(`${WRITERS} processes ingest overlapping shards into one dataset at once`, () => {
  it("gives exact counts: each record and image once, every box of every shard once, no orphan row or blob", async () => {
    const results = await Promise.all(shards.map((shard) => runChild([url, blobs, shard], { BATCH: "8" })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const summaries = results.map((r) => JSON.parse(r.stdout.trim().split("\n").at(-1)!) as IngestSummary);

    const union = await shardUnion(shards);
    const shardEntries = summaries.reduce((n, s) => n + s.entries, 0);
    expect(shardEntries).toBeGreaterThan(union.keys.size); // the shards do overlap
    // Every entry was appended by exactly one writer or found already there.
    expect(summaries.reduce((n, s) => n + s.appended, 0)).toBe(union.keys.size);
    expect(summaries.reduce((n, s) => n + s.appended + s.duplicates, 0)).toBe(shardEntries);
    expect(summaries.reduce((n, s) => n + s.imagesAdded, 0)).toBe(union.images.size);
    for (const s of summaries) expect(s.problems.total).toBe(0);

    expect(await count("SELECT count(*) AS n FROM records WHERE dataset_id = $1")).toBe(union.keys.size);
    expect(await count("SELECT count(*) AS n FROM images WHERE dataset_id = $1")).toBe(union.images.size);
    const { rows } = await store.pool.query<{ image_id: string; box: string }>(
      "SELECT a.image_id, '[' || a.x || ',' || a.y || ',' || a.width || ',' || a.height || ']|' || c.name AS box FROM annotations a JOIN categories c ON c.dataset_id = a.dataset_id AND c.id = a.category_id WHERE a.dataset_id = $1",
      [store.dataset.id],
    );
    const stored = new Map<string, string[]>();
    for (const r of rows) stored.set(r.image_id, [...(stored.get(r.image_id) ?? []), r.box]);
    for (const [id, boxes] of union.boxes) {
      const got = stored.get(id) ?? [];
      expect(new Set(got).size, `image ${id}: a box stored twice`).toBe(got.length);
      expect(new Set(got), `image ${id}`).toEqual(boxes);
    }
    expect([...stored.keys()].every((id) => union.images.has(id))).toBe(true);
    // Categories: dense 0-based ids, each name once, whichever writer named it first.
    const { rows: cats } = await store.pool.query("SELECT id, name FROM categories WHERE dataset_id = $1 ORDER BY id", [store.dataset.id]);
    expect(cats.map((c) => c.id)).toEqual(cats.map((_, i) => i));
    expect(new Set(cats.map((c) => c.name)).size).toBe(cats.length);

    const report = await validateStore(store);
    expect(report.problems).toEqual([]);
    expect(report.orphanBlobs).toEqual([]);
    expect(report.totals).toMatchObject({ totalImages: union.images.size, totalRecords: union.keys.size, distinctImagesInRecords: union.images.size });
    expect(report.checked.blobsListed).toBe(union.images.size);

    // Ingesting a shard again adds nothing.
    const again = await runChild([url, blobs, shards[0]!]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ appended: 0, imagesAdded: 0, annotationsAdded: 0 });
  });

  it("exports to a directory byte-identical to mergeDatasets of the same shards (but for metadata's time fields)", async () => {
    const merged = path.join(await tempDir(), "merged");
    await mergeDatasets(shards, { outDir: merged });
    const exported = path.join(await tempDir(), "exported");
    const summary = await exportToDirectory(store, exported);
    expect(summary.boxesLeftOut).toEqual({});
    expect(await compareDatasets(merged, exported)).toEqual([]);
    expect((await fs.readdir(path.join(exported, "images"))).length).toBe(summary.dataset.totalImages);
  });
});
