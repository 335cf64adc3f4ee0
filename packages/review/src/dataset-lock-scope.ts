import { promises as fs } from "node:fs";
import path from "node:path";
import { DatasetLockedError, writeFileAtomic } from "@qontinui/export-core";
import type { DatasetPaths } from "@qontinui/intermediate-format";
import { acquireLock, keepClosedState } from "@qontinui/writer-intermediate";
import { ReviewConflictError } from "./review-errors.js";

/** Decisions in this process, one at a time per dataset (acquireLock refuses a second holder in one process). */
const inProcess = new Map<string, Promise<unknown>>();

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where an unfinished export keeps boxes not yet in their annotation files (writer-intermediate's journal). */
export function annotationJournalPath(paths: DatasetPaths): string {
  return path.join(paths.state, "annotations.journal");
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `write` holding the dataset's writer lock (`.qontinui/lock`, the one
 * every export takes), for the length of one decision only: a review left
 * open all day does not keep exports out, and two reviewers take turns. A
 * lock held by someone else is waited for up to `waitMs`, then the decision
 * is refused (ReviewConflictError, nothing written) with the holder's message.
 *
 * Never recovers a dataset itself: a lock left by an export that died, or an
 * annotation journal an export left, means boxes may be missing from their
 * files until the next export repairs them, so the decision is refused and the
 * dead export's lock put back for that export to find.
 */
export async function withDatasetLock<T>(paths: DatasetPaths, write: () => Promise<T>, waitMs = 3_000): Promise<T> {
  const key = paths.lock;
  const previous = inProcess.get(key) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => lockedWrite(paths, write, waitMs));
  inProcess.set(key, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(key) === run) inProcess.delete(key);
  }
}

async function lockedWrite<T>(paths: DatasetPaths, write: () => Promise<T>, waitMs: number): Promise<T> {
  await fs.mkdir(paths.state, { recursive: true });
  const started = Date.now();
  let lock;
  for (;;) {
    try {
      lock = await acquireLock(paths.lock, paths.root);
      break;
    } catch (e) {
      if (!(e instanceof DatasetLockedError)) throw e;
      if (Date.now() - started > waitMs) {
        throw new ReviewConflictError(`decision not saved: ${e.message}. Decide again once it is done.`);
      }
      await pause(20 + Math.random() * 30);
    }
  }
  const stale = lock.recoveredStale;
  if (stale) {
    await lock.release();
    // Put the dead export's lock back: the next export sees it and repairs the dataset.
    await writeFileAtomic(paths.lock, JSON.stringify(stale)).catch(() => {});
    throw new ReviewConflictError(
      `decision not saved: an export (pid ${stale.pid}, started ${stale.started}) died while writing ${paths.root}; run the export again (or 'qontinui-export validate') so it repairs the dataset, then review`,
    );
  }
  try {
    if (await exists(annotationJournalPath(paths))) {
      throw new ReviewConflictError(
        `decision not saved: ${paths.root} has boxes an unfinished export has not yet written to their files (.qontinui/annotations.journal); run the export again to finish it, then review`,
      );
    }
    // The decision rewrites annotations/ and metadata.json: keep the record of a cleanly closed
    // dataset true, so the next export trusts its totals instead of re-checking the whole dataset.
    return await keepClosedState(paths.root, write);
  } finally {
    await lock.release();
  }
}
