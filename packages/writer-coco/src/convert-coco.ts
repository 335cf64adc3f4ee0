import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import {
  clipBox,
  ConfigError,
  type ConvertInput,
  type ConvertProgress,
  copyFileAtomic,
  type ImagePlacement,
  type MergedBox,
  placeImage,
  type SplitOptions,
  TEMP_FILE_PATTERN,
  tempPathFor,
} from "@qontinui/export-core";
import { COCO2017_DEFAULT_SPLIT, claimCoco2017Dir, coco2017ImagesDir, coco2017Target, type CocoLayout } from "./coco-layout.js";
import type { CocoAnnotation, CocoCategory, CocoImage, CocoInfo } from "./coco-types.js";
import { JsonArraySink } from "./json-array-sink.js";

export interface CocoOptions {
  /** Output file when there is no split. */
  out?: string;
  /** Output directory: `<split>.json` per split, or `dataset.json` without a split (when `out` is not given). */
  outDir?: string;
  split?: SplitOptions;
  /** Id of the first category: 1 (COCO's convention, default) or 0. */
  categoryIdBase?: 0 | 1;
  /** Keep only boxes with confidence ≥ this. */
  minConfidence?: number;
  /** Keep only boxes a person's action confirmed (`verified: true`). */
  verifiedOnly?: boolean;
  /** Keep images without boxes (default true: negatives help detectors). */
  includeEmptyImages?: boolean;
  /**
   * Copy each image into this directory (`file_name` is relative to it).
   * Leave unset when the images already sit in the images directory the
   * consumer will use (an intermediate dataset's `images/`).
   */
  copyImagesTo?: string;
  /**
   * "flat" (default): `dataset.json`, or `<split>.json` per split, `file_name`
   * relative to one images directory. "coco2017": the layout of COCO 2017 and
   * qontinui-train's loaders, `annotations/<split>.json` with each split's
   * images in `images/<split>/` (`file_name` relative to it); needs `outDir`;
   * without a split every image is in `train`.
   */
  layout?: CocoLayout;
  /** coco2017: how images land in `images/<split>/` (default "copy"; "hardlink" falls back to a copy across filesystems). */
  imageMode?: ImagePlacement;
  /** Keep near-identical boxes different labelers put on one element (default false: merged, see mergeDuplicateBoxes). */
  keepDuplicates?: boolean;
  /** coco2017: write into a non-empty directory that is not a previous COCO output. */
  force?: boolean;
  /** Overrides for the `info` block. */
  info?: Partial<CocoInfo>;
  /** `supercategory` of every category (default "gui"). */
  supercategory?: string;
  onProgress?: ConvertProgress;
}

export interface CocoFileSummary {
  split: string | null;
  file: string;
  images: number;
  annotations: number;
}

export interface CocoSummary {
  layout: CocoLayout;
  files: CocoFileSummary[];
  images: number;
  annotations: number;
  categories: number;
  /** Boxes left out by `minConfidence` / `verifiedOnly`. */
  annotationsFiltered: number;
  /** Boxes with no area left after clipping to the image. */
  annotationsDropped: number;
  /** Images left out because they had no boxes (`includeEmptyImages: false`). */
  emptyImagesDropped: number;
  /** Boxes merged into another box of the same element (see keepDuplicates; the kept box lists them in `merged_from`). */
  duplicatesMerged: number;
}

/** Where the output of one split goes while it is being written. */
interface SplitOutput {
  split: string | null;
  target: string;
  main: JsonArraySink;
  annotations: JsonArraySink;
  nextImageId: number;
  nextAnnotationId: number;
}

export function cocoInfo(datasetVersion: string, overrides: Partial<CocoInfo> = {}): CocoInfo {
  const now = new Date();
  return {
    description: "qontinui GUI automation training data",
    version: datasetVersion,
    year: now.getUTCFullYear(),
    contributor: "qontinui-export",
    url: "",
    date_created: now.toISOString(),
    ...overrides,
  };
}

