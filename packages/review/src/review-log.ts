import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { StoredAnnotation } from "@qontinui/intermediate-format";

/**
 * The review log: `review/log.jsonl` in the dataset directory, one decision a
 * line, append-only. It belongs to the dataset (an audit trail, and what undo
 * restores a rejected box from) but is not training data: converters read
 * manifest.jsonl and annotations/ only, so they never see it.
 */
export const REVIEW_DIR = "review";
export const REVIEW_LOG_FILE = "log.jsonl";

export function reviewLogPath(datasetDir: string): string {
  return path.join(path.resolve(datasetDir), REVIEW_DIR, REVIEW_LOG_FILE);
}

export type ReviewAction = "accept" | "reject" | "edit" | "add" | "flag" | "undo";

/** One line of review/log.jsonl. */
export interface ReviewLogEntry {
  /** Unique id of the decision (undo names the decision it reverts by this id). */
  id: string;
  /** ISO 8601 time of the decision. */
  time: string;
  /** Who decided: the OS user running the review server, unless told otherwise. */
  reviewer: string;
  /** Where the decision was made, when not in the review page (e.g. `qontinui-web` for decisions read back from it). */
  origin?: string;
  /** The image id (16 hex). */
  image: string;
  action: ReviewAction;
  /** Index of the box in annotations/<image>.json when decided (after the decision for `add`). */
  index?: number;
  /** The box before the decision (absent for `add`). */
  before?: StoredAnnotation;
  /** The box after the decision (absent for `reject`). */
  after?: StoredAnnotation;
  /** For `undo`: the id of the decision reverted, and the action it was. */
  undoes?: string;
  undoes_action?: ReviewAction;
  /** The manifest's `reviewed` for the image, when the decision changed it. */
  reviewed?: { before: boolean; after: boolean };
}

/**
 * Appends one whole line (a single write on a file opened for append, so
 * lines from two processes never interleave). A crash mid-write leaves at
 * worst a torn last line, which `readReviewLog` skips.
 */
export async function appendReviewLog(file: string, entry: ReviewLogEntry): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, "a");
  try {
    await handle.write(`${JSON.stringify(entry)}\n`);
  } finally {
    await handle.close();
  }
}

/** Every readable entry of a review log, in order; a missing log is empty. */
export async function readReviewLog(file: string): Promise<ReviewLogEntry[]> {
  try {
    await fs.access(file);
  } catch {
    return [];
  }
  const entries: ReviewLogEntry[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    try {
      const e = JSON.parse(line) as ReviewLogEntry;
      if (e && typeof e.id === "string" && typeof e.image === "string") entries.push(e);
    } catch {
      /* a torn last line after a crash */
    }
  }
  return entries;
}
