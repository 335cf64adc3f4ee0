import { promises as fs } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, listFiles, screenshot, tempDir } from "./fixtures.js";

const good = (id: string, ref: string, extra: Record<string, unknown> = {}) => JSON.stringify({ action_id: id, action_type: "FIND", start_time: 1, screenshot_reference: ref, ...extra });
const matchAt = (name: unknown, x: number, y: number, w: number, h: number, confidence: unknown = 0.9) => ({
  match_summary: { found: true, image_id: name, location: { x, y }, template_size: { width: w, height: h }, confidence },
});

interface Case {
  name: string;
  line: () => string;
  /** "skipped" records are not exported; "exported" ones are, possibly with a repair. */
  outcome: "skipped" | "exported";
  reason?: string;
}

let outsideDir = "";
// Each hostile input is one line of records.jsonl; `line` is built once the files exist.
const CASES: Case[] = [
  { name: "malformed JSON line", line: () => "{ this is not json", outcome: "skipped", reason: "malformed_json" },
  { name: "record without action_id", line: () => JSON.stringify({ action_type: "CLICK", screenshot_reference: "screenshots/ok.png" }), outcome: "skipped", reason: "invalid_record" },
  { name: "screenshot_reference with ..", line: () => good("dotdot", "../outside/secret.png"), outcome: "skipped", reason: "path_escapes_root" },
  { name: "screenshot_reference with .. inside the path", line: () => good("dotdot-deep", "screenshots/../../outside/secret.png"), outcome: "skipped", reason: "path_escapes_root" },
  { name: "absolute screenshot_reference", line: () => good("absolute", path.join(outsideDir, "secret.png")), outcome: "skipped", reason: "path_escapes_root" },
  { name: "symlink pointing outside the run", line: () => good("symlink", "screenshots/link-out.png"), outcome: "skipped", reason: "path_escapes_root" },
  { name: "corrupt PNG", line: () => good("corrupt", "screenshots/corrupt.png"), outcome: "skipped", reason: "screenshot_corrupt" },
  { name: "truncated PNG", line: () => good("truncated", "screenshots/truncated.png"), outcome: "skipped", reason: "screenshot_corrupt" },
  { name: "zero-byte file", line: () => good("empty", "screenshots/empty.png"), outcome: "skipped", reason: "screenshot_corrupt" },
  { name: "decompression bomb (tiny file, huge declared size)", line: () => good("bomb", "screenshots/bomb.png"), outcome: "skipped", reason: "screenshot_too_large" },
  { name: "missing screenshot", line: () => good("missing", "screenshots/nope.png"), outcome: "skipped", reason: "screenshot_missing" },
  { name: "JPEG screenshot", line: () => good("jpeg", "screenshots/photo.jpg", matchAt("photo_button", 5, 5, 10, 10)), outcome: "exported" },
  { name: "WebP screenshot", line: () => good("webp", "screenshots/modern.webp"), outcome: "exported" },
  { name: "box outside the image", line: () => good("box-out", "screenshots/ok.png", matchAt("far", 5000, 5000, 10, 10)), outcome: "exported", reason: "box_outside_image" },
  // Python's json module writes NaN bare: the record is kept, the size is unusable.
  { name: "NaN box size", line: () => good("box-nan", "screenshots/ok.png", matchAt("nan", 1, 1, 12345, 10)).replace("12345", "NaN"), outcome: "exported", reason: "match_incomplete" },
  { name: "negative box size", line: () => good("box-neg", "screenshots/ok.png", matchAt("neg", 1, 1, -10, 10)), outcome: "exported", reason: "box_invalid_size" },
  { name: "box over the image's edge (the match was found on another screen)", line: () => good("box-edge", "screenshots/ok.png", matchAt("edge", 300, 190, 50, 50)), outcome: "exported", reason: "template_box_exceeds_image" },
  { name: "confidence as a string", line: () => good("conf-string", "screenshots/ok.png", matchAt("conf_string", 20, 20, 10, 10, "0.75")), outcome: "exported", reason: "confidence_repaired" },
  { name: "confidence 1.7", line: () => good("conf-high", "screenshots/ok.png", matchAt("conf_high", 30, 30, 10, 10, 1.7)), outcome: "exported", reason: "confidence_repaired" },
  { name: 'category name with <>&"', line: () => good("name-xml", "screenshots/ok.png", matchAt('<b>&"x"</b>', 40, 40, 10, 10)), outcome: "exported" },
  { name: "category name with / and ..", line: () => good("name-path", "screenshots/ok.png", matchAt("../../etc/passwd", 50, 50, 10, 10)), outcome: "exported" },
  { name: "category name with a newline", line: () => good("name-newline", "screenshots/ok.png", matchAt("two\nlines", 60, 60, 10, 10)), outcome: "exported", reason: "category_name_repaired" },
  { name: "category name of 300 characters", line: () => good("name-long", "screenshots/ok.png", matchAt("n".repeat(300), 70, 70, 10, 10)), outcome: "exported", reason: "category_name_repaired" },
];

let root = "";
let out = "";
let secret: Buffer;
let outsideBefore: string[] = [];
let statistics: { problems: { byReason: Record<string, number> }; recordsSkipped: number; recordsExported: number };
let problems: { line: number | null; action_id: string | null; reason: string; severity: string; message: string }[] = [];
let exportedIds = new Set<string>();
const lineOf = (c: Case) => CASES.indexOf(c) + 2; // line 1 is a good record

