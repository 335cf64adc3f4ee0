import { promises as fs } from "node:fs";
import path from "node:path";
import { claimOutputDir, TEMP_FILE_PATTERN } from "@qontinui/export-core";

export const DATA_YAML = "data.yaml";

/**
 * Claims `outDir` for YOLO (see claimOutputDir): refuses a non-empty directory
 * that is not a previous YOLO output (marker or data.yaml), unless `force`.
 * Returns whether it holds a previous output.
 */
export async function checkOutDir(outDir: string, force = false): Promise<{ previous: boolean }> {
  return claimOutputDir(outDir, {
    format: "yolo",
    label: "YOLO output",
    isPrevious: (names) => names.includes(DATA_YAML),
    previousHint: "no data.yaml",
    force,
  });
}

/** `images/<x>` → `<x>`, for the split directories a previous data.yaml names. */
function splitDirsOf(yaml: string): string[] {
  const out: string[] = [];
  for (const line of yaml.split(/\r?\n/)) {
    const m = /^(train|val|test):\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    const parts = value.split("/");
    if (parts.length === 2 && parts[0] === "images" && parts[1] && parts[1] !== "." && parts[1] !== "..") out.push(parts[1]);
  }
  return out;
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch {
    // not empty (user files) or missing: keep it
  }
}

/**
 * Before re-converting into a previous YOLO output: removes the split trees it
 * wrote (`images/<split>/`, `labels/<split>/` and Ultralytics' `labels/<split>.cache`)
 * for the splits its data.yaml names and the default train/val/test, then
 * `images/` and `labels/` when nothing else is left in them. Other files are kept.
 */
export async function removePreviousOutput(outDir: string, splitNames: readonly string[]): Promise<void> {
  let yaml = "";
  try {
    yaml = await fs.readFile(path.join(outDir, DATA_YAML), "utf8");
  } catch {
    // unreadable: only the default and current split names are removed
  }
  // data.yaml goes first and comes back last: a conversion killed in between leaves no data.yaml
  // beside a half-written tree, so no trainer takes it for a dataset (the marker lets it run again).
  await fs.rm(path.join(outDir, DATA_YAML), { force: true });
  for (const name of await fs.readdir(outDir)) if (TEMP_FILE_PATTERN.test(name)) await fs.rm(path.join(outDir, name), { force: true });
  const splits = new Set([...splitDirsOf(yaml), "train", "val", "test", ...splitNames]);
  for (const split of splits) {
    if (split.includes("/") || split.includes("\\") || split === "." || split === ".." || split === "") continue;
    await fs.rm(path.join(outDir, "images", split), { recursive: true, force: true });
    await fs.rm(path.join(outDir, "labels", split), { recursive: true, force: true });
    await fs.rm(path.join(outDir, "labels", `${split}.cache`), { force: true });
  }
  await removeIfEmpty(path.join(outDir, "images"));
  await removeIfEmpty(path.join(outDir, "labels"));
}
