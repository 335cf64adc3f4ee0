import { promises as fs } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, tempDir, writeRun } from "./fixtures.js";

// The converter commands, run --format and their --help come from the format descriptors.

let runDir: string;
beforeAll(async () => {
  runDir = await writeRun({ records: 12, screens: 4 });
});

const categoryIds = async (file: string) => (JSON.parse(await fs.readFile(file, "utf8")) as { categories: { id: number }[] }).categories.map((c) => c.id).sort((a, b) => a - b);

describe("formats from their descriptors", () => {
  it("each converter's --help lists its own flags", async () => {
    for (const [name, flags] of [
      ["coco", ["--category-id-base", "--verified-only", "--min-confidence", "--drop-empty", "--split", "--link"]],
      ["yolo", ["--force", "--split", "--link"]],
      ["voc", ["--force", "--split", "--link"]],
    ] as const) {
      const io = captureIO();
      expect(await main([name, "--help"], io)).toBe(0);
      for (const f of flags) expect(io.out(), `${name} --help`).toContain(f);
    }
    const io = captureIO();
    await main(["run", "--help"], io);
    expect(io.out()).toMatch(/--category-id-base <v>\s+coco: first category id/);
  });

  it("run --format coco takes COCO's options (categoryIdBase was reachable from `coco` only), and so does --coco", async () => {
    const out = path.join(await tempDir(), "ds");
    const io = captureIO();
    expect(await main(["run", runDir, "--out", out, "--quiet", "--click-mode", "fixed", "--format", "coco,yolo", "--category-id-base", "0", "--coco"], io)).toBe(0);
    expect((await categoryIds(path.join(out, "coco", "dataset.json")))[0]).toBe(0);
    expect((await categoryIds(path.join(out, "dataset.json")))[0]).toBe(0);
    await fs.access(path.join(out, "yolo", "data.yaml"));
  });

  it("refuses a format's flag without that format, and a bad value with the flag named", async () => {
    const out = path.join(await tempDir(), "ds");
    const stray = captureIO();
    expect(await main(["run", runDir, "--out", out, "--category-id-base", "0"], stray)).toBe(2);
    expect(stray.err()).toMatch(/--category-id-base belongs to a format not in --format/);
    const bad = captureIO();
    expect(await main(["run", runDir, "--out", out, "--format", "coco", "--category-id-base", "7"], bad)).toBe(2);
    expect(bad.err()).toMatch(/--category-id-base "7"/);
    const unknown = captureIO();
    expect(await main(["run", runDir, "--out", out, "--format", "parquet"], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/unknown format "parquet".*coco, yolo, voc/);
    const conf = captureIO();
    expect(await main(["coco", out, "--min-confidence", "2"], conf)).toBe(2);
    expect(conf.err()).toMatch(/--min-confidence "2"/);
  });
});