beforeAll(async () => {
  root = await tempDir("qx-hostile-");
  const runDir = path.join(root, "run");
  outsideDir = path.join(root, "outside");
  await fs.mkdir(path.join(runDir, "screenshots"), { recursive: true });
  await fs.mkdir(outsideDir);
  secret = await screenshot(99);
  await fs.writeFile(path.join(outsideDir, "secret.png"), secret);

  const png = await screenshot(1);
  await fs.writeFile(path.join(runDir, "screenshots/ok.png"), png);
  await fs.writeFile(path.join(runDir, "screenshots/truncated.png"), png.subarray(0, Math.floor(png.length / 2)));
  await fs.writeFile(path.join(runDir, "screenshots/corrupt.png"), Buffer.concat([png.subarray(0, 8), Buffer.from("garbage garbage garbage garbage")]));
  await fs.writeFile(path.join(runDir, "screenshots/empty.png"), Buffer.alloc(0));
  const bomb = Buffer.from(await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).png().toBuffer());
  bomb.writeUInt32BE(200000, 16);
  bomb.writeUInt32BE(200000, 20);
  await fs.writeFile(path.join(runDir, "screenshots/bomb.png"), bomb);
  await fs.writeFile(path.join(runDir, "screenshots/photo.jpg"), await sharp(png).jpeg().toBuffer());
  await fs.writeFile(path.join(runDir, "screenshots/modern.webp"), await sharp(png).webp().toBuffer());
  await fs.symlink(path.join(outsideDir, "secret.png"), path.join(runDir, "screenshots/link-out.png"));

  const lines = [good("ok-1", "screenshots/ok.png", matchAt("ok_button", 10, 10, 30, 20)), ...CASES.map((c) => c.line())];
  await fs.writeFile(path.join(runDir, "records.jsonl"), `${lines.join("\n")}\n`);
  outsideBefore = await listFiles(outsideDir);

  out = path.join(root, "dataset");
  const problemsFile = path.join(root, "problems.jsonl");
  const io = captureIO();
  expect(await main(["run", runDir, "--out", out, "--json", "--click-mode", "fixed", "--problems", problemsFile], io)).toBe(0);
  statistics = JSON.parse(io.out()).statistics;
  problems = (await fs.readFile(problemsFile, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  await fs.rm(problemsFile);
  const manifest = (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean);
  exportedIds = new Set(manifest.map((l) => (JSON.parse(l) as { action_id: string }).action_id));
});

describe("hostile input: each case is skipped or repaired with a named reason; the export goes on", () => {
  it.each(CASES)("$name → $outcome $reason", (c) => {
    const line = lineOf(c);
    const mine = problems.filter((p) => p.line === line);
    if (c.reason) expect(mine.map((p) => p.reason)).toContain(c.reason);
    else expect(mine).toEqual([]);
    for (const p of mine) expect(p.message.length).toBeGreaterThan(10);
    // Not JSON.parse: some lines are not JSON on purpose (bare NaN, as Python writes it).
    const id = /"action_id":"([^"]+)"/.exec(c.line())?.[1];
    if (c.outcome === "skipped") {
      expect(mine.some((p) => p.severity === "skipped")).toBe(true);
      if (id) expect(exportedIds.has(id)).toBe(false);
    } else {
      expect(mine.every((p) => p.severity !== "skipped")).toBe(true);
      expect(exportedIds.has(id!)).toBe(true);
    }
  });

  it("counts every reason in the statistics and exports the rest", () => {
    const skipped = CASES.filter((c) => c.outcome === "skipped").length;
    expect(statistics.recordsSkipped).toBe(skipped);
    expect(statistics.recordsExported).toBe(CASES.length + 1 - skipped);
    expect(statistics.problems.byReason).toMatchObject({ malformed_json: 1, invalid_record: 1, path_escapes_root: 4, screenshot_corrupt: 3, screenshot_too_large: 1, screenshot_missing: 1 });
  });

  it("reads and writes nothing outside the run and the output; the secret never reaches the dataset", async () => {
    expect(await listFiles(outsideDir)).toEqual(outsideBefore);
    expect((await fs.readdir(root)).sort()).toEqual(["dataset", "outside", "run"]);
    const images = await fs.readdir(path.join(out, "images"));
    for (const f of images) expect(await fs.readFile(path.join(out, "images", f))).not.toEqual(secret);
    // JPEG and WebP are accepted and stored under their real extension.
    expect(images.some((f) => f.endsWith(".jpg"))).toBe(true);
    expect(images.some((f) => f.endsWith(".webp"))).toBe(true);
  });

  it("keeps hostile category names as data, never as paths, and the dataset validates", async () => {
    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    const names = Object.keys(meta.category_map);
    expect(names).toContain('<b>&"x"</b>');
    expect(names).toContain("../../etc/passwd");
    expect(names).toContain("two lines");
    expect(names.find((n) => n.startsWith("nnn"))).toHaveLength(128);
    for (const n of names) expect(n).not.toMatch(/[\n\r]/);
    expect((await listFiles(out)).every((f) => /^(\.qontinui\/|images\/|annotations\/|manifest\.jsonl|metadata\.json)/.test(f))).toBe(true);
    expect(await main(["validate", out], captureIO())).toBe(0);
  });
});
