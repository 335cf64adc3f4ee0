import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LabeledAnnotation } from "../annotation.js";
import type { BBox } from "../bbox.js";
import { CategoryRegistry } from "../category-registry.js";
import { readImageInfo } from "../image-format.js";
import { contentId } from "../image-resolver.js";
import { type ExportItem, type ResolvedImage, silentLogger, type Writer } from "../plugins.js";
import { parseRecord, recordKey } from "../record.js";
import { listFiles } from "./list-files.js";
import { encodePng } from "./png-encoder.js";

/** One image as a test reads it back from a writer's output. */
export interface ReadBackImage {
  /** Path of the image file, relative to the output directory ("/" separated). */
  file: string;
  width: number;
  height: number;
  /** Boxes in pixels, [x, y, width, height], with their category names. */
  boxes: { categoryName: string; bbox: BBox }[];
}

/** How the contract drives one format. */
export interface WriterContractAdapter {
  /** The format's name, for messages. */
  name: string;
  /**
   * A fresh pipeline writer that writes into `outDir` (which does not exist
   * yet). `scratchDir` is the writer's to use for anything that is not the
   * output (a converter's intermediate dataset, see `convertedThrough`); it is
   * deleted with the run before the output is read back.
   */
  createWriter(outDir: string, scratchDir: string): Writer;
  /** Reads the output back, from wherever it has been moved. An independent reader, not the writer's own code. */
  read(outDir: string): Promise<ReadBackImage[]>;
  /** Largest coordinate error accepted, in pixels (default 0.01; at most 0.5, so a one-pixel shift always fails). */
  tolerance?: number;
  /** False for formats that leave out images without boxes (default true). */
  keepsEmptyImages?: boolean;
  /**
   * Lines allowed to hold an absolute path (for example Ultralytics' data.yaml
   * `path:`, which Ultralytics needs absolute). Every other occurrence of the
   * output's original location fails the contract.
   */
  allowAbsolutePath?: { file: RegExp; line: RegExp };
  /**
   * The format re-encodes images (VOC's JPEGImages are JPEG whatever the
   * screenshot was): an image read back is known by its file name, which must
   * start with the image's id, and its header must give the written size.
   */
  reencodesImages?: boolean;
}

export interface ContractImage {
  name: string;
  png: Buffer;
  width: number;
  height: number;
}

/** A box of the contract dataset, as records give it. */
export interface ContractBox {
  categoryName: string;
  bbox: BBox;
  clipped?: boolean;
  verified?: boolean;
  confidence?: number;
}

export interface ContractDataset {
  images: ContractImage[];
  /** Records in order: one image each, several records may share an image. */
  records: { actionId: string; image: string; boxes: ContractBox[] }[];
}

/** Category names writers get wrong: spaces, non-ASCII, XML's special characters, path-like, numeric. */
export const AWKWARD_CATEGORY_NAMES = ["button", "text field", "ボタン", `a<b>&"c'`, "menu/item", "123"] as const;

/**
 * The dataset every writer must round-trip: boxes on every edge, a box
 * clipped to the image, images without boxes, two records sharing one
 * screenshot, a 1×1 image, overlapping boxes, awkward category names.
 * Coordinates are integers so every format can represent them exactly.
 */
export function contractDataset(): ContractDataset {
  const img = (name: string, width: number, height: number, seed: number): ContractImage => ({
    name,
    width,
    height,
    png: encodePng(width, height, (x, y) => [(x * 7 + seed) & 255, (y * 13 + seed * 3) & 255, ((x + y) * 3 + seed * 5) & 255]),
  });
  const [button, field, jp, xml, slash, numeric] = AWKWARD_CATEGORY_NAMES;
  return {
    images: [img("edges", 64, 48, 1), img("empty", 32, 32, 2), img("shared", 80, 60, 3), img("tiny", 1, 1, 4), img("empty-too", 20, 10, 5)],
    records: [
      {
        actionId: "a1",
        image: "edges",
        boxes: [
          { categoryName: button, bbox: [0, 0, 10, 10] },
          { categoryName: field, bbox: [54, 38, 10, 10] },
          { categoryName: jp, bbox: [0, 40, 64, 8] },
          { categoryName: xml, bbox: [50, 30, 14, 18], clipped: true, verified: true },
          { categoryName: button, bbox: [5, 5, 20, 20], confidence: 0.42 },
        ],
      },
      { actionId: "a2", image: "empty", boxes: [] },
      { actionId: "a3", image: "shared", boxes: [{ categoryName: slash, bbox: [10, 10, 30, 20], verified: true }] },
      { actionId: "a4", image: "shared", boxes: [{ categoryName: numeric, bbox: [12, 15, 30, 20] }, { categoryName: slash, bbox: [60, 0, 20, 60] }] },
      { actionId: "a5", image: "tiny", boxes: [{ categoryName: button, bbox: [0, 0, 1, 1] }] },
      { actionId: "a6", image: "empty-too", boxes: [] },
    ],
  };
}

export interface ContractReport {
  /** Empty when the writer keeps the contract. */
  failures: string[];
  imagesChecked: number;
  boxesChecked: number;
}

