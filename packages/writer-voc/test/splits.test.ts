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
    expect(setsA.trainval!.sort()).toEqual([...setsA.train!, ...setsA.val!].sort());
    const xmls = (await fs.readdir(path.join(root, "a", "Annotations"))).map((f) => f.replace(/\.xml$/, "")).sort();
    expect(xmls).toEqual(all.sort());
    // Another seed gives another assignment.
    const c = path.join(root, "c");
    await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs, { ratios: [0.5, 0.25, 0.25], seed: 4 }), { outDir: c });
    expect((await readSets(c)).train).not.toEqual(setsA.train);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("lists every image in train.txt without a split, and reports progress", async () => {
    const root = await tempDir();
    const imgs = await images(root, 3);
    const progress: [number, number][] = [];
    const summary = await convertVoc(memoryInput([{ id: 0, name: "b" }], imgs), {
      outDir: path.join(root, "out"),
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(summary.splits).toEqual({ train: 3 });
    expect(await readSets(path.join(root, "out"))).toEqual({ train: imgs.map((i) => i.id).sort() });
    expect(progress).toEqual([[1, 3], [2, 3], [3, 3]]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
