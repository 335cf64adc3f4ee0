import { promises as fs } from "node:fs";
import path from "node:path";
import { claimOutputDir } from "@qontinui/export-core";

/** The directories a VOC output consists of; removed before a re-conversion. */
export const VOC_DIRS = ["Annotations", "JPEGImages", "ImageSets"] as const;

/**
 * Claims `outDir` for VOC (see claimOutputDir): missing, empty, a previous VOC
 * output (marker, or Annotations/ and ImageSets/), or `force`. With `clean`,
 * also removes the old Annotations/, JPEGImages/ and ImageSets/ of a previous
 * output (other files are left alone).
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
  for (const dir of VOC_DIRS) await fs.rm(path.join(outDir, dir), { recursive: true, force: true });
}