export interface ContractOptions {
  /** The dataset to write (default `contractDataset()`). */
  dataset?: ContractDataset;
  /** Break the writer on purpose, to prove the contract notices (used by the suite's own tests). */
  sabotage?: "drop-box" | "shift-pixel" | "absolute-path";
}

const TEXT_SNIFF = 8192;

function boxKey(b: { categoryName: string; bbox: BBox }): string {
  return `${b.categoryName}|${b.bbox.map((v) => Math.round(v)).join(",")}`;
}

function sabotaged(writer: Writer, outDir: string, sabotage: ContractOptions["sabotage"]): Writer {
  if (!sabotage) return writer;
  let done = false;
  return {
    ...writer,
    name: writer.name,
    open: async (ctx) => writer.open?.(ctx),
    ...(writer.prepare ? { prepare: (image: ResolvedImage) => writer.prepare!(image) } : {}),
    async write(item) {
      if (!done && item.annotations.length > 0 && sabotage !== "absolute-path") {
        done = true;
        const annotations = [...item.annotations];
        if (sabotage === "drop-box") annotations.pop();
        else {
          const a = annotations[0]!;
          annotations[0] = { ...a, bbox: [a.bbox[0], a.bbox[1] + 1, a.bbox[2], a.bbox[3] - 1] };
        }
        return writer.write?.({ ...item, annotations });
      }
      return writer.write?.(item);
    },
    async close(statistics) {
      const summary = (await writer.close?.(statistics)) ?? { writer: writer.name };
      if (sabotage === "absolute-path") await fs.writeFile(path.join(outDir, "where.txt"), `${path.join(outDir, "images")}\n`);
      return summary;
    },
  };
}

/** The written image whose id starts the file's base name, or "" (a re-encoded image keeps its name, not its bytes). */
function idInName(file: string, expected: Map<string, unknown>): string {
  const stem = path.basename(file).replace(/\.[^.]*$/, "");
  for (const id of expected.keys()) if (stem.startsWith(id)) return id;
  return "";
}

/**
 * A converter as a pipeline writer, for the contract: the records go into a
 * dataset written by `datasetWriter` in the contract's scratch directory, and
 * at close `convert` turns that dataset into the output. The scratch directory
 * is deleted before the read-back, so an output that still points into the
 * dataset fails.
 *
 * ```ts
 * createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => toYolo(dataset, { outDir: out }))
 * ```
 */
export function convertedThrough(
  datasetWriter: (datasetDir: string) => Writer,
  convert: (datasetDir: string, outDir: string) => Promise<unknown>,
): WriterContractAdapter["createWriter"] {
  return (outDir, scratchDir) => {
    const datasetDir = path.join(scratchDir, "dataset ü");
    const writer = datasetWriter(datasetDir);
    return {
      name: `${writer.name} → converter`,
      open: async (ctx) => writer.open?.(ctx),
      ...(writer.prepare ? { prepare: (image: ResolvedImage) => writer.prepare!(image) } : {}),
      write: async (item) => writer.write?.(item),
      async close(statistics) {
        const summary = (await writer.close?.(statistics)) ?? { writer: writer.name };
        await convert(datasetDir, outDir);
        return summary;
      },
    };
  };
}

/**
 * The writer contract: writes `contractDataset()` through the adapter's
 * pipeline writer, moves the output (and deletes the source screenshots) so
 * absolute paths and references back to the run break, reads the output back
 * with the adapter's reader and compares with what was written. Returns the
 * failures; a test asserts the list is empty.
 *
 * ```ts
 * const report = await checkWriterContract({ name: "csv", createWriter: (dir) => csvWriter({ outDir: dir }), read: readCsv });
 * expect(report.failures).toEqual([]);
 * ```
 */
