import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError } from "@qontinui/export-core";

/** The directories a VOC output consists of; removed before a re-conversion. */
export const VOC_DIRS = ["Annotations", "JPEGImages", "ImageSets"] as const;

/** Entries the emptiness check passes over: the converter writer's spool. */
const IGNORED = new Set([".spool"]);

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Checks that `outDir` may be written: missing, empty (but for `.spool`), a
 * previous VOC output (has Annotations/ and ImageSets/), or `force` is set.
 * Throws ConfigError otherwise. With `clean`, also removes the old
 * Annotations/, JPEGImages/ and ImageSets/ of a previous output (other files
 * are left alone) and creates the directory.
 */
export async function prepareOutDir(outDir: string, options: { force?: boolean; clean: boolean }): Promise<void> {
  let entries: string[];
  try {
    const stat = await fs.stat(outDir);
    if (!stat.isDirectory()) throw new ConfigError(`VOC output ${outDir} exists and is not a directory`);
    entries = (await fs.readdir(outDir)).filter((e) => !IGNORED.has(e));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    entries = [];
  }
  if (entries.length > 0) {
    const previous = (await isDir(path.join(outDir, "Annotations"))) && (await isDir(path.join(outDir, "ImageSets")));
    if (!previous && !options.force) {
      const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", …" : "");
      throw new ConfigError(
        `VOC output ${outDir} is not empty (${shown}) and is not a previous VOC output (no Annotations/ and ImageSets/); ` +
          `choose an empty or new directory, or pass force to write into it anyway`,
      );
    }
  }
  if (!options.clean) return;
  for (const dir of VOC_DIRS) await fs.rm(path.join(outDir, dir), { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
}
