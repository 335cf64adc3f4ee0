import { promises as fs } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { ConfigError, OutputNotEmptyError } from "./errors.js";

/**
 * The file a writer leaves in a directory it claims, naming its format. A
 * directory holding it for the same format is a previous output of that
 * format, even when the writer was killed before it wrote anything else (a
 * first YOLO conversion killed before data.yaml can be run again).
 */
export const OUTPUT_MARKER = ".qontinui-output";

/** The converter writer's spool: not the user's, never makes a directory "not empty". */
const NOT_USER_ENTRIES = new Set([".spool", OUTPUT_MARKER]);

export interface ClaimOutputDirOptions {
  /** The format that will write here ("yolo", "voc", "intermediate"); recorded in the marker. */
  format: string;
  /** What the directory is, for messages: "YOLO output". */
  label: string;
  /** Recognises a previous output of this format by its entries (one written before markers, or by hand). */
  isPrevious?: (names: readonly string[], dir: string) => boolean | Promise<boolean>;
  /** What a previous output looks like, for the message when it is not one: "no data.yaml". */
  previousHint?: string;
  /** Write into a non-empty directory that is not a previous output (nothing there is deleted). */
  force?: boolean;
  /** Leave no marker (default true): for a format whose first write already marks it (the dataset's `.qontinui/` lock). */
  marker?: boolean;
}

export interface OutputDirClaim {
  /** The directory holds a previous output of this format (by marker or by `isPrevious`). */
  previous: boolean;
}

/**
 * Checks that `dir` may be written by `format` and claims it: it must be
 * missing, empty (the spool and the marker do not count), a previous output of
 * the same format, or `force` must be set. Then creates it and records the
 * format in its marker (a marker of another format is never replaced; an unreadable one is).
 * Throws ConfigError when `dir` is a file, OutputNotEmptyError when it holds
 * something else.
 */
export async function claimOutputDir(dir: string, options: ClaimOutputDirOptions): Promise<OutputDirClaim> {
  const names = await entriesOf(dir, options.label);
  const marker = names ? await readMarker(dir) : undefined;
  const user = (names ?? []).filter((n) => !NOT_USER_ENTRIES.has(n));
  let previous = marker === options.format;
  if (!previous && !marker && user.length > 0 && options.isPrevious) previous = await options.isPrevious(user, dir);
  if (user.length > 0 && !previous && !options.force) {
    const shown = user.slice(0, 5).join(", ") + (user.length > 5 ? ", …" : "");
    const what = marker ? `it is a ${marker} output` : `it is not a previous ${options.label}${options.previousHint ? ` (${options.previousHint})` : ""}`;
    throw new OutputNotEmptyError(
      dir,
      `${options.label} ${dir} is not empty (${shown}) and ${what}: choose an empty or new directory, or pass --force to write beside the files there (none is deleted)`,
    );
  }
  await fs.mkdir(dir, { recursive: true });
  if (!marker && options.marker !== false) await writeFileAtomic(path.join(dir, OUTPUT_MARKER), `${JSON.stringify({ format: options.format })}\n`);
  return { previous };
}

async function entriesOf(dir: string, label: string): Promise<string[] | undefined> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (!stat.isDirectory()) throw new ConfigError(`${label} ${dir} exists and is not a directory; choose another output`);
  return fs.readdir(dir);
}

/** The marker's format, `""` for a marker that cannot be read, undefined without one. */
async function readMarker(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, OUTPUT_MARKER), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const format = (JSON.parse(text) as { format?: unknown }).format;
    return typeof format === "string" ? format : "";
  } catch {
    return "";
  }
}
