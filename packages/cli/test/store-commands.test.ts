import { promises as fs } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The store package's own test server: a private PostgreSQL started with initdb + pg_ctl (no mock).
import { type PostgresServer, startPostgres } from "../../store-postgres/test/postgres-server.js";
import { compareDatasets } from "../../store-postgres/test/fixtures.js";
import { main } from "../src/index.js";
import { captureIO, tempDir, writeRun } from "./fixtures.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe("the CLI on a PostgreSQL-backed store", () => {
  it("run --store, ingest, export --to, and every reader command given the store's URL", async () => {
    const root = await tempDir("qx-store-cli-");
    const blobs = path.join(root, "blobs");
    const runA = await writeRun({ records: 24, screens: 5 });
    const runB = await writeRun({ records: 18, screens: 7 }); // overlaps runA: same first screens and action ids
    const shardA = path.join(root, "a-shard");
    const shardB = path.join(root, "b-shard");
    for (const [run, shard] of [[runA, shardA], [runB, shardB]] as const) {
      const r = await cli(["run", run, "--out", shard, "--click-mode", "fixed", "--quiet"]);
      expect(r.code, r.err).toBe(0);
    }

    // Shards ingested into one store; a second ingest adds nothing.
    const url = `${await server.createDatabase("cli_ingest")}?dataset=gui&blobs=${encodeURIComponent(blobs)}`;
    const ingest = await cli(["ingest", shardA, shardB, "--store", url]);
    expect(ingest.code, ingest.err).toBe(0);
    expect(ingest.out).toMatch(/a-shard: \d+ entries, \d+ added/);
    const again = await cli(["ingest", shardA, shardB, "--store", url, "--json"]);
    expect(again.code, again.err).toBe(0);
    expect((JSON.parse(again.out) as { appended: number }[]).map((s) => s.appended)).toEqual([0, 0]);
    expect(again.out).not.toContain("postgres@"); // no credentials echoed: the location is printed without a password

    // export --to equals merge of the same shards (files byte for byte; metadata but for its times).
    const exported = path.join(root, "exported");
    const ex = await cli(["export", url, "--to", exported]);
    expect(ex.code, ex.err).toBe(0);
    const merged = path.join(root, "merged");
    expect((await cli(["merge", shardA, shardB, "--out", merged])).code).toBe(0);
    expect(await compareDatasets(exported, merged)).toEqual([]);

    // Readers given the URL see what they see in the merged directory.
    const summaryStore = JSON.parse((await cli(["summary", url, "--json"])).out) as Record<string, unknown>;
    const summaryDir = JSON.parse((await cli(["summary", merged, "--json"])).out) as Record<string, unknown>;
    expect(summaryStore.manifest_entries).toBe(summaryDir.manifest_entries);
    expect(summaryStore.categories).toEqual(summaryDir.categories);
    const statsStore = JSON.parse((await cli(["stats", url, "--json"])).out) as Record<string, unknown>;
    const statsDir = JSON.parse((await cli(["stats", merged, "--json"])).out) as Record<string, unknown>;
    expect({ ...statsStore, dir: "" }).toEqual({ ...statsDir, dir: "" });

    const cocoStore = path.join(root, "coco-store", "dataset.json");
    const c1 = await cli(["coco", url, "--out", cocoStore, "--json"]);
    expect(c1.code, c1.err).toBe(0);
    const cocoDir = path.join(root, "coco-dir.json");
    expect((await cli(["coco", merged, "--out", cocoDir])).code).toBe(0);
    const a = JSON.parse(await fs.readFile(cocoStore, "utf8")) as { images: { file_name: string }[]; annotations: { bbox: number[] }[] };
    const b = JSON.parse(await fs.readFile(cocoDir, "utf8")) as { images: { file_name: string }[]; annotations: { bbox: number[] }[] };
    expect(a.images.map((i) => i.file_name)).toEqual(b.images.map((i) => i.file_name));
    expect(a.annotations.map((x) => x.bbox)).toEqual(b.annotations.map((x) => x.bbox));
    // The store has no images folder: they are copied beside the JSON, where file_name points.
    for (const img of a.images) await fs.access(path.join(path.dirname(cocoStore), "images", img.file_name));

    for (const [format, out] of [["yolo", "yolo"], ["voc", "voc"]] as const) {
      const r = await cli([format, url, "--out", path.join(root, out)]);
      expect(r.code, `${format}: ${r.err}`).toBe(0);
    }
    const preview = await cli(["preview", url, "--out", path.join(root, "preview"), "--limit", "2", "--no-sheet"]);
    expect(preview.code, preview.err).toBe(0);
    expect(preview.out).toMatch(/^2 preview\(s\)/);
    const valid = await cli(["validate", url]);
    expect(valid.code, valid.out + valid.err).toBe(0);
    expect(valid.out).toMatch(/^valid: /m);
    const zip = await cli(["web-zip", url, "--out", path.join(root, "web.zip")]);
    expect(zip.code, zip.err).toBe(0);
    await fs.access(path.join(root, "web.zip"));
    const sweep = await cli(["sweep", url, "--dry-run", "--grace", "0"]);
    expect(sweep.code, sweep.err).toBe(0);
    expect(sweep.out).toMatch(/would remove 0 unnamed blob/);
  });

  it("run --store writes a run straight into the store; running it again adds nothing", async () => {
    const root = await tempDir("qx-store-run-");
    const run = await writeRun({ records: 20, screens: 4 });
    const url = `${await server.createDatabase("cli_run")}?dataset=direct&blobs=${encodeURIComponent(path.join(root, "blobs"))}`;
    const first = await cli(["run", run, "--store", url, "--click-mode", "fixed", "--json"]);
    expect(first.code, first.err).toBe(0);
    const s1 = JSON.parse(first.out) as { statistics: { recordsExported: number }; out: string };
    expect(s1.statistics.recordsExported).toBeGreaterThan(0);
    expect(s1.out).toContain("dataset=direct");
    const second = await cli(["run", run, "--store", url, "--click-mode", "fixed", "--json"]);
    const s2 = JSON.parse(second.out) as { statistics: { recordsExported: number; recordsAlreadyExported: number } };
    expect(s2.statistics.recordsAlreadyExported).toBe(s1.statistics.recordsExported);
    // The same run on disk gives the same dataset as the store's export.
    const disk = path.join(root, "disk");
    expect((await cli(["run", run, "--out", disk, "--click-mode", "fixed", "--quiet"])).code).toBe(0);
    const exported = path.join(root, "exported");
    expect((await cli(["export", url, "--to", exported])).code).toBe(0);
    const summaries = await Promise.all([disk, exported].map(async (d) => JSON.parse((await cli(["summary", d, "--json"])).out) as Record<string, unknown>));
    expect(summaries[1]!.total_annotations).toBe(summaries[0]!.total_annotations);
    expect(summaries[1]!.manifest_entries).toBe(summaries[0]!.manifest_entries);

    const both = await cli(["run", run, "--store", url, "--out", disk]);
    expect(both.code).toBe(2);
    const withFormat = await cli(["run", run, "--store", url, "--format", "yolo"]);
    expect(withFormat.code).toBe(2);
    expect(withFormat.err).toMatch(/convert the store afterwards/);
  });
});
