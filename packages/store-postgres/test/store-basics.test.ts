import { promises as fs } from "node:fs";
import path from "node:path";
import { DirectoryBlobStore } from "@qontinui/blob-store";
import { runPipeline, silentLogger } from "@qontinui/export-core";
import { memorySource } from "@qontinui/export-core/testing";
import { datasetConvertInput, datasetSummary } from "@qontinui/intermediate-format";
import { intermediateWriter, mergeDatasets } from "@qontinui/writer-intermediate";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exportToDirectory,
  ingestDataset,
  loadMigrations,
  openStore,
  openStoreDataset,
  parseStoreUrl,
  storeWriter,
  sweepBlobs,
  validateStore,
} from "../src/index.js";
import { clickLabeler, compareDatasets, exportShard, makeUniverse, matchLabeler, smallPng, tempDir } from "./fixtures.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";

let server: PostgresServer;
let databases = 0;

// pg warns (once a process) when a query is sent to a client still running one: every connection
// shared by concurrent work here queues its statements (StatementQueue), so none may warn.
const overlapping: string[] = [];
const onWarning = (w: Error) => {
  if (/already executing a query/.test(w.message)) overlapping.push(w.stack ?? w.message);
};
process.on("warning", onWarning);

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  process.off("warning", onWarning);
  await server?.stop();
  expect(overlapping).toEqual([]);
});

/** A fresh database and blob directory for one test. */
async function freshStore(dataset = "gui") {
  const url = await server.createDatabase(`t${++databases}`);
  const blobs = await tempDir("qs-blobs-");
  return { url: `${url}?dataset=${dataset}&blobs=${encodeURIComponent(blobs)}`, blobs };
}

describe("store URL", () => {
  it("takes dataset and blobs out of the URL, keeps the rest for pg, and never shows the password", () => {
    const t = parseStoreUrl("postgres://me:s3cret@db.example:6543/qontinui?dataset=gui&blobs=/srv/blobs&sslmode=require", {});
    expect(t.dataset).toBe("gui");
    expect(t.blobs).toBe("/srv/blobs");
    expect(t.connectionString).toBe("postgres://me:s3cret@db.example:6543/qontinui?sslmode=require");
    expect(t.location).toBe("postgres://me@db.example:6543/qontinui?sslmode=require&dataset=gui");
    expect(t.location).not.toContain("s3cret");
  });

  it("defaults: dataset \"default\", blobs from QONTINUI_BLOBS; a missing place for images is a clear error", async () => {
    expect(parseStoreUrl("postgresql://me@h/db", { QONTINUI_BLOBS: "/b" })).toMatchObject({ dataset: "default", blobs: "/b" });
    await expect(openStore({ url: "postgres://me@127.0.0.1:1/db", env: {} })).rejects.toThrow(/needs a place for images.*blobs=<dir>.*QONTINUI_BLOBS/);
  });
});

describe("blob stores", () => {
  it("takes blobs=s3://bucket/prefix?endpoint=… (URL-encoded) as an S3 blob store, credentials from the environment", async () => {
    const url = await server.createDatabase(`t${++databases}`);
    const s3 = encodeURIComponent("s3://shots/gui/?endpoint=http://127.0.0.1:9");
    const store = await openStore({ url: `${url}?dataset=gui&blobs=${s3}`, env: { S3_ACCESS_KEY: "ACCESSKEY", S3_SECRET_KEY: "SECRETKEY" } });
    try {
      expect(store.blobs.location).toMatch(/^s3:\/\/shots\/gui/);
      expect(store.blobs.location).not.toMatch(/ACCESSKEY|SECRETKEY/);
    } finally {
      await store.close();
    }
  });
});

