import { promises as fs } from "node:fs";
import path from "node:path";
import {
  type Annotation,
  OutputNotEmptyError,
  type Labeler,
  runPipeline,
  silentLogger,
  type Writer,
} from "@qontinui/export-core";
import { encodePng, memorySource } from "@qontinui/export-core/testing";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { beforeAll, describe, expect, it } from "vitest";
import { toYolo, yoloWriter } from "../src/index.js";
import { listFiles, parseDataYaml, readYolo, tempDir } from "./helpers.js";

/** Boxes by action id. */
function boxLabeler(boxes: Record<string, { name: string; bbox: [number, number, number, number] }[]>): Labeler {
  return {
    name: "test-boxes",
    label(record): Annotation[] {
      return (boxes[record.action_id] ?? []).map((b) => ({ bbox: b.bbox, categoryName: b.name, confidence: 0.9, source: "template_matching", verified: false }));
    },
  };
}

const record = (id: string, screenshot: string) => ({
  action_id: id,
  action_type: "FIND",
  success: true,
  active_states_before: ["main"],
  screenshot_reference: screenshot,
});

let run: string;
const records = [record("r1", "a.png"), record("r2", "a.png"), record("r3", "b.png"), record("r4", "c.png")];
const labeler = boxLabeler({
  r1: [{ name: "login button", bbox: [10, 20, 30, 10] }],
  r2: [{ name: "search: field", bbox: [0, 0, 40, 8] }],
  r3: [{ name: "login button", bbox: [30, 30, 20, 20] }], // clipped to 10×10 on 40×40
});

beforeAll(async () => {
  run = await tempDir("qx-yolo-run-");
  await fs.writeFile(path.join(run, "a.png"), encodePng(64, 48, (x, y) => [x * 3, y * 5, 10]));
  await fs.writeFile(path.join(run, "b.png"), encodePng(40, 40, (x, y) => [200, x * 5, y * 5]));
  await fs.writeFile(path.join(run, "c.png"), encodePng(16, 8, () => [1, 2, 3]));
});

async function exportWith(writer: Writer) {
  return runPipeline({ source: memorySource(run, records), labelers: [labeler], writers: [writer], logger: silentLogger });
}

describe("toYolo: from an intermediate dataset directory", () => {
  it("converts a dataset written by the intermediate writer", async () => {
    const dataset = await tempDir("qx-yolo-ds-");
    await exportWith(intermediateWriter({ outDir: dataset }));
    const out = path.join(await tempDir(), "yolo");
    const summary = await toYolo(dataset, { outDir: out });
    expect(summary).toMatchObject({ images: 3, boxes: 3, boxesDropped: 0, splits: { train: 3 } });

    const yaml = parseDataYaml(await fs.readFile(path.join(out, "data.yaml"), "utf8"));
    expect([...yaml.names.values()]).toEqual(["login button", "search: field"]);
    expect(yaml).toMatchObject({ path: out, train: "images/train", val: "images/train", nc: 2 });

    const back = await readYolo(out);
    expect(back).toHaveLength(3);
    const bySize = new Map(back.map((b) => [`${b.width}x${b.height}`, b]));
    const a = bySize.get("64x48")!;
    expect(a.boxes.map((b) => b.categoryName).sort()).toEqual(["login button", "search: field"]);
    const b = bySize.get("40x40")!;
    expect(b.boxes).toHaveLength(1);
    b.boxes[0]!.bbox.forEach((v, i) => expect(v).toBeCloseTo([30, 30, 10, 10][i]!, 4));
    expect(bySize.get("16x8")!.boxes).toEqual([]);
    // images are the dataset's images, named by content id
    for (const img of back) await fs.access(path.join(dataset, "images", path.basename(img.file)));
  });

  it("splits a dataset directory reproducibly", async () => {
    const dataset = await tempDir("qx-yolo-ds-");
    await exportWith(intermediateWriter({ outDir: dataset }));
    const split = { ratios: [0.34, 0.33, 0.33], seed: 7 };
    const out1 = path.join(await tempDir(), "y");
    const out2 = path.join(await tempDir(), "y");
    const s1 = await toYolo(dataset, { outDir: out1, split });
    const s2 = await toYolo(dataset, { outDir: out2, split });
    expect(s1.splits).toEqual({ train: 1, val: 1, test: 1 });
    expect(s1.splits).toEqual(s2.splits);
    expect(await listFiles(out1).then((f) => f.filter((x) => x !== "data.yaml"))).toEqual(
      await listFiles(out2).then((f) => f.filter((x) => x !== "data.yaml")),
    );
    expect(await fs.readFile(path.join(out1, "data.yaml"), "utf8")).toContain("\ntest: images/test\n");
  });
});

describe("yoloWriter in a pipeline", () => {
  it("writes the layout at close and removes its spool", async () => {
    const out = path.join(await tempDir(), "yolo");
    const result = await exportWith(yoloWriter({ outDir: out }));
    expect(result.statistics.recordsExported).toBe(4);
    const files = await listFiles(out);
    expect(files.filter((f) => f.startsWith(".spool"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("images/train/"))).toHaveLength(3);
    expect(files.filter((f) => f.startsWith("labels/train/"))).toHaveLength(3);
    expect(files).toContain("data.yaml");
  });

  it("refuses a foreign non-empty directory at open, before the export runs", async () => {
    const out = await tempDir();
    await fs.writeFile(path.join(out, "keep.txt"), "x");
    await expect(exportWith(yoloWriter({ outDir: out }))).rejects.toThrow(OutputNotEmptyError);
    expect(await listFiles(out)).toEqual(["keep.txt"]);
  });

  it("re-exports into its own output, keeping user files", async () => {
    const out = path.join(await tempDir(), "yolo");
    await exportWith(yoloWriter({ outDir: out }));
    await fs.writeFile(path.join(out, "README.txt"), "mine");
    await exportWith(yoloWriter({ outDir: out, split: { ratios: [0.5, 0.5], seed: 1 } }));
    const files = await listFiles(out);
    expect(files).toContain("README.txt");
    expect(files.filter((f) => f.startsWith("images/"))).toHaveLength(3);
    expect(files.some((f) => f.startsWith("images/val/"))).toBe(true);
  });
});
