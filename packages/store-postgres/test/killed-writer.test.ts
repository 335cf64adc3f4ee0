import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatasetStore, type IngestSummary, openStore, validateStore } from "../src/index.js";
import { exportShard, makeUniverse, requireBuild, runChild, shardUnion, tempDir } from "./fixtures.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";

let server: PostgresServer;

beforeAll(async () => {
  requireBuild();
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function counts(store: DatasetStore) {
  const { rows } = await store.pool.query(
    `SELECT (SELECT count(*) FROM records WHERE dataset_id = $1)::int AS records, (SELECT count(*) FROM images WHERE dataset_id = $1)::int AS images,
            (SELECT count(*) FROM annotations WHERE dataset_id = $1)::int AS annotations`,
    [store.dataset.id],
  );
  return rows[0] as { records: number; images: number; annotations: number };
}

describe("a writer killed with SIGKILL", () => {
  it("in the middle of a batch's transaction leaves the batches before it whole and nothing of it; running again completes the dataset", async () => {
    const url = `${await server.createDatabase("killed")}?dataset=gui`;
    const blobs = await tempDir("qs-blobs-");
    const universe = await makeUniverse({ images: 90, records: 200, seed: 23 });
    const shard = await tempDir("qs-shard-");
    await exportShard(universe, universe.records, shard);
    const union = await shardUnion([shard]);
    const store = await openStore({ url, blobs });
    try {
      // Batches of 20; the 4th transaction stops after inserting its images and records, before its boxes.
      let stalled = false;
      const killed = await runChild([url, blobs, shard], { BATCH: "20", STALL_AT: "4" }, (line, kill) => {
        if (line === "stalled") {
          stalled = true;
          kill();
        }
      });
      expect(stalled, killed.stderr).toBe(true);
      expect(killed.signal).toBe("SIGKILL");
      // The server rolls the open transaction back when the connection drops.
      for (let i = 0; i < 100 && (await store.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")).rows[0].n > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const after = await counts(store);
      expect(after.records).toBe(60); // three whole batches, nothing of the fourth
      const report = await validateStore(store);
      expect(report.problems).toEqual([]); // every row's blob is there, whole
      expect(report.totals.distinctImagesInRecords).toBe(after.images); // no image row without its records
      // Blobs of the killed batch (and read ahead of it) were stored first: orphans now, named once the run is done again.
      expect(report.orphanBlobs.length).toBeGreaterThan(0);

      const rerun = await runChild([url, blobs, shard], { BATCH: "20" });
      expect(rerun.code, rerun.stderr).toBe(0);
      const summary = JSON.parse(rerun.stdout.trim()) as IngestSummary;
      expect(summary).toMatchObject({ entries: 200, appended: 140, duplicates: 60 });
      const done = await counts(store);
      expect(done.records).toBe(union.keys.size);
      expect(done.images).toBe(union.images.size);
      expect(done.annotations).toBe([...union.boxes.values()].reduce((n, s) => n + s.size, 0));
      const final = await validateStore(store);
      expect(final.problems).toEqual([]);
      expect(final.orphanBlobs).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("at any moment of an ingest never leaves a row naming a missing blob nor a part of a batch, and the next run completes it", async () => {
    const url = `${await server.createDatabase("killed_any")}?dataset=gui`;
    const blobs = await tempDir("qs-blobs-");
    const universe = await makeUniverse({ images: 60, records: 150, seed: 29 });
    const shard = await tempDir("qs-shard-");
    await exportShard(universe, universe.records, shard);
    const union = await shardUnion([shard]);
    const store = await openStore({ url, blobs });
    try {
      // Three runs killed once they have handed over 37, 83 and 121 records: wherever they are then
      // (reading, putting blobs, in a transaction, committing).
      let kills = 0;
      for (const at of [37, 83, 121]) {
        const killed = await runChild([url, blobs, shard], { BATCH: "10", PROGRESS: "1" }, (line, kill) => {
          if (line.startsWith("progress ") && Number(line.slice(9)) >= at) kill();
        });
        // A run of records mostly stored already may finish before the signal lands: that is fine too.
        if (killed.signal === "SIGKILL") kills++;
        else expect(killed.code, killed.stderr.slice(-1500)).toBe(0);
        const report = await validateStore(store);
        expect(report.problems).toEqual([]);
        const { records } = await counts(store);
        expect(records % 10, `${records} records: a batch was cut`).toBe(0);
      }
      expect(kills).toBeGreaterThanOrEqual(2);
      const r = await runChild([url, blobs, shard], { BATCH: "10" });
      expect(r.code, r.stderr).toBe(0);
      const final = await validateStore(store);
      expect(final.problems).toEqual([]);
      expect(final.orphanBlobs).toEqual([]);
      expect((await counts(store)).records).toBe(union.keys.size);
    } finally {
      await store.close();
    }
  });
});
