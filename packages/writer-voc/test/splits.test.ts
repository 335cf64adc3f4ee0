import { promises as fs } from "node:fs";
import path from "node:path";
import type { DatasetImage } from "@qontinui/export-core";
import { encodePng } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { convertVoc } from "../src/index.js";
import { box, memoryInput, tempDir } from "./helpers.js";

async function images(root: string, n: number): Promise<DatasetImage[]> {
  const out: DatasetImage[] = [];
  for (let i = 0; i < n; i++) {
    const id = (0xabc000 + i).toString(16).padStart(16, "0");
    const file = path.join(root, `${id}.png`);
    await fs.writeFile(file, encodePng(8, 8, () => [i, i, i]));
    out.push({ id, fileName: `${id}.png`, path: file, width: 8, height: 8, channels: 3, activeStates: [], annotations: [box("b", 0, [1, 1, 3, 3])] });
  }
  return out;
}

async function readSets(dir: string): Promise<Record<string, string[]>> {
  const main = path.join(dir, "ImageSets", "Main");
  const sets: Record<string, string[]> = {};
  for (const f of await fs.readdir(main)) {
    const text = await fs.readFile(path.join(main, f), "utf8");
    sets[f.replace(/\.txt$/, "")] = text.split("\n").filter((l) => l !== "");
  }
  return sets;
}

describe("splits", () => {
  it("writes disjoint, covering, reproducible ImageSets/Main files", async () => {
    const root = await tempDir();
    const imgs = await images(root, 20);
    const split = { ratios: [0.5, 0.25, 0.25], seed: 3 };
    const a = await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs, split), { outDir: path.join(root, "a") });
    const b = await convertVoc(memoryInput([{ id: 0, name: "b" }], [...imgs].reverse(), split), { outDir: path.join(root, "b") });
    expect(a.splits).toEqual({ train: 10, val: 5, test: 5 });
    expect(b.splits).toEqual(a.splits);
    const setsA = await readSets(path.join(root, "a"));
    const setsB = await readSets(path.join(root, "b"));
    expect(setsB).toEqual(setsA);
    const all = [...setsA.train!, ...setsA.val!, ...setsA.test!];
    expect(new Set(all).size).toBe(20);
    expect(all.sort()).toEqual(imgs.map((i) => i.id).sort());
    expect(Object.keys(setsA).sort()).toEqual(["test", "train", "trainval", "val"]);
    expect(setsA.trainval).toEqual([...setsA.train!, ...setsA.val!].sort());
    const xmls = (await fs.readdir(path.join(root, "a", "Annotations"))).map((f) => f.replace(/\.xml$/, "")).sort();
    expect(xmls).toEqual(all.sort());
    // Another seed gives another assignment.
    const c = path.join(root, "c");
    await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs, { ratios: [0.5, 0.25, 0.25], seed: 4 }), { outDir: c });
    expect((await readSets(c)).train).not.toEqual(setsA.train);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("lists every image in train.txt and trainval.txt without a split (val.txt empty), and reports progress", async () => {
    const root = await tempDir();
    const imgs = await images(root, 3);
    const progress: [number, number][] = [];
    const summary = await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs), {
      outDir: path.join(root, "out"),
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(summary.splits).toEqual({ train: 3 });
    const ids = imgs.map((i) => i.id).sort();
    expect(await readSets(path.join(root, "out"))).toEqual({ train: ids, val: [], trainval: ids });
    expect(progress).toEqual([[1, 3], [2, 3], [3, 3]]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("writes no test.txt for a two-part split, and trainval = train ∪ val, sorted", async () => {
    const root = await tempDir();
    const imgs = await images(root, 9);
    const out = path.join(root, "out");
    const summary = await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs, { ratios: [2 / 3, 1 / 3], seed: 7 }), { outDir: out });
    expect(summary.splits).toEqual({ train: 6, val: 3 });
    const sets = await readSets(out);
    expect(Object.keys(sets).sort()).toEqual(["train", "trainval", "val"]);
    expect(sets.trainval).toEqual(imgs.map((i) => i.id).sort());
    expect(sets.trainval).toEqual([...sets.train!, ...sets.val!].sort());
    await fs.rm(root, { recursive: true, force: true });
  });
});
