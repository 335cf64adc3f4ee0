import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { openDataset } from "@qontinui/intermediate-format";
import { describe, expect, it } from "vitest";
import { shardFileName, type WebZipDatasetReader, writeWebZip } from "../src/index.js";
import { reviewedSmallDataset, smallDataset } from "./datasets.js";
import { checkWithRules, fullScreen, here, makeDataset, noiseImage, readAnnotations, screen, tempDir, type TestRecord, unzip } from "./fixture.js";

const specFile = path.join(here, "..", "docs", "WEB_IMPORT.md");

interface SpecField {
  field: string;
  type: string;
  written: "always" | "never" | "ours";
}

/** The field tables of docs/WEB_IMPORT.md, by section heading: what the test holds every written record to. */
async function specTables(): Promise<Map<string, SpecField[]>> {
  const text = await fs.readFile(specFile, "utf8");
  const tables = new Map<string, SpecField[]>();
  let section: string | undefined;
  for (const line of text.split("\n")) {
    const heading = /^### (.+)$/.exec(line);
    if (heading) {
      section = heading[1]!.replace("&lt;", "<").replace("&gt;", ">").trim();
      tables.set(section, []);
      continue;
    }
    const row = /^\| `([^`]+)` \| (.+?) \| (always|never|ours) \|/.exec(line);
    if (row && section) tables.get(section)!.push({ field: row[1]!, type: row[2]!.replaceAll("\\|", "|"), written: row[3] as SpecField["written"] });
  }
  return tables;
}

/** Does a value have a spec type (`string(N)`, `integer`, `enum(a|b)`, `bbox`, `…|null`)? */
function hasType(value: unknown, type: string): boolean {
  if (type.endsWith("|null") && value === null) return true;
  const t = type.replace(/\|null$/, "");
  const sized = /^string\((\d+)\)$/.exec(t);
  if (sized) return typeof value === "string" && Array.from(value).length <= Number(sized[1]) && !value.includes("\u0000");
  const choice = /^enum\((.+)\)$/.exec(t);
  if (choice) return choice[1]!.split("|").includes(value as string);
  switch (t) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array<string>":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "array<number>":
      return Array.isArray(value) && value.every((v) => typeof v === "number");
    case "array<object>":
      return Array.isArray(value) && value.every((v) => v !== null && typeof v === "object");
    case "bbox":
      return Array.isArray(value) && value.length === 4 && value.every((v) => Number.isInteger(v));
    default:
      throw new Error(`the spec has a type this test does not know: ${type}`);
  }
}

/** Holds records to a spec table: fields written always or ours are there with their type, never-written ones are not, and nothing else is. */
function expectMatchesSpec(section: string, fields: SpecField[] | undefined, records: Record<string, unknown>[]): void {
  expect(fields, `section "${section}" in WEB_IMPORT.md`).toBeDefined();
  expect(records.length).toBeGreaterThan(0);
  const known = new Set(fields!.map((f) => f.field));
  for (const record of records) {
    for (const key of Object.keys(record)) expect(known.has(key), `${section}: ${key} is written but not in the spec`).toBe(true);
    for (const f of fields!) {
      if (f.written === "never") expect(record, `${section}: ${f.field} must not be written`).not.toHaveProperty(f.field);
      else {
        expect(record, `${section}: ${f.field}`).toHaveProperty(f.field);
        expect(hasType(record[f.field], f.type), `${section}: ${f.field} = ${JSON.stringify(record[f.field])} is not ${f.type}`).toBe(true);
      }
    }
  }
}

describe("writeWebZip", () => {
  it("golden: the small reviewed dataset's manifest, annotation files and metadata, held to the spec's field tables", async () => {
    const ds = await reviewedSmallDataset();
    const { "a.png": a, "b.png": b, "c.png": c } = ds.ids as Record<"a.png" | "b.png" | "c.png", string>;
    const out = path.join(await tempDir(), "small.zip");
    const result = await writeWebZip(ds.dir, out);
    expect(result.files).toEqual([out]);
    expect(result).toMatchObject({ images: 3, annotations: 5, skippedImages: 0, skippedAnnotations: 2, staleFiles: [] });
    expect(result.skipped).toEqual({ box_under_one_pixel: 1, box_review_rejected: 1 });
    expect(result.repaired).toEqual({ box_clipped: 1 });
    expect(result.reviewStatus).toEqual({ pending: 3, approved: 1, rejected: 0, flagged: 1 });

    const zip = unzip(out);
    // Entry order: each image with its annotation file, then the manifest and metadata.
    expect(zip.names).toEqual([
      `images/${a}.png`,
      `annotations/${a}.json`,
      `images/${b}.png`,
      `annotations/${b}.json`,
      `images/${c}.png`,
      `annotations/${c}.json`,
      "manifest.jsonl",
      "metadata.json",
    ]);
    // One line per image (a has three records), first line's facts; timestamps ISO with +00:00.
    expect(zip.manifest).toEqual([
      {
        image_path: `images/${a}.png`,
        annotation_path: `annotations/${a}.json`,
        width: 480,
        height: 300,
        action_id: "action-1",
        action_type: "FIND",
        active_states: ["Main"],
        timestamp: "2026-02-02T02:40:00.000+00:00",
        image_id: a,
        reviewed: false,
      },
      {
        image_path: `images/${b}.png`,
        annotation_path: `annotations/${b}.json`,
        width: 480,
        height: 300,
        action_id: "type-name",
        action_type: "TYPE",
        active_states: ["Dialog", "Editor"],
        timestamp: "2026-02-02T02:40:03.000+00:00",
        image_id: b,
        reviewed: false,
      },
      {
        image_path: `images/${c}.png`,
        annotation_path: `annotations/${c}.json`,
        width: 480,
        height: 300,
        action_id: "action-5",
        action_type: "WAIT",
        active_states: ["Main"],
        timestamp: "2026-02-02T02:40:04.000+00:00",
        image_id: c,
        reviewed: false,
      },
    ]);
    const boxesOf = (id: string) => (zip.json[`annotations/${id}.json`] as { annotations: Record<string, unknown>[] }).annotations;
    const brief = (box: Record<string, unknown>) => [box.bbox, box.category_name, box.source, box.element_type, box.verified, box.review_status];
    expect(boxesOf(a).map(brief)).toEqual([
      [[20, 20, 120, 40], "button", "template_matching", "unknown", true, "approved"],
      [[290, 30, 50, 50], "icon", "user_click", "unknown", false, "flagged"],
      [[10, 201, 81, 20], "link", "smart_click_analysis", "link", true, "pending"],
    ]);
    expect(boxesOf(b).map(brief)).toEqual([
      [[100, 100, 200, 30], "text field", "template_matching", "input_field", false, "pending"],
      [[450, 280, 30, 20], "button", "template_matching", "unknown", false, "pending"],
    ]);
    expect(boxesOf(c)).toEqual([]);
    expect(boxesOf(a)[2]!.inference_metadata).toEqual({
      strategy: "flood_fill",
      element_type: "link",
      // The box as stored (the writer's float arithmetic and all), before clipping and rounding.
      qontinui_export: { image_id: a, index: 2, bbox: (await readAnnotations(ds.dir, a)).annotations[2]!.bbox, category: "link", source: "smart_click_analysis" },
    });

    // Held to the spec's tables, field by field.
    const spec = await specTables();
    const docs = Object.entries(zip.json)
      .filter(([n]) => n.startsWith("annotations/"))
      .map(([, d]) => d as Record<string, unknown>);
    const boxes = docs.flatMap((d) => d.annotations as Record<string, unknown>[]);
    expectMatchesSpec("manifest.jsonl", spec.get("manifest.jsonl"), zip.manifest);
    expectMatchesSpec("annotations/<id>.json", spec.get("annotations/<id>.json"), docs);
    expectMatchesSpec("annotations[] (one box)", spec.get("annotations[] (one box)"), boxes);
    expectMatchesSpec(
      "inference_metadata.qontinui_export",
      spec.get("inference_metadata.qontinui_export"),
      boxes.map((x) => (x.inference_metadata as Record<string, unknown>).qontinui_export as Record<string, unknown>),
    );
    const metadataFields = spec.get("metadata.json")!.filter((f) => !f.field.startsWith("("));
    expectMatchesSpec("metadata.json", metadataFields, [zip.json["metadata.json"] as Record<string, unknown>]);

    // The golden files: small, reviewed by hand, ids replaced by names so they read.
    const named = (text: string) => text.replaceAll(a, "<a>").replaceAll(b, "<b>").replaceAll(c, "<c>");
    await expect(named(zip.manifest.map((l) => JSON.stringify(l)).join("\n"))).toMatchFileSnapshot("golden/small.manifest.jsonl");
    await expect(named(JSON.stringify(docs, null, 2))).toMatchFileSnapshot("golden/small.annotations.json");
    // The dataset's creation time is the one value that differs from run to run of this test.
    const metadata = zip.json["metadata.json"] as { source_dataset: { created: unknown } };
    expect(Number.isNaN(Date.parse(metadata.source_dataset.created as string))).toBe(false);
    const stable = { ...metadata, source_dataset: { ...metadata.source_dataset, created: "<created>" } };
    await expect(named(JSON.stringify(stable, null, 2))).toMatchFileSnapshot("golden/small.metadata.json");

    // Their import's rules (Python, from the spec) accept every line and box.
    const [rules] = checkWithRules([out]);
    expect(rules!.problems).toEqual([]);
    expect(rules).toMatchObject({ images: 3, annotations: 5, review_status: { pending: 3, approved: 1, flagged: 1 } });
  });

  it("full-size 1920×1080 screenshots (PNG, and JPEG bytes behind a .png name): stored byte for byte, every CRC right, accepted by the import's rules", async () => {
    const shots = { "s1.png": await fullScreen(1), "s2.png": await fullScreen(2), "s3.png": await fullScreen(3, true) };
    const records: TestRecord[] = [
      { shot: "s1.png", boxes: [{ bbox: [1400, 980, 160, 48], category: "ok_button", confidence: 0.93 }, { bbox: [1890, 1060, 60, 40], category: "corner", confidence: 0.5 }] },
      { shot: "s2.png", boxes: [{ bbox: [340, 80, 1540, 60], category: "toolbar", source: "user_click", verified: true, confidence: 1 }] },
      { shot: "s3.png", boxes: [{ bbox: [24.5, 80.5, 280, 960], category: "sidebar", confidence: 0.61 }] },
    ];
    const ds = await makeDataset(shots, records);
    const out = path.join(await tempDir(), "screens.zip");
    const result = await writeWebZip(ds.dir, out);
    expect(result).toMatchObject({ images: 3, annotations: 4, skippedImages: 0, skippedAnnotations: 0 });
    const [rules] = checkWithRules([out]);
    expect(rules!.problems).toEqual([]);
    const zip = unzip(out);
    const reader = await openDataset(ds.dir);
    for (const line of zip.manifest) {
      expect(line).toMatchObject({ width: 1920, height: 1080 });
      const image = await reader.image(line.image_id as string);
      const bytes = await fs.readFile(image.path);
      expect(zip.sizes[line.image_path as string]).toBe(bytes.length);
      // Their image_hash is the SHA-256 of the entry's bytes; our id is its first 16 characters.
      expect(createHash("sha256").update(bytes).digest("hex").startsWith(line.image_id as string)).toBe(true);
    }
    expect(zip.manifest.map((l) => path.extname(l.image_path as string)).sort()).toEqual([".jpg", ".png", ".png"]);
    const s1 = (zip.json[`annotations/${ds.ids["s1.png"]}.json`] as { annotations: { bbox: number[] }[] }).annotations;
    expect(s1.map((x) => x.bbox)).toEqual([
      [1400, 980, 160, 48],
      [1890, 1060, 30, 20],
    ]);
  });

  it("caps each ZIP by images and by bytes: F.zip, F-2.zip, …, each whole and under the cap; an image no ZIP can hold is left out and said so", async () => {
    const shots: Record<string, Buffer> = {};
    const records: TestRecord[] = [];
    // Noisy 120×60 images (~22 KB each, incompressible): two fit in the smallest cap, 64 KiB.
    for (let i = 0; i < 7; i++) {
      shots[`s${i}.png`] = await noiseImage(120, 60, i + 1);
      records.push({ shot: `s${i}.png`, boxes: [{ bbox: [10 + i, 10, 100, 30], category: "button" }] });
    }
    const ds = await makeDataset(shots, records);
    const dir = await tempDir();
    const out = path.join(dir, "F.zip");

    const byCount = await writeWebZip(ds.dir, out, { maxImagesPerZip: 3 });
    expect(byCount.files.map((f) => path.basename(f))).toEqual(["F.zip", "F-2.zip", "F-3.zip"]);
    expect(byCount.shards.map((s) => s.images)).toEqual([3, 3, 1]);
    const reports = checkWithRules(byCount.files);
    for (const r of reports) expect(r.problems).toEqual([]);
    const names = reports.flatMap((r) => r.image_names);
    expect(names).toHaveLength(7);
    expect(new Set(names).size).toBe(7);
    // Each shard is a dataset of its own: its metadata.json says which.
    expect(byCount.files.map((f) => (unzip(f).json["metadata.json"] as { shard: unknown }).shard)).toEqual([
      { number: 1, images: 3, annotations: 3 },
      { number: 2, images: 3, annotations: 3 },
      { number: 3, images: 1, annotations: 1 },
    ]);

    // By bytes: 64 KiB holds two of these images with the manifest, metadata.json and the directory.
    const cap = 64 * 1024;
    const byBytes = await writeWebZip(ds.dir, out, { maxBytesPerZip: cap });
    expect(byBytes.shards.map((s) => s.images)).toEqual([2, 2, 2, 1]);
    for (const f of byBytes.files) expect((await fs.stat(f)).size).toBeLessThanOrEqual(cap);
    expect(byBytes.shards.reduce((n, s) => n + s.images, 0)).toBe(7);
    expect(byBytes.staleFiles).toEqual([]);

    // One ZIP again: the shards of the larger export beside it are named, not used.
    const warnings: string[] = [];
    const one = await writeWebZip(ds.dir, out, { logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(one.files).toEqual([out]);
    expect(one.staleFiles.map((f) => path.basename(f))).toEqual(byBytes.files.slice(1).map((f) => path.basename(f)));
    expect(warnings.join("\n")).toMatch(/F-2\.zip.*earlier export/);

    // A full-size screenshot cannot fit in a 64 KiB ZIP: left out, counted, the rest written.
    const big = await makeDataset({ "big.png": await fullScreen(9), "small.png": shots["s0.png"]! }, [
      { shot: "big.png", boxes: [{ bbox: [1, 1, 10, 10], category: "x" }] },
      { shot: "small.png", boxes: [{ bbox: [1, 1, 10, 10], category: "x" }] },
    ]);
    const capped = await writeWebZip(big.dir, path.join(dir, "big.zip"), { maxBytesPerZip: 64 * 1024 });
    expect(capped).toMatchObject({ images: 1, skippedImages: 1, skipped: { image_larger_than_zip_cap: 1 } });
    expect(checkWithRules(capped.files)[0]!.problems).toEqual([]);
    expect(shardFileName("/x/data.set.zip", 3)).toBe("/x/data.set-3.zip");
    expect(shardFileName("/x/noext", 2)).toBe("/x/noext-2");
  });

  it("hostile category names and values: cut to their columns, kept distinct, valid JSON the import's rules accept", async () => {
    const long = "a".repeat(120);
    const names = [`${long}X`, `${long}Y`, "line\nbreak\ttab", 'quote"<tag attr=\'1\'>&amp;</tag>', "__proto__", "constructor", "../../etc/passwd", "emoji 🎉🎉 ünïcödé", "nul\u0000inside"];
    const shot = await screen(400, 300, "#ffffff", [[5, 5, 50, 50, "#000000"]]);
    const ds = await makeDataset({ "h.png": shot }, [
      { shot: "h.png", actionId: "x".repeat(300), actionType: "T".repeat(150), states: ["A\u2028B", "<state>"], boxes: names.map((category, i) => ({ bbox: [i * 10, i * 10, 20, 20] as [number, number, number, number], category })) },
    ]);
    const out = path.join(await tempDir(), "hostile.zip");
    const result = await writeWebZip(ds.dir, out);
    expect(result.annotations).toBe(names.length);
    expect(result.repaired).toMatchObject({ category_name_cut: 2, action_id_cut: 1, action_type_cut: 1 });
    const [rules] = checkWithRules([out]);
    expect(rules!.problems).toEqual([]);
    const zip = unzip(out);
    const boxes = (zip.json[`annotations/${ds.ids["h.png"]}.json`] as { annotations: { category_name: string; category_id: number }[] }).annotations;
    const written = boxes.map((x) => x.category_name);
    for (const n of written) expect(Array.from(n).length).toBeLessThanOrEqual(100);
    // One name, one category: the two long names that agree on their first 100 characters stay apart.
    expect(new Set(written).size).toBe(names.length);
    expect(new Set(boxes.map((x) => x.category_id)).size).toBe(names.length);
    expect(written).toContain("__proto__");
    expect(written).toContain('quote"<tag attr=\'1\'>&amp;</tag>');
    expect(written.filter((n) => n.startsWith("a".repeat(90)))).toEqual([`${"a".repeat(100)}`, `${"a".repeat(98)}~1`]);
    expect(zip.manifest[0]).toMatchObject({ action_id: "x".repeat(255), action_type: "T".repeat(100) });
  });

  it("the same dataset gives the same bytes; writes are atomic (a failed export leaves the old ZIP and no temp files); reads only the reader members it names", async () => {
    const ds = await reviewedSmallDataset();
    const dir = await tempDir();
    const first = await writeWebZip(ds.dir, path.join(dir, "one.zip"));
    const second = await writeWebZip(ds.dir, path.join(dir, "two.zip"));
    expect((await fs.readFile(first.files[0]!)).equals(await fs.readFile(second.files[0]!))).toBe(true);

    // A reader object with only the six members, and the optional writerActive (a store would be one): same bytes.
    const real = await openDataset(ds.dir);
    const allowed = new Set(["metadata", "categories", "manifest", "imageIds", "readAnnotationFile", "image", "writerActive"]);
    const reader = new Proxy(real, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && !allowed.has(prop) && prop !== "then") throw new Error(`writeWebZip read reader.${prop}`);
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as unknown as WebZipDatasetReader;
    const viaReader = await writeWebZip(reader, path.join(dir, "three.zip"));
    expect((await fs.readFile(viaReader.files[0]!)).equals(await fs.readFile(first.files[0]!))).toBe(true);

    // Aborted halfway: one.zip is as it was, nothing else appears in the directory.
    const before = await fs.readFile(first.files[0]!);
    const listing = (await fs.readdir(dir)).sort();
    const controller = new AbortController();
    await expect(
      writeWebZip(ds.dir, path.join(dir, "one.zip"), { maxImagesPerZip: 1, signal: controller.signal, onProgress: (p) => p.imagesDone === 2 && controller.abort(new Error("stop")) }),
    ).rejects.toThrow("stop");
    expect((await fs.readFile(first.files[0]!)).equals(before)).toBe(true);
    expect((await fs.readdir(dir)).sort()).toEqual(listing);

    // Options are checked before anything is read.
    await expect(writeWebZip(ds.dir, path.join(dir, "x.zip"), { maxImagesPerZip: 0 })).rejects.toThrow(/maxImagesPerZip/);
    await expect(writeWebZip(ds.dir, path.join(dir, "x.zip"), { maxBytesPerZip: 1000 })).rejects.toThrow(/maxBytesPerZip/);
  });

  it("says when an export holds the dataset (its boxes may not all be in annotations/ yet)", async () => {
    const ds = await reviewedSmallDataset();
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (m: string) => warnings.push(m) };
    await writeWebZip(ds.dir, path.join(await tempDir(), "quiet.zip"), { logger });
    expect(warnings.filter((w) => w.includes("an export is writing"))).toEqual([]);
    await fs.mkdir(path.join(ds.dir, ".qontinui"), { recursive: true });
    await fs.writeFile(path.join(ds.dir, ".qontinui", "lock"), "{}");
    await writeWebZip(ds.dir, path.join(await tempDir(), "warned.zip"), { logger });
    expect(warnings.filter((w) => w.includes("an export is writing"))).toHaveLength(1);
  });

  it("a missing image file and a torn manifest line are left out and counted; an empty dataset gives one empty ZIP the import takes", async () => {
    const ds = await smallDataset();
    const b = ds.ids["b.png"]!;
    await fs.rm(path.join(ds.dir, "images", `${b}.png`));
    await fs.appendFile(path.join(ds.dir, "manifest.jsonl"), '{"id": "0123456789abcdef", "image": "images/01');
    const warnings: string[] = [];
    const out = path.join(await tempDir(), "partial.zip");
    const result = await writeWebZip(ds.dir, out, { logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    expect(result).toMatchObject({ images: 2, skippedImages: 1, skipped: { image_missing: 1, manifest_line_invalid: 1 } });
    expect(warnings.join("\n")).toMatch(new RegExp(`image ${b} left out \\(image_missing\\)`));
    const [rules] = checkWithRules([out]);
    expect(rules!.problems).toEqual([]);
    expect(rules!.images).toBe(2);

    const empty = await tempDir();
    await fs.writeFile(path.join(empty, "metadata.json"), JSON.stringify({ dataset_version: "1.0.0", category_map: {}, total_images: 0, total_annotations: 0 }));
    await fs.writeFile(path.join(empty, "manifest.jsonl"), "");
    const none = await writeWebZip(empty, path.join(empty, "..", `${path.basename(empty)}.zip`));
    expect(none).toMatchObject({ images: 0, annotations: 0 });
    expect(none.files).toHaveLength(1);
    expect(unzip(none.files[0]!).names).toEqual(["manifest.jsonl", "metadata.json"]);
    expect(checkWithRules(none.files)[0]).toMatchObject({ images: 0, problems: [] });
  });

  it("ZIP64 fields (forced, as past 4 GiB): Python reads every entry and CRC; categoryIdBase 1 and stored JSON", async () => {
    const ds = await smallDataset();
    const out = path.join(await tempDir(), "z64.zip");
    const result = await writeWebZip(ds.dir, out, { forceZip64: true, categoryIdBase: 1, compressJson: false });
    const [rules] = checkWithRules([out]);
    expect(rules!.problems).toEqual([]);
    expect(rules!.annotations).toBe(result.annotations);
    const zip = unzip(out);
    const ids = Object.entries(zip.json)
      .filter(([n]) => n.startsWith("annotations/"))
      .flatMap(([, d]) => (d as { annotations: { category_id: number }[] }).annotations.map((x) => x.category_id));
    expect(Math.min(...ids)).toBe(1);
    expect((zip.json["metadata.json"] as { category_id_base: number }).category_id_base).toBe(1);
  });
});