describe("schema", () => {
  it("migrates once when many processes open a new database at once (advisory lock), and refuses a newer schema", async () => {
    const { url } = await freshStore();
    const stores = await Promise.all(Array.from({ length: 6 }, (_, i) => openStore(url.replace("dataset=gui", `dataset=d${i % 2}`))));
    const client = new pg.Client({ connectionString: url.replace(/\?.*$/, "") });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT version, name FROM schema_migrations ORDER BY version");
      expect(rows).toEqual((await loadMigrations()).map((m) => ({ version: m.version, name: m.name })));
      expect((await client.query("SELECT name FROM datasets ORDER BY name")).rows.map((r) => r.name)).toEqual(["d0", "d1"]);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future')");
      await expect(openStore(url)).rejects.toThrow(/newer than this @qontinui\/store-postgres knows/);
    } finally {
      await client.end();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe("pipeline writer", () => {
  it("exports a run into the store; the same export again adds nothing; the reader reads it as a dataset directory", async () => {
    const { url } = await freshStore();
    const universe = await makeUniverse({ images: 12, records: 40 });
    const store = await openStore(url);
    try {
      const first = await runPipeline({ source: memorySource(universe.runDir, universe.records), labelers: [matchLabeler, clickLabeler], writers: [storeWriter(store, { batchSize: 16 })], logger: silentLogger });
      expect(first.statistics.recordsExported).toBe(40);
      expect(first.writers[0]).toMatchObject({ writer: "store", recordsAppended: 40, recordsAlreadyExported: 0, totalRecords: 40, totalImages: first.statistics.uniqueImages });
      const again = await runPipeline({ source: memorySource(universe.runDir, universe.records), labelers: [matchLabeler, clickLabeler], writers: [storeWriter(store, { batchSize: 16 })], logger: silentLogger });
      expect(again.statistics.recordsAlreadyExported).toBe(40);
      expect(again.writers[0]).toMatchObject({ recordsAppended: 0, imagesAdded: 0, annotationsAdded: 0, totalRecords: 40 });

      // The reader: the dataset as if it were a directory.
      const reader = await openStoreDataset(store);
      try {
        expect(reader.location).toBe(url.replace(/&blobs=.*$/, "").replace("?dataset=gui", "?dataset=gui"));
        expect(reader.metadata).toMatchObject({ total_images: first.statistics.uniqueImages, format: "intermediate" });
        const lines = [];
        for await (const l of reader.manifest()) lines.push(l);
        expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        // The session's records in the order it wrote them.
        expect(lines.map((l) => `${l.entry.action_id}/${l.entry.attempt_id}`)).toEqual(universe.records.map((r) => `${r.action_id}/${r.attempt_id}`));
        const ids = await reader.imageIds();
        expect(ids.length).toBe(first.statistics.uniqueImages);
        const img = await reader.image(ids[0]!);
        const bytes = await fs.readFile(img.path);
        expect(bytes.length).toBeGreaterThan(0);
        expect(img.annotations.length).toBeGreaterThan(0);
        const summary = await datasetSummary(reader);
        expect(summary).toMatchObject({ manifest_entries: 40, total_images: ids.length });
        const input = await datasetConvertInput(reader);
        let n = 0;
        for await (const image of input.images()) n += image.id ? 1 : 0;
        expect(n).toBe(ids.length);
        // Many images asked for at once on the snapshot's one connection: the same as one by one.
        const together = await Promise.all(ids.map((id) => reader.image(id)));
        expect(together.map((i) => i.annotations.length)).toEqual(await ids.reduce(async (acc, id) => [...(await acc), (await reader.image(id)).annotations.length], Promise.resolve([] as number[])));
        expect(await reader.writerActive()).toBe(false);
      } finally {
        await reader.close();
      }
      const report = await validateStore(store);
      expect(report.problems).toEqual([]);
      expect(report.orphanBlobs).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("exportToDirectory of a store the pipeline wrote equals merge of the on-disk export of the same run", async () => {
    const { url } = await freshStore();
    const universe = await makeUniverse({ images: 10, records: 30, seed: 3 });
    const onDisk = path.join(await tempDir(), "disk");
    await runPipeline({ source: memorySource(universe.runDir, universe.records), labelers: [matchLabeler, clickLabeler], writers: [intermediateWriter({ outDir: onDisk })], logger: silentLogger });
    const store = await openStore(url);
    try {
      await runPipeline({ source: memorySource(universe.runDir, universe.records), labelers: [matchLabeler, clickLabeler], writers: [storeWriter(store, { batchSize: 7 })], logger: silentLogger });
      const merged = path.join(await tempDir(), "merged");
      await mergeDatasets([onDisk], { outDir: merged });
      const exported = path.join(await tempDir(), "exported");
      await exportToDirectory(store, exported);
      expect(await compareDatasets(merged, exported)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe("ingestDataset and exportToDirectory", () => {
  it("hand a later shard's new boxes over where merge does: with the record an earlier shard already had", async () => {
    const { url } = await freshStore();
    const run = await makeUniverse({ images: 2, records: 0, seed: 9 });
    const [x, y] = run.screenshots.map((s) => `screenshots/${s}`);
    const rec = (id: string, shot: string, category: string, at: number) => ({
      action_id: id,
      start_time: 1718000000,
      active_states_before: ["Main"],
      screenshot_reference: shot,
      match_summary: { found: true, image_id: category, location: { x: at, y: at }, template_size: { width: 10, height: 8 }, confidence: 0.9 },
    });
    const root = await tempDir();
    const a = path.join(root, "a");
    const b = path.join(root, "b");
    await exportShard(run, [rec("a1", x!, "p_cat", 1)], a);
    // b: a record of another image with a new category, then a1 again (b's first record of x), then a new box on x.
    await exportShard(run, [rec("b0", y!, "zz", 2), rec("a1", x!, "p_cat", 1), rec("b2", x!, "qq", 20)], b);
    const merged = path.join(root, "merged");
    await mergeDatasets([a, b], { outDir: merged });
    const store = await openStore(url);
    try {
      // b first: the order the shards arrive in does not matter, their origins (paths) do.
      expect(await ingestDataset(store, b)).toMatchObject({ entries: 3, appended: 3 });
      expect(await ingestDataset(store, a)).toMatchObject({ entries: 1, appended: 0, duplicates: 1 });
      const exported = path.join(root, "exported");
      const summary = await exportToDirectory(store, exported);
      expect(summary.exactBoxOrder).toBe(true);
      expect(await compareDatasets(merged, exported)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe("sweepBlobs", () => {
  it("removes blobs no row names once older than the grace period, keeps named and young ones, and waits for a writer between put and commit", async () => {
    const { url, blobs } = await freshStore();
    const universe = await makeUniverse({ images: 4, records: 6, seed: 5 });
    const store = await openStore(url);
    try {
      await runPipeline({ source: memorySource(universe.runDir, universe.records), labelers: [matchLabeler], writers: [storeWriter(store)], logger: silentLogger });
      const direct = new DirectoryBlobStore(blobs);
      const orphan = await direct.put(await smallPng(900));
      const young = await sweepBlobs(store);
      expect(young).toMatchObject({ removed: [], keptYoung: 1 });
      const swept = await sweepBlobs(store, { graceMs: 0 });
      expect(swept.removed).toEqual([orphan.key]);
      expect(await direct.has(orphan.key)).toBe(false);
      expect((await validateStore(store)).ok).toBe(true);

      // A writer that has put a blob and not yet committed its rows holds the blob lock: the sweep waits.
      const writer = storeWriter(store);
      const { CategoryRegistry, resolveImage } = await import("@qontinui/export-core");
      await writer.open({ registry: new CategoryRegistry(), datasetVersion: "1.0.0", logger: silentLogger });
      const png = await smallPng(901);
      const image = await resolveImage({ name: "mem", async *read() {}, readScreenshot: async () => ({ path: "/x.png", bytes: png }) }, "x.png");
      await writer.prepare!(image);
      await expect(sweepBlobs(store, { graceMs: 0, lockTimeoutMs: 300 })).rejects.toThrow(/lock timeout/);
      const { parseRecord, recordKey } = await import("@qontinui/export-core");
      const rec = parseRecord({ action_id: "late", start_time: 1 });
      if (!rec.ok) throw new Error(rec.message);
      await writer.write({ record: rec.record, image: { ...image, bytes: Buffer.alloc(0) }, annotations: [], key: recordKey(rec.record, image.id) });
      await writer.close();
      const after = await sweepBlobs(store, { graceMs: 0 });
      expect(after.removed).toEqual([]);
      expect(await direct.has(image.sha256)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
