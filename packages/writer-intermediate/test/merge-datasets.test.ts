import { promises as fs } from "node:fs";
import path from "node:path";
import { type Annotation, type Labeler, runPipeline, silentLogger } from "@qontinui/export-core";
import { beforeAll, describe, expect, it } from "vitest";
import { intermediateWriter, mergeDatasets } from "../src/index.js";
import { listFiles, makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";
import { datasetContents, expectSameDataset } from "./same-dataset.js";

async function exportTo(out: string, runDir: string, records: unknown[], labelers: Labeler[] = [matchLabeler]) {
  await runPipeline({ source: memorySource(runDir, records), labelers, writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
}

/** A 10×10 box on each click: another labeler than the match one, with a category of its own. */
const clickLabeler: Labeler = {
  name: "test-click",
  needsPixels: false,
  label(record): Annotation[] {
    const c = record.clicked_location;
    return c ? [{ bbox: [c.x, c.y, 10, 10], categoryName: "clicked", confidence: 1, source: "user_click", verified: true }] : [];
  },
};

/** Each image's boxes as a sorted list of "category bbox", and its context: what a union must hold whatever the order. */
async function boxesByImage(dir: string): Promise<Record<string, { boxes: string[]; context: unknown }>> {
  const out: Record<string, { boxes: string[]; context: unknown }> = {};
  for (const f of await fs.readdir(path.join(dir, "annotations"))) {
    const doc = JSON.parse(await fs.readFile(path.join(dir, "annotations", f), "utf8"));
    out[doc.image_id] = { boxes: doc.annotations.map((a: { category_name: string; bbox: number[] }) => `${a.category_name} ${a.bbox.join(",")}`).sort(), context: doc.context };
  }
  return out;
}

const statisticsOf = async (dir: string) => {
  const meta = JSON.parse((await datasetContents(dir)).get("metadata.json")!);
  return { images: meta.total_images, annotations: meta.total_annotations, categories: Object.keys(meta.category_map).sort(), ...meta.statistics };
};

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
      if (f === "metadata.json" || f === ".qontinui/closed.json") continue;
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

  describe("the same records in several inputs", () => {
    let run: Awaited<ReturnType<typeof makeRun>>;
    beforeAll(async () => {
      const screens: Record<string, Buffer> = {};
      for (let i = 0; i < 4; i++) screens[`s${i}.png`] = await png(120 + i, 80, [50 * i, 100, 150]);
      const records = Array.from({ length: 16 }, (_, i) =>
        record(`r${i}`, `s${i % 4}.png`, {
          ...(i % 4 === 3 ? {} : { match_summary: match(["ok", "cancel", "menu"][i % 3]!, 2 + i, 3, 12, 8) }),
          ...(i % 3 === 0 ? { clicked_location: { x: 30 + i, y: 40 } } : {}),
          active_states_before: [`state_${i % 5}`],
          start_time: 1700000000 + ((i * 7) % 16),
        }),
      );
      run = await makeRun(screens, records);
    });

    it("two exports of the same run: the merge is that export, statistics and all (not records_with_matches 0)", async () => {
      const [a, b] = [await tempDir(), await tempDir()];
      await exportTo(a, run.dir, run.records);
      await exportTo(b, run.dir, run.records);
      const out = path.join(await tempDir(), "m");
      const summary = await mergeDatasets([a, b], { outDir: out });
      expect(summary.inputs.map((i) => [i.appended, i.duplicates])).toEqual([
        [16, 0],
        [0, 16],
      ]);
      await expectSameDataset(out, a);
      const stats = await statisticsOf(out);
      expect([stats.records_with_matches, stats.records_with_clicks]).toEqual([12, 6]);
    });

    it("the same run exported by two labelers into two shards: each image gets the union of both shards' boxes, each once, and both shards' statistics", async () => {
      const [matches, clicks, both] = [await tempDir(), await tempDir(), await tempDir()];
      await exportTo(matches, run.dir, run.records, [matchLabeler]);
      await exportTo(clicks, run.dir, run.records, [clickLabeler]);
      await exportTo(both, run.dir, run.records, [matchLabeler, clickLabeler]);
      const out = path.join(await tempDir(), "m");
      await mergeDatasets([matches, clicks], { outDir: out });
      expect(await boxesByImage(out)).toEqual(await boxesByImage(both));
      expect(await statisticsOf(out)).toEqual(await statisticsOf(both));
      // The order is the rule's (the README's): every box of the first input, then the second's.
      const first = JSON.parse(await fs.readFile(path.join(out, "annotations", (await fs.readdir(path.join(out, "annotations")))[0]!), "utf8"));
      const sources = first.annotations.map((a: { source: string }) => a.source);
      expect(sources).toEqual([...sources].sort((x: string, y: string) => (x === y ? 0 : x === "template_matching" ? -1 : 1)));
      // And the other way round: the same boxes and statistics, in the other order.
      const reversed = path.join(await tempDir(), "r");
      await mergeDatasets([clicks, matches], { outDir: reversed });
      expect(await boxesByImage(reversed)).toEqual(await boxesByImage(both));
      expect(await statisticsOf(reversed)).toEqual(await statisticsOf(both));
    });

    it("disjoint shards of one run: statistics are the sums, and merging them again, or in one call with a repeat, changes nothing", async () => {
      const [a, b, all] = [await tempDir(), await tempDir(), await tempDir()];
      await exportTo(a, run.dir, run.records.slice(0, 7));
      await exportTo(b, run.dir, run.records.slice(7));
      await exportTo(all, run.dir, run.records);
      const out = path.join(await tempDir(), "m");
      await mergeDatasets([a, b], { outDir: out });
      expect(await statisticsOf(out)).toEqual(await statisticsOf(all));
      expect(await boxesByImage(out)).toEqual(await boxesByImage(all));
      const once = await datasetContents(out);
      await mergeDatasets([b, a, b], { outDir: out });
      expect(await datasetContents(out)).toEqual(once);
      // Deterministic: the same inputs into a new directory give the same bytes.
      const again = path.join(await tempDir(), "m2");
      await mergeDatasets([a, b], { outDir: again });
      expect(await datasetContents(again)).toEqual(once);
    });

    it("an input without a record index (the Python exporter's): match and click totals come from its metadata.json", async () => {
      const a = await tempDir();
      await exportTo(a, run.dir, run.records);
      await fs.rm(path.join(a, ".qontinui"), { recursive: true });
      const out = path.join(await tempDir(), "m");
      await mergeDatasets([a], { outDir: out });
      const stats = await statisticsOf(out);
      expect([stats.records_with_matches, stats.records_with_clicks]).toEqual([12, 6]);
    });
  });
});
