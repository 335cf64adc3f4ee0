import { promises as fs } from "node:fs";
import path from "node:path";
import { type ConvertInput, writeFileAtomic } from "@qontinui/export-core";
import { dataYamlText } from "./data-yaml.js";
import { checkOutDir, DATA_YAML, removePreviousOutput } from "./output-dir.js";
import { placeImage } from "@qontinui/export-core";
import { formatYoloLine, toYoloBox } from "./yolo-label.js";
import type { YoloOptions, YoloSummary } from "./yolo-options.js";

/** The split used when there is no split. */
export const DEFAULT_YOLO_SPLIT = "train";

/**
 * Writes the Ultralytics YOLO detection layout:
 * `images/<split>/<file>`, `labels/<split>/<stem>.txt` and `data.yaml` (last).
 * Each image is written once, into its one split. Class index = the 0-based
 * registry category id; boxes are clipped to the image and normalised, with 6
 * decimals; boxes of zero size after clipping are dropped and counted.
 */
export async function convertYolo(input: ConvertInput, options: YoloOptions): Promise<YoloSummary> {
  const outDir = path.resolve(options.outDir);
  const { previous } = await checkOutDir(outDir, options.force);
  const splitNames = input.splitNames.length > 0 ? [...input.splitNames] : [DEFAULT_YOLO_SPLIT];
  if (previous) await removePreviousOutput(outDir, splitNames);

  for (const split of splitNames) {
    if (!split || split.includes("/") || split.includes("\\") || split === "." || split === "..") {
      throw new Error(`YOLO: split name "${split}" cannot be a directory name`);
    }
    await fs.mkdir(path.join(outDir, "images", split), { recursive: true });
    await fs.mkdir(path.join(outDir, "labels", split), { recursive: true });
  }

  const classIds = new Set(input.categories.map((c) => c.id));
  const splits: Record<string, number> = Object.fromEntries(splitNames.map((s) => [s, 0]));
  const written = new Set<string>();
  const stems = new Map<string, Set<string>>(splitNames.map((s) => [s, new Set()]));
  let images = 0;
  let boxes = 0;
  let boxesDropped = 0;
  const total = input.imageCount;

  for await (const image of input.images()) {
    if (written.has(image.id)) continue; // each image exactly once
    written.add(image.id);
    const assigned = input.splitOf(image.id);
    const split = assigned !== undefined && splits[assigned] !== undefined ? assigned : splitNames[0]!;

    const base = path.basename(image.fileName);
    const ext = path.extname(base);
    let stem = path.basename(base, ext);
    const used = stems.get(split)!;
    if (used.has(stem)) stem = `${stem}_${image.id}`;
    used.add(stem);
    const fileName = `${stem}${ext}`;

    const lines: string[] = [];
    for (const a of image.annotations) {
      const box = classIds.has(a.categoryId) ? toYoloBox(a.bbox, image.width, image.height, a.categoryId) : undefined;
      if (!box) {
        boxesDropped++;
        continue;
      }
      lines.push(formatYoloLine(box));
    }

    await placeImage(image.path, path.join(outDir, "images", split, fileName), options.imageMode);
    await writeFileAtomic(path.join(outDir, "labels", split, `${stem}.txt`), lines.length > 0 ? `${lines.join("\n")}\n` : "");
    boxes += lines.length;
    images++;
    splits[split]!++;
    options.onProgress?.(images, Math.max(total, images));
  }

  // Ultralytics needs train and val; without a (non-empty) val split, val is train.
  const [trainName, valName, testName] = splitNames;
  const has = (s: string | undefined): s is string => s !== undefined && (splits[s] ?? 0) > 0;
  const dataYaml = path.join(outDir, DATA_YAML);
  await writeFileAtomic(
    dataYaml,
    dataYamlText({
      root: outDir,
      train: `images/${trainName}`,
      val: `images/${has(valName) ? valName : trainName}`,
      ...(has(testName) ? { test: `images/${testName}` } : {}),
      categories: input.categories,
    }),
  );

  return { outDir, images, boxes, boxesDropped, splits, dataYaml, duplicatesMerged: input.duplicates?.merged ?? 0 };
}
