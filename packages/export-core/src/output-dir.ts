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
  await createDirectory(dir, options.label);
  if (!marker && options.marker !== false) {
    try {
      await writeFileAtomic(path.join(dir, OUTPUT_MARKER), `${JSON.stringify({ format: options.format })}\n`);
    } catch (e) {
      throw new ConfigError(`cannot write into ${options.label} ${dir}: ${whyNot(e)}`, { cause: e });
    }
  }
  return { previous };
}

/** Why a directory could not be made, in words: the error codes mkdir and stat give. */
function whyNot(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "ENOENT":
      // The parent exists (it was just checked): the filesystem makes no directories there (/proc, /sys).
      return "the filesystem there does not allow creating directories";
    default:
      return (e as Error).message;
  }
}

/**
 * Creates `dir` and its missing parents, failing at once with a one-line
 * ConfigError that names the user's path. Node's `mkdir(dir, { recursive:
 * true })` is not used: where the kernel answers ENOENT for a directory whose
 * parent exists (`/proc/x`), it creates the parent again and retries, at 100%
 * CPU, forever. Here the missing components are found by walking up (bounded
 * by the path's depth) to the first that exists, which must be a directory,
 * then made one by one, each with a plain mkdir.
 */
export async function createDirectory(dir: string, label = "output directory"): Promise<void> {
  const target = path.resolve(dir);
  const fail = (why: string, cause?: unknown) => new ConfigError(`cannot create ${label} ${dir}: ${why}`, cause !== undefined ? { cause } : undefined);
  const missing: string[] = [];
  for (let at = target; ; ) {
    let info;
    try {
      info = await fs.stat(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a part above is a file; walking up finds it and names it.
      if (code !== "ENOENT" && code !== "ENOTDIR") throw fail(`${at}: ${whyNot(e)}`, e);
      const parent = path.dirname(at);
      if (parent === at) throw fail(`${at} does not exist`, e);
      missing.push(at);
      at = parent;
      continue;
    }
    if (!info.isDirectory()) throw fail(at === target ? "it exists and is not a directory" : `${at} is not a directory`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && (await fs.stat(d).catch(() => undefined))?.isDirectory()) continue;
      throw fail(`${whyNot(e)} (making ${d})`, e);
    }
  }
}

async function entriesOf(dir: string, label: string): Promise<string[] | undefined> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Missing, or under a file: createDirectory says which.
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError(`cannot use ${label} ${dir}: ${whyNot(e)}`, { cause: e });
  }
  if (!stat.isDirectory()) throw new ConfigError(`${label} ${dir} exists and is not a directory; choose another output`);
  try {
    return await fs.readdir(dir);
  } catch (e) {
    throw new ConfigError(`cannot read ${label} ${dir}: ${whyNot(e)}`, { cause: e });
  }
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