function checkOptions(options: CocoOptions): void {
  const base = options.categoryIdBase ?? 1;
  if (base !== 0 && base !== 1) throw new ConfigError(`categoryIdBase must be 0 or 1, not ${JSON.stringify(base)}`);
  const min = options.minConfidence;
  if (min !== undefined && !(Number.isFinite(min) && min >= 0 && min <= 1)) {
    throw new ConfigError(`minConfidence must be a number in [0, 1], not ${JSON.stringify(min)}`);
  }
  if (!options.out && !options.outDir) throw new ConfigError("COCO: give `out` (a file) or `outDir` (a directory)");
  if (options.out && options.split) throw new ConfigError("COCO: with a split the output is one file per split; give `outDir`, not `out`");
  const layout = options.layout ?? "flat";
  if (layout !== "flat" && layout !== "coco2017") throw new ConfigError(`COCO: layout must be "flat" or "coco2017", not ${JSON.stringify(layout)}`);
  if (layout === "coco2017" && !options.outDir) throw new ConfigError("COCO: the coco2017 layout is a directory (annotations/, images/); give `outDir`, not `out`");
}

/** The file each split (or the whole dataset) is written to. */
export function cocoTargets(options: CocoOptions, splitNames: readonly string[]): { split: string | null; target: string }[] {
  if (options.layout === "coco2017") {
    const names = splitNames.length ? splitNames : [COCO2017_DEFAULT_SPLIT];
    return names.map((split) => ({ split, target: coco2017Target(options.outDir!, split) }));
  }
  if (splitNames.length === 0) return [{ split: null, target: path.resolve(options.out ?? path.join(options.outDir!, "dataset.json")) }];
  return splitNames.map((split) => ({ split, target: path.resolve(options.outDir!, `${split}.json`) }));
}

/**
 * Writes COCO detection JSON from a ConvertInput, streaming: images go to the
 * output file and annotations to a side file as each image arrives, and the
 * side file is appended at the end, so memory does not grow with the dataset.
 * Each file is written to a temp name and renamed whole.
 */