export async function checkWriterContract(adapter: WriterContractAdapter, options: ContractOptions = {}): Promise<ContractReport> {
  const dataset = options.dataset ?? contractDataset();
  const tolerance = Math.min(adapter.tolerance ?? 0.01, 0.5);
  const failures: string[] = [];
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `qx-contract-${adapter.name.replace(/[^\w-]/g, "_")}-`)));
  const srcDir = path.join(root, "run dir");
  const outDir = path.join(root, "out dir ü");
  await fs.mkdir(srcDir);
  try {
    const images = new Map<string, ResolvedImage>();
    for (const img of dataset.images) {
      const file = path.join(srcDir, `${img.name}.png`);
      await fs.writeFile(file, img.png);
      const { id, sha256 } = contentId(img.png);
      images.set(img.name, {
        id,
        sha256,
        format: "png",
        extension: ".png",
        width: img.width,
        height: img.height,
        channels: 3,
        byteLength: img.png.length,
        sourcePath: file,
        bytes: img.png,
      });
    }
    const registry = new CategoryRegistry();
    const expected = new Map<string, { image: ResolvedImage; boxes: Map<string, { categoryName: string; bbox: BBox }> }>();
    const items: ExportItem[] = dataset.records.map((r) => {
      const image = images.get(r.image);
      if (!image) throw new Error(`contract dataset: record ${r.actionId} names unknown image ${r.image}`);
      const parsed = parseRecord({ action_id: r.actionId, action_type: "CLICK", success: true, screenshot_reference: `${r.image}.png` });
      if (!parsed.ok) throw new Error(parsed.message);
      const annotations: LabeledAnnotation[] = r.boxes.map((b) => ({
        bbox: b.bbox,
        categoryName: b.categoryName,
        categoryId: registry.idFor(b.categoryName),
        confidence: b.confidence ?? 1,
        source: b.verified ? "user_click" : "template_matching",
        verified: b.verified ?? false,
        ...(b.clipped ? { clipped: true } : {}),
      }));
      const e = expected.get(image.id) ?? { image, boxes: new Map() };
      for (const a of annotations) e.boxes.set(boxKey(a), { categoryName: a.categoryName, bbox: a.bbox });
      expected.set(image.id, e);
      return { record: parsed.record, image, annotations, key: recordKey(parsed.record, image.id) };
    });

    const scratchDir = path.join(srcDir, "scratch");
    const writer = sabotaged(adapter.createWriter(outDir, scratchDir), outDir, options.sabotage);
    await writer.open?.({ registry, datasetVersion: "1.0.0", logger: silentLogger });
    const prepared = new Set<string>();
    for (const item of items) {
      if (writer.prepare && !prepared.has(item.image.id)) {
        prepared.add(item.image.id);
        await writer.prepare(item.image);
      }
      await writer.write?.(item);
    }
    await writer.close?.();

    // Move the output and remove the run (and the scratch directory in it): nothing may still point at either.
    const moved = path.join(root, "moved 移動");
    await fs.rename(outDir, moved);
    await fs.rm(srcDir, { recursive: true, force: true });

    for (const file of await listFiles(moved)) {
      const full = path.join(moved, file);
      const stat = await fs.stat(full);
      if (stat.size > 64 * 1024 * 1024) continue;
      const bytes = await fs.readFile(full);
      if (bytes.subarray(0, TEXT_SNIFF).includes(0)) continue; // binary (an image)
      const lines = bytes.toString("utf8").split("\n");
      lines.forEach((line, i) => {
        if (!line.includes(root)) return;
        const allowed = adapter.allowAbsolutePath;
        if (allowed && allowed.file.test(file) && allowed.line.test(line)) return;
        failures.push(`${file}:${i + 1}: holds an absolute path (${line.trim().slice(0, 120)}); paths in an output must be relative so the dataset can move`);
      });
    }

    let readBack: ReadBackImage[];
    try {
      readBack = await adapter.read(moved);
    } catch (e) {
      failures.push(`reading the moved output failed: ${(e as Error).message}`);
      return { failures, imagesChecked: 0, boxesChecked: 0 };
    }

    const seen = new Set<string>();
    let boxesChecked = 0;
    for (const got of readBack) {
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(path.join(moved, got.file));
      } catch {
        failures.push(`${got.file}: named by the output but not found after moving it`);
        continue;
      }
      const id = adapter.reencodesImages ? idInName(got.file, expected) : contentId(bytes).id;
      if (adapter.reencodesImages) {
        const info = readImageInfo(bytes);
        if (!info.ok) failures.push(`${got.file}: not a readable image (${info.message})`);
        else if (id && (info.info.width !== expected.get(id)!.image.width || info.info.height !== expected.get(id)!.image.height)) {
          failures.push(`${got.file}: the image is ${info.info.width}×${info.info.height}, expected ${expected.get(id)!.image.width}×${expected.get(id)!.image.height}`);
        }
      }
      const want = expected.get(id);
      if (!want) {
        failures.push(`${got.file}: not one of the images written (content id ${id})`);
        continue;
      }
      if (seen.has(id)) failures.push(`${got.file}: image ${id} appears more than once`);
      seen.add(id);
      if (got.width !== want.image.width || got.height !== want.image.height) {
        failures.push(`${got.file}: size ${got.width}×${got.height}, expected ${want.image.width}×${want.image.height}`);
      }
      const remaining = [...want.boxes.values()];
      for (const box of got.boxes) {
        const i = remaining.findIndex(
          (w) => w.categoryName === box.categoryName && w.bbox.every((v, k) => Math.abs(v - box.bbox[k]!) <= tolerance),
        );
        if (i < 0) {
          failures.push(`${got.file}: unexpected box ${JSON.stringify(box)} (not within ${tolerance} px of any written box)`);
          continue;
        }
        remaining.splice(i, 1);
        boxesChecked++;
      }
      for (const w of remaining) failures.push(`${got.file}: box ${JSON.stringify(w)} was written but not read back`);
    }
    for (const [id, want] of expected) {
      if (seen.has(id)) continue;
      if (want.boxes.size === 0 && adapter.keepsEmptyImages === false) continue;
      failures.push(`image ${id} (${want.boxes.size} boxes) was written but is missing from the output`);
    }
    return { failures, imagesChecked: seen.size, boxesChecked };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
