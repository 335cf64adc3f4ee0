import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "@qontinui/export-core";

/** The file the grounding writer appends to (in `run_data/dataset/` by default). */
export const GROUNDING_FILE = "grounding.jsonl";

/**
 * A rotated part: `grounding.<k>.jsonl`, k = 1, 2, … as the writer names
 * them (the lowest unused k, no leading zeros). Other names — `grounding.0.jsonl`,
 * `grounding.01.jsonl`, `grounding.jsonl.bak`, … — are not parts and are ignored.
 */
const PART = /^grounding\.([1-9][0-9]*)\.jsonl$/;

/** One file of a grounding dataset, in reading order. */
export interface GroundingFile {
  /** File name, e.g. "grounding.2.jsonl" (used in messages and record metadata). */
  name: string;
  /** Absolute path. */
  path: string;
  /** k of a rotated part; null for the current grounding.jsonl. */
  part: number | null;
}

/**
 * The grounding files among `names`, in the order their lines were written:
 * rotated parts by k numerically (1 is the oldest; "grounding.10.jsonl"
 * comes after "grounding.9.jsonl"), then the current grounding.jsonl. Other
 * names are left out.
 */
export function orderGroundingFiles(names: Iterable<string>): string[] {
  const parts: { name: string; digits: string }[] = [];
  let current = false;
  for (const name of names) {
    if (name === GROUNDING_FILE) {
      current = true;
      continue;
    }
    const m = PART.exec(name);
    if (m) parts.push({ name, digits: m[1]! });
  }
  // Digit strings without leading zeros: shorter is smaller, equal lengths compare as text. Exact for
  // any k (Number() would round past 2^53).
  parts.sort((a, b) => a.digits.length - b.digits.length || (a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0));
  const ordered = parts.map((p) => p.name);
  if (current) ordered.push(GROUNDING_FILE);
  return ordered;
}

/**
 * Lists the grounding files of `datasetDir` in reading order (see
 * `orderGroundingFiles`). Throws a ConfigError when the directory cannot be
 * read or holds neither grounding.jsonl nor any part. Listed once per read:
 * a part the writer rotates between the listing and its opening makes that
 * read fail with a ConfigError (run the export again: it is idempotent).
 */
export async function listGroundingFiles(datasetDir: string): Promise<GroundingFile[]> {
  const root = path.resolve(datasetDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ConfigError(`grounding dataset directory ${root} does not exist: give the folder that holds grounding.jsonl and images/ (by default run_data/dataset)`, { cause: e });
    if (code === "ENOTDIR") throw new ConfigError(`${root} is not a directory: give the folder that holds grounding.jsonl and images/ (by default run_data/dataset)`, { cause: e });
    throw new ConfigError(`cannot read the grounding dataset directory ${root}: ${(e as Error).message}`, { cause: e });
  }
  const ordered = orderGroundingFiles(names);
  if (ordered.length === 0) {
    // The usual slip: giving run_data/ instead of run_data/dataset/.
    const nested = path.join(root, "dataset", GROUNDING_FILE);
    const hint = await access(nested).then(
      () => `; did you mean ${path.join(root, "dataset")}?`,
      () => ": give the folder that holds grounding.jsonl and images/ (by default run_data/dataset)",
    );
    throw new ConfigError(`no ${GROUNDING_FILE} in ${root} (nor any rotated grounding.<k>.jsonl)${hint}`);
  }
  return ordered.map((name) => {
    const m = PART.exec(name);
    return { name, path: path.join(root, name), part: m ? Number(m[1]) : null };
  });
}
