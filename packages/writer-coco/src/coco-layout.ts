import { promises as fs } from "node:fs";
import path from "node:path";
import { claimOutputDir } from "@qontinui/export-core";

/** Where a COCO output puts its files: see `CocoOptions.layout`. */
export type CocoLayout = "flat" | "coco2017";

/** The split of every image in a coco2017 output written without a split (the name trainers look for first). */
export const COCO2017_DEFAULT_SPLIT = "train";

const ANNOTATIONS = "annotations";
const IMAGES = "images";

/** `annotations/<split>.json` of a coco2017 output. */
export function coco2017Target(outDir: string, split: string): string {
  return path.resolve(outDir, ANNOTATIONS, `${split}.json`);
}

/** `images/<split>/` of a coco2017 output: every `file_name` of that split is relative to it. */
export function coco2017ImagesDir(outDir: string, split: string): string {
  return path.resolve(outDir, IMAGES, split);
}

/**
 * Claims `outDir` for a coco2017 output (see claimOutputDir; a previous one
 * has `annotations/`) and removes what a previous conversion wrote there: the
 * split files and image folders of train/val/test, of `splits` and of any
 * other split it wrote (a file in annotations/ with its folder in images/), and
 * `annotations/`, `images/` when nothing else is left in them. Other files are kept.
 */
export async function claimCoco2017Dir(outDir: string, splits: readonly string[], force = false): Promise<void> {
  const { previous } = await claimOutputDir(outDir, {
    format: "coco",
    label: "COCO output",
    isPrevious: (names) => names.includes(ANNOTATIONS),
    previousHint: "no annotations/",
    force,
  });
  if (!previous) return;
  const names = new Set(["train", "val", "test", ...splits]);
  try {
    for (const f of await fs.readdir(path.join(outDir, ANNOTATIONS))) {
      const split = f.slice(0, -".json".length);
      // A split the previous conversion wrote has both its file and its image folder; anything else is the user's.
      if (f.endsWith(".json") && (await isDir(coco2017ImagesDir(outDir, split)))) names.add(split);
    }
  } catch {
    // no annotations/ (a first conversion killed early): the default names only
  }
  for (const split of names) {
    if (!split || split === "." || split === ".." || /[/\\]/.test(split)) continue;
    await fs.rm(coco2017Target(outDir, split), { force: true });
    await fs.rm(coco2017ImagesDir(outDir, split), { recursive: true, force: true });
  }
  for (const dir of [ANNOTATIONS, IMAGES]) await fs.rmdir(path.join(outDir, dir)).catch(() => undefined);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}
