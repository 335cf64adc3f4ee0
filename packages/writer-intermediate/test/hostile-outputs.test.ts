import { mkdtempSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CategoryRegistry, ConfigError, type ExecutionRecordInput, runPipeline, silentLogger } from "@qontinui/export-core";
import { within } from "@qontinui/export-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intermediateWriter, mergeDatasets } from "../src/index.js";
import { makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";
import { datasetContents, expectSameDataset, mountTmpfs, tmpfsMountable, unmount } from "./same-dataset.js";

/**
 * Outputs that cannot be made, and files of the dataset (or of a dataset to merge) with lines no
 * reader should hold: each is a clear refusal at once, or an export that equals a clean one.
 */
let run: { dir: string; records: ExecutionRecordInput[] };
let clean: string;
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) unmount(m);
});

async function exportInto(out: string, warnings: string[] = [], records = run.records) {
  return runPipeline({
    source: memorySource(run.dir, records),
    labelers: [matchLabeler],
    writers: [intermediateWriter({ outDir: out, flushEvery: 2 })],
    logger: { info: () => {}, warn: (m) => m.startsWith("[intermediate]") && warnings.push(m) },
  });
}

beforeAll(async () => {
  run = await makeRun({ "a.png": await png(80, 60, [200, 20, 20]), "b.png": await png(90, 60, [20, 200, 20]) }, [
    record("r1", "a.png", { match_summary: match("ok", 1, 1, 10, 10) }),
    record("r2", "b.png", { match_summary: match("cancel", 5, 5, 10, 10) }),
    record("r3", "a.png", { match_summary: match("cancel", 20, 20, 10, 10), clicked_location: { x: 3, y: 3 } }),
    record("r4", "b.png"),
  ]);
  clean = await tempDir("qx-clean-");
  await exportInto(clean);
});

describe("an output directory that cannot be made", () => {
  it.skipIf(process.platform !== "linux")("--out /proc/x: the export and the merge fail at once with one line naming the path", async () => {
    for (const out of ["/proc/x", "/proc/x/datasets/gui"]) {
      const err = await within(3_000, exportInto(out).then(() => undefined, (e: unknown) => e));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`^cannot create dataset directory ${out}: the filesystem there does not allow creating directories`));
      expect((err as Error).message).not.toContain("\n");
      const merged = await within(3_000, mergeDatasets([clean], { outDir: out }).then(() => undefined, (e: unknown) => e));
      expect((merged as Error).message).toMatch(new RegExp(`^cannot create dataset directory ${out}: `));
    }
  });

  it("a path under a file: refused before anything is written", async () => {
    const file = path.join(await tempDir(), "thesis.docx");
    await fs.writeFile(file, "precious");
    const err = await exportInto(path.join(file, "ds")).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe(`cannot create dataset directory ${path.join(file, "ds")}: ${file} is not a directory`);
    expect(await fs.readFile(file, "utf8")).toBe("precious");
  });

  const probe = mkdtempSync(path.join(os.tmpdir(), "qx-ro-probe-"));
  const mountable = tmpfsMountable(probe);
  const title = "a path under a read-only filesystem";
  it.skipIf(!mountable.ok)(mountable.ok ? title : `${title} (skipped: ${"why" in mountable ? mountable.why : ""})`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "qx-ro-"));
    mountTmpfs(dir, 65536, "ro");
    mounts.push(dir);
    const out = path.join(dir, "datasets", "gui");
    const err = await within(3_000, exportInto(out).then(() => undefined, (e: unknown) => e));
    expect((err as Error).message).toBe(`cannot create dataset directory ${out}: read-only file system (making ${path.join(dir, "datasets")})`);
    // The writer opened directly (as the export service does) says the same.
    const writer = intermediateWriter({ outDir: out });
    await expect(writer.open!({ registry: new CategoryRegistry(), datasetVersion: "1.0.0", logger: silentLogger })).rejects.toThrow(/read-only file system/);
  });
});

describe("lines no reader should hold, in the dataset's own files and in a dataset to merge", () => {
  it("a 150 MB torn last line in manifest.jsonl (no newline): cut, and the dataset equals a clean export", async () => {
    const out = await tempDir();
    await exportInto(out, [], run.records.slice(0, 2));
    const manifest = path.join(out, "manifest.jsonl");
    await fs.truncate(manifest, (await fs.stat(manifest)).size + 150 * 1024 * 1024);
    const warnings: string[] = [];
    await exportInto(out, warnings);
    expect(warnings.join("\n")).toMatch(/torn line \(157286400 bytes/);
    await expectSameDataset(out, clean);
  });

  it("a 20 MB line inside manifest.jsonl: skipped as line_too_long when the index is rebuilt, said, and the dataset's records kept", async () => {
    const out = await tempDir();
    await exportInto(out, [], run.records.slice(0, 2));
    const manifest = path.join(out, "manifest.jsonl");
    const lines = (await fs.readFile(manifest, "utf8")).split("\n").filter(Boolean);
    await fs.writeFile(manifest, `${lines[0]}\n{"junk":"${"x".repeat(20 * 1024 * 1024)}"}\n${lines[1]}\n`);
    const warnings: string[] = [];
    await exportInto(out, warnings);
    expect(warnings.join("\n")).toMatch(/manifest\.jsonl has lines that are not entries \(1 line_too_long\)/);
    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    const want = JSON.parse((await datasetContents(clean)).get("metadata.json")!);
    expect(meta.total_annotations).toBe(want.total_annotations);
    expect(meta.statistics.total_records_processed).toBe(4);
    expect(meta.category_map).toEqual(want.category_map);
  });

  it("a 20 MB line in the annotation journal a killed export left: counted unreadable, the rest replayed", async () => {
    const out = await tempDir();
    await exportInto(out);
    await fs.writeFile(path.join(out, ".qontinui", "annotations.journal"), `{"image_id":"${"0".repeat(16)}","annotations":[${'{"bbox":[1,1,1,1]},'.repeat(1_200_000)}]}\n`);
    await fs.writeFile(path.join(out, ".qontinui", "lock"), JSON.stringify({ pid: 2 ** 22 + 6161, hostname: os.hostname() }));
    const warnings: string[] = [];
    await exportInto(out, warnings);
    expect(warnings.join("\n")).toMatch(/did not finish/);
    await expectSameDataset(out, clean);
  });

  it("merge: an input whose manifest holds a 20 MB line counts it as line_too_long and merges the rest", async () => {
    const shard = await tempDir();
    await exportInto(shard);
    const manifest = path.join(shard, "manifest.jsonl");
    await fs.appendFile(manifest, `{"id":"${"x".repeat(20 * 1024 * 1024)}"}\n`);
    const out = path.join(await tempDir(), "merged");
    const summary = await mergeDatasets([shard], { outDir: out });
    expect(summary.problems.byReason).toEqual({ line_too_long: 1 });
    expect(summary.dataset.totalRecords).toBe(4);
  });
});