export async function convertCoco(input: ConvertInput, options: CocoOptions): Promise<CocoSummary> {
  checkOptions(options);
  const base = options.categoryIdBase ?? 1;
  const keepEmpty = options.includeEmptyImages ?? true;
  const targets = cocoTargets(options, input.splitNames);
  const categories: CocoCategory[] = input.categories.map((c) => ({
    id: c.id + base,
    name: c.name,
    supercategory: options.supercategory ?? "gui",
  }));
  const info = cocoInfo(input.datasetVersion, options.info);
  const coco2017 = options.layout === "coco2017";
  if (coco2017) await claimCoco2017Dir(path.resolve(options.outDir!), targets.map((t) => t.split!), options.force);
  if (options.copyImagesTo) await fs.mkdir(options.copyImagesTo, { recursive: true });

  const outputs = new Map<string | null, SplitOutput>();
  const summary: CocoSummary = {
    layout: coco2017 ? "coco2017" : "flat",
    files: [],
    images: 0,
    annotations: 0,
    categories: categories.length,
    annotationsFiltered: 0,
    annotationsDropped: 0,
    emptyImagesDropped: 0,
    duplicatesMerged: 0,
  };
  try {
    for (const { split, target } of targets) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await removeTempFilesOf(target);
      const main = new JsonArraySink(tempPathFor(target));
      const annotations = new JsonArraySink(tempPathFor(target));
      outputs.set(split, { split, target, main, annotations, nextImageId: 1, nextAnnotationId: 1 });
      const head = `{"info":${JSON.stringify(info)},\n"licenses":[],\n"categories":${JSON.stringify(categories)},\n"images":[`;
      await main.raw(head);
    }

    let done = 0;
    for await (const image of input.images()) {
      done++;
      const split = input.splitNames.length ? (input.splitOf(image.id) ?? null) : coco2017 ? COCO2017_DEFAULT_SPLIT : null;
      const out = outputs.get(split);
      if (!out) throw new ConfigError(`COCO: image ${image.id} has split ${JSON.stringify(split)}, which is not one of ${input.splitNames.join(", ")}`);
      const boxes: Omit<CocoAnnotation, "id" | "image_id">[] = [];
      for (const a of image.annotations) {
        if ((options.verifiedOnly && !a.verified) || (options.minConfidence !== undefined && !(a.confidence >= options.minConfidence))) {
          summary.annotationsFiltered++;
          continue;
        }
        const clip = clipBox(a.bbox, image.width, image.height);
        if (!clip.ok) {
          summary.annotationsDropped++;
          continue;
        }
        const [x, y, w, h] = clip.bbox;
        boxes.push({
          category_id: a.categoryId + base,
          bbox: [x, y, w, h],
          area: w * h,
          iscrowd: 0,
          segmentation: [],
          confidence: a.confidence,
          source: a.source,
          verified: a.verified,
          ...(a.clipped || clip.clipped ? { clipped: true as const } : {}),
          ...mergedFrom(a.metadata?.merged_from),
        });
      }
      if (boxes.length === 0 && !keepEmpty) {
        summary.emptyImagesDropped++;
        options.onProgress?.(done, input.imageCount);
        continue;
      }
      if (coco2017) {
        const dir = coco2017ImagesDir(options.outDir!, split!);
        await fs.mkdir(dir, { recursive: true });
        await placeImage(image.path, path.join(dir, image.fileName), options.imageMode ?? "copy");
      } else if (options.copyImagesTo) {
        const dest = path.join(options.copyImagesTo, image.fileName);
        try {
          await fs.access(dest);
        } catch {
          await copyFileAtomic(image.path, dest);
        }
      }
      const imageId = out.nextImageId++;
      const cocoImage: CocoImage = {
        id: imageId,
        file_name: image.fileName,
        width: image.width,
        height: image.height,
        content_hash: image.id,
        active_states: image.activeStates,
      };
      await out.main.push(cocoImage);
      for (const b of boxes) await out.annotations.push({ id: out.nextAnnotationId++, image_id: imageId, ...b });
      options.onProgress?.(done, input.imageCount);
    }

    for (const out of outputs.values()) {
      await out.annotations.end();
      await out.main.raw(`${out.main.length ? "\n" : ""}],\n"annotations":[`);
      await out.main.append(createReadStream(out.annotations.file));
      await out.main.raw(`${out.annotations.length ? "\n" : ""}]}\n`);
      await out.main.end();
      await fs.rm(out.annotations.file, { force: true });
      await fs.rename(out.main.file, out.target);
      summary.files.push({ split: out.split, file: out.target, images: out.main.length, annotations: out.annotations.length });
      summary.images += out.main.length;
      summary.annotations += out.annotations.length;
    }
    summary.duplicatesMerged = input.duplicates?.merged ?? 0;
    return summary;
  } catch (e) {
    for (const out of outputs.values()) {
      out.main.destroy();
      out.annotations.destroy();
      await fs.rm(out.main.file, { force: true });
      await fs.rm(out.annotations.file, { force: true });
    }
    throw e;
  }
}

/** `merged_from` of a COCO annotation: the boxes of the same element other labelers gave (see mergeDuplicateBoxes). */
function mergedFrom(value: unknown): { merged_from?: { category_name: string; source: string; bbox: number[]; confidence: number }[] } {
  if (!Array.isArray(value) || value.length === 0) return {};
  return {
    merged_from: (value as MergedBox[]).map((m) => ({ category_name: m.categoryName, source: m.source, bbox: m.bbox, confidence: m.confidence })),
  };
}

/** Removes the temp files a killed conversion left beside `target` (`.<name>.<hex>.tmp`: never renamed into place). */
async function removeTempFilesOf(target: string): Promise<void> {
  const prefix = `.${path.basename(target)}.`;
  for (const name of await fs.readdir(path.dirname(target))) {
    if (name.startsWith(prefix) && TEMP_FILE_PATTERN.test(name)) await fs.rm(path.join(path.dirname(target), name), { force: true });
  }
}
