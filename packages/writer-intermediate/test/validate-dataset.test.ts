import { promises as fs } from "node:fs";
import path from "node:path";
import { runPipeline, silentLogger, validateAgainst } from "@qontinui/export-core";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { intermediateWriter, validateDataset } from "../src/index.js";
import { makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";

let run: Awaited<ReturnType<typeof makeRun>>;

beforeAll(async () => {
  run = await makeRun({ "a.png": await png(320, 200, [240, 240, 240]), "b.png": await png(640, 400, [20, 30, 40]) }, [
    record("r1", "a.png", { match_summary: match("login_button", 10, 20, 50, 30, 0.93) }),
    record("r2", "b.png", { match_summary: match("search <field>", 600, 380, 80, 40, 0.7) }),
    record("r3", "b.png", { action_type: "TYPE" }),
  ]);
});

async function exported(): Promise<string> {
  const out = await tempDir();
  await runPipeline({ source: memorySource(run.dir, run.records), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
  return out;
}

async function firstAnnotationFile(out: string): Promise<string> {
  const line = (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n")[0]!;
  return path.join(out, (JSON.parse(line) as { annotations: string }).annotations);
}

describe("JSON Schemas of the intermediate files", () => {
  it("every file the writer wrote validates against its schema", async () => {
    const out = await exported();
    expect(validateAgainst("metadata", JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8")))).toEqual({ ok: true });
    const lines = (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(validateAgainst("manifest-entry", JSON.parse(l))).toEqual({ ok: true });
    const annotationFiles = await fs.readdir(path.join(out, "annotations"));
    expect(annotationFiles).toHaveLength(2);
    for (const f of annotationFiles) {
      expect(validateAgainst("annotation-file", JSON.parse(await fs.readFile(path.join(out, "annotations", f), "utf8")))).toEqual({ ok: true });
    }
  });

  it("the schemas refuse what is wrong (a negative width, a missing field, a bad id)", () => {
    const bad = validateAgainst("manifest-entry", { id: "XYZ", image: "/etc/passwd" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.join("\n")).toMatch(/\/id: must match pattern/);
      expect(bad.errors.join("\n")).toMatch(/must have required property 'action_id'/);
    }
    const box = validateAgainst("annotation-file", {
      image_id: "0123456789abcdef",
      image_filename: "0123456789abcdef.png",
      image_width: 10,
      image_height: 10,
      annotations: [{ bbox: [0, 0, -1, 5], category_id: 0, category_name: "x", confidence: 1.5, source: "s", verified: true }],
      context: { action_type: null, active_states: [], timestamp: null, success: null },
      version: "1.0.0",
    });
    expect(box.ok).toBe(false);
    if (!box.ok) expect(box.errors).toEqual(expect.arrayContaining(["/annotations/0/bbox/2: must be > 0", "/annotations/0/confidence: must be <= 1"]));
  });
});

describe("validateDataset", () => {
  it("passes a dataset the writer wrote", async () => {
    const report = await validateDataset(await exported());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checked).toEqual({ manifestLines: 3, images: 2, annotationFiles: 2, boxes: 2 });
  });

  it("passes full-size screenshots (1920×1080 PNG and JPEG, far over 64 KiB) and finds one cut short", async () => {
    // Noise makes the files realistically large: a prefix of the file is not the whole image.
    const noise = (w: number, h: number) => sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: w, height: h, channels: 3 } });
    const big = await makeRun({ "full.png": await noise(1920, 1080).png().toBuffer(), "full.jpg": await noise(1920, 1080).jpeg({ quality: 85 }).toBuffer() }, [
      record("p", "full.png", { match_summary: match("save", 1800, 1000, 96, 32, 0.9) }),
      record("j", "full.jpg", { match_summary: match("open", 10, 10, 96, 32, 0.9) }),
    ]);
    for (const f of ["full.png", "full.jpg"]) expect((await fs.stat(path.join(big.dir, "screenshots", f))).size).toBeGreaterThan(100 * 1024);
    const out = await tempDir();
    await runPipeline({ source: memorySource(big.dir, big.records), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
    const report = await validateDataset(out);
    expect(report.problems).toEqual([]);
    expect(report.checked).toMatchObject({ images: 2, boxes: 2 });

    const jpeg = (await fs.readdir(path.join(out, "images"))).find((f) => f.endsWith(".jpg"))!;
    const file = path.join(out, "images", jpeg);
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 1000));
    const cut = await validateDataset(out);
    expect(cut.problems.map((p) => p.message).join("\n")).toMatch(/no end-of-image marker/);
  });

  it("finds an image whose bytes no longer match its name", async () => {
    const out = await exported();
    const [img] = await fs.readdir(path.join(out, "images"));
    await fs.appendFile(path.join(out, "images", img!), Buffer.from([0]));
    const report = await validateDataset(out);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({ file: `images/${img}`, message: expect.stringMatching(/content hash is [0-9a-f]{16}, not/) });
  });

  it("finds a missing image, a box outside its image, a wrong category and wrong totals", async () => {
    const out = await exported();
    const annFile = await firstAnnotationFile(out);
    const ann = JSON.parse(await fs.readFile(annFile, "utf8"));
    ann.annotations[0].bbox = [300, 190, 50, 30];
    ann.annotations[0].category_name = "not_in_map";
    await fs.writeFile(annFile, JSON.stringify(ann));
    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    meta.total_annotations = 7;
    await fs.writeFile(path.join(out, "metadata.json"), JSON.stringify(meta));
    const report = await validateDataset(out);
    const messages = report.problems.map((p) => `${p.file}: ${p.message}`).join("\n");
    expect(messages).toMatch(/annotations\/[0-9a-f]{16}\.json: \/annotations\/0: box \[300,190,50,30\] is not inside the 320×200 image/);
    expect(messages).toMatch(/category_id 0 is "login_button" in metadata.json, but the box says "not_in_map"/);
    expect(messages).toMatch(/metadata.json: total_annotations is 7 but the annotation files hold 2 boxes/);

    const [img] = await fs.readdir(path.join(out, "images"));
    await fs.rm(path.join(out, "images", img!));
    const again = await validateDataset(out);
    expect(again.problems).toContainEqual({ file: `images/${img}`, message: "named by manifest.jsonl but missing" });
  });

  it("reports a malformed manifest line with its line number", async () => {
    const out = await exported();
    await fs.appendFile(path.join(out, "manifest.jsonl"), '{"id": "0123456789abcdef", "image": "images/0123');
    const report = await validateDataset(out);
    expect(report.problems).toContainEqual({ file: "manifest.jsonl", line: 4, message: expect.stringMatching(/not valid JSON/) });
  });

  it("finds a record written twice (two writers that raced) and statistics claiming records it does not hold", async () => {
    const out = await exported();
    const manifest = path.join(out, "manifest.jsonl");
    const [first] = (await fs.readFile(manifest, "utf8")).split("\n");
    await fs.appendFile(manifest, `${first}\n`);
    const report = await validateDataset(out);
    expect(report.problems).toContainEqual({ file: "manifest.jsonl", line: 4, message: expect.stringMatching(/repeats the record of line 1/) });

    const metaFile = path.join(out, "metadata.json");
    const meta = JSON.parse(await fs.readFile(metaFile, "utf8"));
    meta.statistics.records_with_screenshots = 1358;
    await fs.writeFile(metaFile, JSON.stringify(meta));
    expect((await validateDataset(out)).problems).toContainEqual({
      file: "metadata.json",
      message: "statistics.records_with_screenshots is 1358 but manifest.jsonl holds 4 records",
    });
  });

  it("says what is wrong with a directory that is not a dataset", async () => {
    const report = await validateDataset(await tempDir());
    expect(report.ok).toBe(false);
    expect(report.problems[0]!.message).toMatch(/not an intermediate dataset: no metadata.json/);
  });
});
