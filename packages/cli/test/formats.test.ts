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
      ["voc", ["--force", "--split", "--link", "--quality", "--keep-original", "--keep-duplicates"]],
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

describe("one element, one box; one split, one membership", () => {
  /** A template match and a click on the same 50×50 element of each screen. */
  async function duplicateRun(): Promise<string> {
    const dir = await writeRun({ records: 0, screens: 6 });
    const lines = [];
    for (let s = 0; s < 6; s++) {
      const base = { start_time: 1700000000 + s, active_states_before: ["main"], success: true, screenshot_reference: `screenshots/screen_${s}.png` };
      lines.push(
        JSON.stringify({ ...base, action_id: `find-${s}`, action_type: "FIND", match_summary: { found: true, image_id: "login_button", location: { x: 55, y: 50 }, template_size: { width: 50, height: 50 }, confidence: 0.93 } }),
        JSON.stringify({ ...base, action_id: `click-${s}`, action_type: "CLICK", clicked_location: [80, 75], click_target_type: "button" }),
      );
    }
    await fs.writeFile(path.join(dir, "records.jsonl"), `${lines.join("\n")}\n`);
    return dir;
  }
  const boxesOf = async (file: string) =>
    JSON.parse(await fs.readFile(file, "utf8")) as { annotations: { category_id: number; merged_from?: unknown[] }[]; categories: { id: number; name: string }[] };

  it("converters merge a template box and a click box on one element (the dataset keeps both); --keep-duplicates keeps them", async () => {
    const run = await duplicateRun();
    const out = path.join(await tempDir(), "ds");
    const io = captureIO();
    expect(await main(["run", run, "--out", out, "--quiet", "--click-mode", "fixed", "--format", "coco,yolo", "--json"], io)).toBe(0);
    const summary = JSON.parse(io.out()) as { statistics: { annotationsCreated: number }; writers: { writer: string; duplicatesMerged?: number }[] };
    expect(summary.writers.find((w) => w.writer === "coco")?.duplicatesMerged).toBe(6);
    const inPass = await boxesOf(path.join(out, "coco", "dataset.json"));
    expect(inPass.annotations).toHaveLength(6);
    const names = new Map(inPass.categories.map((c) => [c.id, c.name]));
    expect(new Set(inPass.annotations.map((a) => names.get(a.category_id)))).toEqual(new Set(["login_button"]));
    expect(inPass.annotations.every((a) => Array.isArray(a.merged_from) && a.merged_from.length === 1)).toBe(true);
    // The dataset is the curation format: it keeps both boxes of each screen.
    let stored = 0;
    for (const f of await fs.readdir(path.join(out, "annotations"))) stored += (JSON.parse(await fs.readFile(path.join(out, "annotations", f), "utf8")) as { annotations: unknown[] }).annotations.length;
    expect(stored).toBe(12);
    const yoloLines = (await Promise.all((await fs.readdir(path.join(out, "yolo", "labels", "train"))).map((f) => fs.readFile(path.join(out, "yolo", "labels", "train", f), "utf8"))))
      .join("")
      .trim()
      .split("\n");
    expect(yoloLines).toHaveLength(6);

    const merged = captureIO();
    expect(await main(["coco", out, "--out", path.join(out, "merged.json"), "--quiet"], merged)).toBe(0);
    expect((await boxesOf(path.join(out, "merged.json"))).annotations).toHaveLength(6);
    const kept = captureIO();
    expect(await main(["coco", out, "--out", path.join(out, "kept.json"), "--quiet", "--keep-duplicates"], kept)).toBe(0);
    expect((await boxesOf(path.join(out, "kept.json"))).annotations).toHaveLength(12);
  });

  it("the same split seed puts the same images in each split of COCO (coco2017), YOLO and VOC, in the pass and converted", async () => {
    const out = path.join(await tempDir(), "ds");
    const split = ["--split", "0.5,0.3,0.2", "--seed", "4"];
    expect(await main(["run", runDir, "--out", out, "--quiet", "--click-mode", "fixed", "--format", "coco,yolo,voc", "--layout", "coco2017", ...split], captureIO())).toBe(0);
    const conv = path.join(await tempDir(), "converted");
    expect(await main(["coco", out, "--out", path.join(conv, "coco"), "--layout", "coco2017", "--quiet", ...split], captureIO())).toBe(0);
    expect(await main(["yolo", out, "--out", path.join(conv, "yolo"), "--quiet", ...split], captureIO())).toBe(0);
    expect(await main(["voc", out, "--out", path.join(conv, "voc"), "--quiet", ...split], captureIO())).toBe(0);
    const stem = (f: string) => f.replace(/\.[^.]+$/, "");
    const membership = async (root: string) => {
      const m: Record<string, Record<string, string[]>> = { coco: {}, yolo: {}, voc: {} };
      for (const s of ["train", "val", "test"]) {
        const coco = JSON.parse(await fs.readFile(path.join(root, "coco", "annotations", `${s}.json`), "utf8")) as { images: { file_name: string }[] };
        m.coco![s] = coco.images.map((i) => stem(i.file_name)).sort();
        m.yolo![s] = (await fs.readdir(path.join(root, "yolo", "images", s))).map(stem).sort();
        m.voc![s] = (await fs.readFile(path.join(root, "voc", "ImageSets", "Main", `${s}.txt`), "utf8")).split("\n").filter(Boolean).sort();
      }
      return m;
    };
    const inPass = await membership(out);
    expect(inPass.coco!.train!.length).toBeGreaterThan(0);
    expect(inPass.yolo).toEqual(inPass.coco);
    expect(inPass.voc).toEqual(inPass.coco);
    expect(await membership(conv)).toEqual(inPass);
  });
});

describe("--reviewed-only", () => {
  it("converts only the images whose every record a person reviewed", async () => {
    const out = path.join(await tempDir(), "ds");
    expect(await main(["run", runDir, "--out", out, "--quiet", "--click-mode", "fixed"], captureIO())).toBe(0);
    const manifest = path.join(out, "manifest.jsonl");
    const entries = (await fs.readFile(manifest, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; reviewed: boolean });
    const [first, second] = [...new Set(entries.map((e) => e.id))];
    // All of the first image's lines reviewed, only one of the second's.
    let secondSeen = false;
    for (const e of entries) {
      if (e.id === first) e.reviewed = true;
      if (e.id === second && !secondSeen) {
        e.reviewed = true;
        secondSeen = true;
      }
    }
    await fs.writeFile(manifest, `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
    for (const format of ["yolo", "voc", "coco"]) {
      const io = captureIO();
      const target = path.join(out, `reviewed-${format}`);
      expect(await main([format, out, "--out", format === "coco" ? `${target}.json` : target, "--reviewed-only", "--json", "--quiet"], io), io.err()).toBe(0);
      expect((JSON.parse(io.out()) as { images: number }).images, format).toBe(1);
    }
  });
});
