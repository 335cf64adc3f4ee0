import { promises as fs } from "node:fs";
import path from "node:path";
import { claimOutputDir, OUTPUT_MARKER, TEMP_FILE_PATTERN } from "@qontinui/export-core";

/**
 * The directories a VOC output consists of; removed before a re-conversion in this order: ImageSets/
 * first, with labels.txt (what makes an output look complete: loaders start from ImageSets/Main), so
 * a re-conversion killed while removing the old files never leaves a complete-looking output whose
 * Annotations/ are already gone.
 */
export const VOC_DIRS = ["ImageSets", "Annotations", "JPEGImages"] as const;

/** Files the converter writes at the top of the output (through a temp name). */
const TOP_FILES = new Set(["labels.txt", OUTPUT_MARKER]);

/** A temp file a killed conversion left beside labels.txt or the marker (`.labels.txt.<hex>.tmp`). */
function isOurTempFile(name: string): boolean {
  return TEMP_FILE_PATTERN.test(name) && TOP_FILES.has(name.slice(1).replace(/\.[0-9a-f]{12}\.tmp$/, ""));
}

/**
 * Claims `outDir` for VOC (see claimOutputDir): missing, empty, a previous VOC
 * output (marker, or Annotations/ and ImageSets/), or `force`. With `clean`,
 * also removes the old ImageSets/ and labels.txt (first: see VOC_DIRS),
 * Annotations/ and JPEGImages/ of a previous output, and the temp files a
 * killed conversion left beside labels.txt (other files are left alone).
 */
export async function prepareOutDir(outDir: string, options: { force?: boolean; clean: boolean }): Promise<void> {
  await claimOutputDir(outDir, {
    format: "voc",
    label: "VOC output",
    isPrevious: (names) => names.includes("Annotations") && names.includes("ImageSets"),
    previousHint: "no Annotations/ and ImageSets/",
    force: options.force,
  });
  if (!options.clean) return;
  const [sets, ...rest] = VOC_DIRS;
  await fs.rm(path.join(outDir, sets), { recursive: true, force: true });
  await fs.rm(path.join(outDir, "labels.txt"), { force: true });
  for (const dir of rest) await fs.rm(path.join(outDir, dir), { recursive: true, force: true });
  for (const name of await fs.readdir(outDir)) if (isOurTempFile(name)) await fs.rm(path.join(outDir, name), { force: true });
}
