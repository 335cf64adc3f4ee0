import { promises as fs } from "node:fs";
import path from "node:path";
import { runPipeline, silentLogger } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { intermediateWriter, mergeDatasets } from "../src/index.js";
import { listFiles, makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";

async function exportTo(out: string, runDir: string, records: unknown[]) {
  await runPipeline({ source: memorySource(runDir, records), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
}

describe("mergeDatasets", () => {
  it("combines shards by content hash, reconciles categories by name, drops duplicate entries, and is idempotent", async () => {
    const shared = await png(200, 100, [200, 10, 10]);
    const onlyA = await png(200, 100, [10, 200, 10]);
    const onlyB = await png(300, 100, [10, 10, 200]);
    const run = await makeRun({ "s.png": shared, "a.png": onlyA, "b.png": onlyB }, []);
    const shardA = await tempDir();
    const shardB = await tempDir();
    // Machine A sees "ok" first, machine B sees "cancel" first: their 0-based ids disagree.
    await exportTo(shardA, run.dir, [
      record("a1", "a.png", { match_summary: match("ok", 1, 1, 10, 10) }),
      record("s1", "s.png", { match_summary: match("cancel", 5, 5, 20, 20) }),
    ]);
    await exportTo(shardB, run.dir, [
      record("b1", "b.png", { match_summary: match("cancel", 2, 2, 30, 30) }),
      record("s1", "s.png", { match_summary: match("cancel", 5, 5, 20, 20) }), // the same record on both machines
      record("s2", "s.png", { match_summary: match("ok", 50, 50, 10, 10) }),
    ]);
    const out = path.join(await tempDir(), "merged");
    const summary = await mergeDatasets([shardA, shardB], { outDir: out });
    expect(summary.inputs.map((i) => [i.entries, i.appended, i.duplicates])).toEqual([
      [2, 2, 0],
      [3, 2, 1],
    ]);
    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    expect(meta.category_map).toEqual({ ok: 0, cancel: 1 });
    expect(meta.total_images).toBe(3);
    expect(meta.total_annotations).toBe(4);
    const manifest = (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(manifest.map((m) => m.action_id)).toEqual(["a1", "s1", "b1", "s2"]);
    expect((await fs.readdir(path.join(out, "images"))).length).toBe(3);

    // Ids follow names: the shared image's "cancel" box is category 1 in the merged dataset.
    const sId = manifest[1].id;
    const ann = JSON.parse(await fs.readFile(path.join(out, "annotations", `${sId}.json`), "utf8"));
    expect(ann.annotations.map((a: { category_name: string; category_id: number }) => [a.category_name, a.category_id])).toEqual([
      ["cancel", 1],
      ["ok", 0],
    ]);

    const before = new Map<string, Buffer>();
    for (const f of await listFiles(out)) before.set(f, await fs.readFile(path.join(out, f)));
    const again = await mergeDatasets([shardA, shardB], { outDir: out });
    expect(again.inputs.map((i) => i.appended)).toEqual([0, 0]);
    for (const [f, bytes] of before) {
      if (f === "metadata.json") continue;
      expect(await fs.readFile(path.join(out, f)), f).toEqual(bytes);
    }
  });

  it("skips an image whose bytes do not match its name, and says so", async () => {
    const img = await png(20, 20, [1, 2, 3]);
    const run = await makeRun({ "x.png": img }, []);
    const shard = await tempDir();
    await exportTo(shard, run.dir, [record("x1", "x.png")]);
    const [name] = await fs.readdir(path.join(shard, "images"));
    await fs.writeFile(path.join(shard, "images", name!), await png(20, 20, [9, 9, 9]));
    const out = path.join(await tempDir(), "m");
    const summary = await mergeDatasets([shard], { outDir: out });
    expect(summary.problems.byReason).toEqual({ hash_mismatch: 1 });
    expect(summary.dataset.totalRecords).toBe(0);
  });

  it("copies no box that is not one: outside the image, confidence 7, no known category; each counted by reason", async () => {
    const run = await makeRun({ "x.png": await png(40, 30, [1, 2, 3]) }, []);
    const shard = await tempDir();
    await exportTo(shard, run.dir, [record("x1", "x.png", { match_summary: match("ok_button", 2, 2, 10, 8) })]);
    const [file] = await fs.readdir(path.join(shard, "annotations"));
    const annFile = path.join(shard, "annotations", file!);
    const doc = JSON.parse(await fs.readFile(annFile, "utf8"));
    const good = doc.annotations[0];
    doc.annotations.push(
      { ...good, bbox: [-500, -500, 99999, 99999] },
      { ...good, bbox: [5, 5, 4, 4], confidence: 7 },
      { ...good, bbox: [6, 6, 4, 4], category_name: null, category_id: 42 },
    );
    await fs.writeFile(annFile, JSON.stringify(doc));
    const out = path.join(await tempDir(), "m");
    const summary = await mergeDatasets([shard], { outDir: out });
    expect(summary.problems.byReason).toEqual({ stored_box_outside_image: 1, stored_box_confidence_invalid: 1, stored_box_category_invalid: 1 });
    const [merged] = await fs.readdir(path.join(out, "annotations"));
    const boxes = JSON.parse(await fs.readFile(path.join(out, "annotations", merged!), "utf8")).annotations;
    expect(boxes.map((b: { bbox: number[] }) => b.bbox)).toEqual([good.bbox]);
  });
});
