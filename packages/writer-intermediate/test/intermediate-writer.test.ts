import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { CategoryRegistry, DatasetLockedError, OutputNotEmptyError, runPipeline, silentLogger } from "@qontinui/export-core";
import { beforeAll, describe, expect, it } from "vitest";
import { intermediateWriter, openDataset } from "../src/index.js";
import { listFiles, makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";

let run: { dir: string; records: ReturnType<typeof record>[] };
let screenA: Buffer;
let screenB: Buffer;

beforeAll(async () => {
  screenA = await png(320, 200, [240, 240, 240]);
  screenB = await png(640, 400, [20, 30, 40]);
  run = await makeRun({ "a.png": screenA, "b.png": screenB }, [
    record("r1", "a.png", { match_summary: match("login_button", 10, 20, 50, 30, 0.93) }),
    record("r2", "a.png", { match_summary: match("search_field", 100, 50, 120, 24, 0.81) }),
    record("r3", "b.png", { match_summary: match("login_button", 600, 380, 80, 40, 0.7) }), // clipped
    record("r4", "b.png", { action_type: "TYPE" }), // no boxes
    record("r5", "a.png", { match_summary: match("login_button", 10, 20, 50, 30, 0.93) }), // same box as r1
  ]);
});

async function exportRun(out: string, records = run.records, extra: Partial<Parameters<typeof intermediateWriter>[0]> = {}) {
  return runPipeline({
    source: memorySource(run.dir, records),
    labelers: [matchLabeler],
    writers: [intermediateWriter({ outDir: out, ...extra })],
    logger: silentLogger,
  });
}

async function readManifest(out: string) {
  return (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const idOf = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);

describe("intermediate writer: the seed's layout", () => {
  it("writes manifest, images, annotations and metadata with the seed's field names and types", async () => {
    const out = await tempDir();
    const result = await exportRun(out);
    expect(result.statistics.recordsExported).toBe(5);

    const a = idOf(screenA);
    const b = idOf(screenB);
    const files = await listFiles(out);
    expect(files.filter((f) => !f.startsWith(".qontinui"))).toEqual(
      [`annotations/${a}.json`, `annotations/${b}.json`, `images/${a}.png`, `images/${b}.png`, "manifest.jsonl", "metadata.json"].sort(),
    );

    const manifest = await readManifest(out);
    expect(manifest).toHaveLength(5);
    expect(Object.keys(manifest[0]!)).toEqual([
      "id",
      "image",
      "annotations",
      "action_id",
      "action_type",
      "timestamp",
      "active_states",
      "source",
      "is_new",
      "reviewed",
    ]);
    expect(manifest[0]).toEqual({
      id: a,
      image: `images/${a}.png`,
      annotations: `annotations/${a}.json`,
      action_id: "r1",
      action_type: "FIND",
      timestamp: 1700000001,
      active_states: ["dialog", "main"],
      source: "runner_execution",
      is_new: true,
      reviewed: false,
    });
    expect(manifest.map((m) => m.is_new)).toEqual([true, false, true, false, false]);

    const annA = JSON.parse(await fs.readFile(path.join(out, `annotations/${a}.json`), "utf8"));
    expect(Object.keys(annA)).toEqual(["image_id", "image_filename", "image_width", "image_height", "annotations", "context", "version"]);
    expect(annA.image_id).toBe(a);
    expect(annA.image_filename).toBe(`${a}.png`);
    expect([annA.image_width, annA.image_height]).toEqual([320, 200]);
    expect(annA.annotations).toEqual([
      { bbox: [10, 20, 50, 30], category_id: 0, category_name: "login_button", confidence: 0.93, source: "template_matching", verified: false },
      { bbox: [100, 50, 120, 24], category_id: 1, category_name: "search_field", confidence: 0.81, source: "template_matching", verified: false },
    ]);
    expect(Object.keys(annA.context)).toEqual(["action_type", "active_states", "timestamp", "success"]);
    expect(annA.version).toBe("1.0.0");

    const annB = JSON.parse(await fs.readFile(path.join(out, `annotations/${b}.json`), "utf8"));
    expect(annB.annotations).toEqual([
      { bbox: [600, 380, 40, 20], category_id: 0, category_name: "login_button", confidence: 0.7, source: "template_matching", verified: false, clipped: true },
    ]);

    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    expect(Object.keys(meta)).toEqual([
      "dataset_version",
      "created",
      "total_images",
      "total_annotations",
      "category_map",
      "categories",
      "statistics",
      "format",
      "description",
    ]);
    expect(meta.format).toBe("intermediate");
    expect(meta.total_images).toBe(2);
    expect(meta.total_annotations).toBe(3);
    expect(meta.category_map).toEqual({ login_button: 0, search_field: 1 });
    expect(meta.categories).toEqual([
      { id: 0, name: "login_button" },
      { id: 1, name: "search_field" },
    ]);
    expect(meta.statistics).toMatchObject({
      total_records_processed: 5,
      records_with_screenshots: 5,
      records_with_matches: 4,
      records_with_clicks: 0,
      skipped_records: 0,
    });
    expect(typeof meta.statistics.export_time_seconds).toBe("number");
  });

  it("stores each image once (dedup by content) and byte-identical to the screenshot", async () => {
    const out = await tempDir();
    await exportRun(out);
    const images = await fs.readdir(path.join(out, "images"));
    expect(images).toHaveLength(2);
    expect(await fs.readFile(path.join(out, "images", `${idOf(screenA)}.png`))).toEqual(screenA);
  });
});

describe("intermediate writer: resume and idempotence", () => {
  it("exporting the same run twice leaves the same dataset as once (apart from metadata timestamps)", async () => {
    const once = await tempDir();
    const twice = await tempDir();
    await exportRun(once);
    await exportRun(twice);
    const second = await exportRun(twice);
    expect(second.statistics.recordsAlreadyExported).toBe(5);
    expect(second.statistics.recordsExported).toBe(0);
    // The closed state names metadata.json's hash, which differs by its times like metadata.json.
    const files = (await listFiles(once)).filter((f) => f !== ".qontinui/records.idx" && f !== ".qontinui/closed.json");
    expect(await listFiles(twice)).toEqual(await listFiles(once));
    for (const f of files) {
      if (f === "metadata.json") continue;
      expect(await fs.readFile(path.join(twice, f)), f).toEqual(await fs.readFile(path.join(once, f)));
    }
    const strip = (m: Record<string, unknown>) => ({ ...m, created: 0, statistics: { ...(m.statistics as object), export_time_seconds: 0 } });
    const m1 = JSON.parse(await fs.readFile(path.join(once, "metadata.json"), "utf8"));
    const m2 = JSON.parse(await fs.readFile(path.join(twice, "metadata.json"), "utf8"));
    expect(strip(m2)).toEqual(strip(m1));
  });

  it("resumes: a second export continues the registry and appends, totals describe the whole dataset", async () => {
    const out = await tempDir();
    await exportRun(out, run.records.slice(0, 2));
    const extra = record("r9", "b.png", { match_summary: match("ok_button", 5, 5, 10, 10) });
    await exportRun(out, [...run.records.slice(2), extra]);
    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    expect(meta.category_map).toEqual({ login_button: 0, search_field: 1, ok_button: 2 });
    expect(meta.total_images).toBe(2);
    expect(meta.total_annotations).toBe(4);
    expect(meta.statistics.total_records_processed).toBe(6);
    const manifest = await readManifest(out);
    expect(manifest.map((m) => m.action_id)).toEqual(["r1", "r2", "r3", "r4", "r5", "r9"]);

    // The same as exporting everything at once.
    const all = await tempDir();
    await exportRun(all, [...run.records, extra]);
    expect(await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).toBe(await fs.readFile(path.join(all, "manifest.jsonl"), "utf8"));
  });

  it("reads back through openDataset", async () => {
    const out = await tempDir();
    await exportRun(out);
    const ds = await openDataset(out);
    const images = [];
    for await (const img of ds.images()) images.push(img);
    expect(images.map((i) => [i.width, i.height, i.annotations.length])).toEqual([
      [320, 200, 2],
      [640, 400, 1],
    ]);
    expect(images[1]!.annotations[0]!.clipped).toBe(true);
    expect(ds.categories()).toEqual([
      { id: 0, name: "login_button" },
      { id: 1, name: "search_field" },
    ]);
  });
});

describe("intermediate writer: safety", () => {
  it("writes nothing outside the output directory", async () => {
    const parent = await tempDir();
    const out = path.join(parent, "dataset");
    const runBefore = await listFiles(run.dir);
    await exportRun(out);
    expect(await fs.readdir(parent)).toEqual(["dataset"]);
    expect(await listFiles(run.dir)).toEqual(runBefore);
  });

  it("a second concurrent writer fails fast with the holder's pid", async () => {
    const out = await tempDir();
    const first = intermediateWriter({ outDir: out });
    await first.open({ registry: new CategoryRegistry(), datasetVersion: "1", logger: silentLogger });
    const second = intermediateWriter({ outDir: out });
    const err = await second.open({ registry: new CategoryRegistry(), datasetVersion: "1", logger: silentLogger }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetLockedError);
    expect(String(err.message)).toContain(`pid ${process.pid}`);
    await first.close();
    // Released on close: a later writer opens.
    const third = intermediateWriter({ outDir: out });
    await third.open({ registry: new CategoryRegistry(), datasetVersion: "1", logger: silentLogger });
    await third.close();
  });

  it("a stale lock of a dead process is recovered with a logged message", async () => {
    const out = await tempDir();
    await exportRun(out);
    await fs.writeFile(path.join(out, ".qontinui/lock"), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: (await import("node:os")).hostname(), started: "then" }));
    const warnings: string[] = [];
    await runPipeline({
      source: memorySource(run.dir, run.records),
      labelers: [matchLabeler],
      writers: [intermediateWriter({ outDir: out })],
      logger: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    expect(warnings.join("\n")).toMatch(/did not finish/);
    expect((await readManifest(out)).length).toBe(5);
  });

  it("refuses a non-empty directory that is not a dataset, unless forced, and deletes nothing", async () => {
    const out = await tempDir();
    await fs.writeFile(path.join(out, "thesis.docx"), "precious");
    await expect(exportRun(out)).rejects.toBeInstanceOf(OutputNotEmptyError);
    expect(await fs.readdir(out)).toEqual(["thesis.docx"]);
    await exportRun(out, run.records, { force: true });
    expect(await fs.readFile(path.join(out, "thesis.docx"), "utf8")).toBe("precious");
    expect((await readManifest(out)).length).toBe(5);
  });

  it("recovers a torn last manifest line and a half-written temp file, then exports the record again", async () => {
    const out = await tempDir();
    await exportRun(out);
    const manifestPath = path.join(out, "manifest.jsonl");
    const text = await fs.readFile(manifestPath, "utf8");
    const lines = text.split("\n").filter(Boolean);
    // A crash in the middle of appending the last line, with a temp file left behind and the lock still held.
    await fs.writeFile(manifestPath, `${lines.slice(0, 4).join("\n")}\n${lines[4]!.slice(0, 30)}`);
    await fs.writeFile(path.join(out, "annotations", ".x.json.0123456789ab.tmp"), "{ half");
    await fs.writeFile(path.join(out, ".qontinui/lock"), JSON.stringify({ pid: 2 ** 22 + 4242, hostname: (await import("node:os")).hostname() }));
    const warnings: string[] = [];
    await runPipeline({
      source: memorySource(run.dir, run.records),
      labelers: [matchLabeler],
      writers: [intermediateWriter({ outDir: out })],
      logger: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    expect(warnings.join("\n")).toMatch(/torn line/);
    expect(warnings.join("\n")).toMatch(/temp file/);
    expect(await fs.readFile(manifestPath, "utf8")).toBe(text);
    expect(await fs.readdir(path.join(out, "annotations"))).toHaveLength(2);
  });

  it("after a crash, boxes a lost record left in an image's annotation file are merged, not overwritten", async () => {
    const out = await tempDir();
    await exportRun(out, run.records.slice(0, 2)); // a.png only
    // The crashed session had flushed b.png's annotation file but not its manifest line.
    const bId = idOf(screenB);
    const lost = { bbox: [1, 2, 30, 40], category_id: 0, category_name: "login_button", confidence: 0.5, source: "template_matching", verified: false };
    const doc = { image_id: bId, image_filename: `${bId}.png`, image_width: 640, image_height: 400, annotations: [lost], context: {}, version: "1.0.0" };
    await fs.writeFile(path.join(out, "annotations", `${bId}.json`), JSON.stringify(doc));
    await fs.writeFile(path.join(out, ".qontinui/lock"), JSON.stringify({ pid: 2 ** 22 + 777, hostname: (await import("node:os")).hostname() }));
    await exportRun(out, run.records.slice(2, 3)); // r3: a box on b.png
    const merged = JSON.parse(await fs.readFile(path.join(out, "annotations", `${bId}.json`), "utf8")) as { annotations: { bbox: number[] }[] };
    expect(merged.annotations.map((a) => a.bbox)).toEqual([[1, 2, 30, 40], [600, 380, 40, 20]]);
  });

  it("keeps annotation files, index and manifest in step across many flushes written in the background", async () => {
    const out = await tempDir();
    const many = Array.from({ length: 40 }, (_, i) =>
      record(`m${i}`, i % 2 ? "a.png" : "b.png", { match_summary: match(`el_${i % 7}`, 5 + i, 6, 20, 10, 0.9) }),
    );
    await exportRun(out, many, { flushEvery: 3 });
    const manifest = await readManifest(out);
    expect(manifest.map((e) => e.action_id)).toEqual(many.map((r) => r.action_id));
    const dataset = await openDataset(out);
    const boxes = [...(await dataset.image(idOf(screenA))).annotations, ...(await dataset.image(idOf(screenB))).annotations];
    expect(boxes).toHaveLength(40);
    // Exported again: nothing appended, nothing doubled.
    await exportRun(out, many, { flushEvery: 3 });
    expect(await readManifest(out)).toHaveLength(40);
    expect(JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8")).total_annotations).toBe(40);
  });

  it("merges a screenshot's later record into its file after other screenshots' groups were flushed", async () => {
    const screens: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) screens[`s${i}.png`] = await png(64 + i, 48, [40 * i, 200 - 30 * i, 90]);
    const records = [
      record("first", "s0.png", { match_summary: match("tab", 2, 3, 10, 8, 0.9) }),
      ...[1, 2, 3, 4, 5].flatMap((i) => [
        record(`x${i}a`, `s${i}.png`, { match_summary: match("icon", i, i, 6, 6, 0.9) }),
        record(`x${i}b`, `s${i}.png`, { match_summary: match("label", i + 10, i, 6, 6, 0.9) }),
      ]),
      record("back", "s0.png", { match_summary: match("button", 20, 20, 12, 9, 0.9) }), // five groups later
    ];
    const other = await makeRun(screens, records);
    const out = await tempDir();
    await runPipeline({ source: memorySource(other.dir, records), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out, flushEvery: 2 })], logger: silentLogger });
    const s0 = await (await openDataset(out)).image(idOf(screens["s0.png"]!));
    expect(s0.annotations.map((a) => [a.categoryName, a.bbox])).toEqual([
      ["tab", [2, 3, 10, 8]],
      ["button", [20, 20, 12, 9]],
    ]);
    expect(JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8")).total_annotations).toBe(12);
  });

  it("refuses to store an image that comes without its bytes (never an empty image file)", async () => {
    const out = await tempDir();
    const writer = intermediateWriter({ outDir: out });
    await writer.open({ registry: new CategoryRegistry(), datasetVersion: "1.0.0", logger: silentLogger });
    const id = idOf(screenA);
    const image = { id, sha256: id.padEnd(64, "0"), format: "png" as const, extension: ".png", width: 320, height: 200, channels: 3, byteLength: screenA.length, sourcePath: "/nowhere/a.png", bytes: Buffer.alloc(0) };
    const rec = { action_id: "x1", action_type: "FIND" } as Parameters<typeof writer.write>[0]["record"];
    await expect(writer.write({ record: rec, image, annotations: [], key: `x1:${id}` })).rejects.toThrow(/without its \d+ bytes/);
    await writer.abort?.(new Error("test"));
    expect(await fs.readdir(path.join(out, "images"))).toEqual([]);
  });

  it("stores JPEG and WebP screenshots under their real extension", async () => {
    const sharp = (await import("sharp")).default;
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#123456" } }).jpeg().toBuffer();
    const webp = await sharp({ create: { width: 50, height: 20, channels: 3, background: "#654321" } }).webp().toBuffer();
    const r = await makeRun({ "j.jpg": jpeg, "w.webp": webp }, [record("j", "j.jpg"), record("w", "w.webp")]);
    const out = await tempDir();
    await runPipeline({ source: memorySource(r.dir, r.records), labelers: [], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
    const images = (await fs.readdir(path.join(out, "images"))).sort();
    expect(images).toEqual([`${idOf(jpeg)}.jpg`, `${idOf(webp)}.webp`].sort());
    const manifest = await readManifest(out);
    expect(manifest.map((m) => m.image)).toEqual([`images/${idOf(jpeg)}.jpg`, `images/${idOf(webp)}.webp`]);
  });
});
