import type { Annotation } from "./annotation.js";
import { ScreenshotError } from "./errors.js";
import type { Labeler, ResolvedImage, SourceRecord, Writer } from "./plugins.js";
import { type Problem, ProblemReason } from "./problems.js";
import { type CachedResolution, NO_BYTES, type ScreenshotCache } from "./screenshot-cache.js";

/** A record after its screenshot was resolved and labelled, or why it was not. */
export type ResolvedRecord =
  | { kind: "item"; entry: SourceRecord; image: ResolvedImage; bytesRead: number; annotations: Annotation[]; problems: Problem[] }
  | { kind: "problem"; problem: Problem }
  | { kind: "filtered"; entry: SourceRecord; filter: string };

export interface RecordResolver {
  screenshots: ScreenshotCache;
  labelers: readonly Labeler[];
  /** Writers whose `prepare` sees each image the first time it is resolved in the run. */
  writers: readonly Writer[];
  signal?: AbortSignal | undefined;
}

/**
 * The concurrent part of an export, for one record: its screenshot read
 * once through the cache (writers prepare a fresh image with its bytes), then
 * every labeler's boxes. A screenshot problem is the record's problem; a
 * labeler that throws is reported and the others' boxes are kept. The image
 * comes back without its bytes: the record waits for its turn without
 * holding the screenshot in memory.
 */
export async function resolveRecord(entry: SourceRecord, r: RecordResolver): Promise<ResolvedRecord> {
  const { record, line } = entry;
  // Where a problem was: built for records that have one, not for every record.
  const where = () => ({ actionId: record.action_id, ...(line !== undefined ? { line } : {}) });
  const ref = record.screenshot_reference;
  if (!ref) {
    return { kind: "problem", problem: { ...where(), reason: ProblemReason.NoScreenshot, severity: "skipped", message: `record ${record.action_id} has no screenshot_reference` } };
  }
  let resolved: CachedResolution | undefined;
  try {
    resolved = await r.screenshots.resolve(ref);
    // A screenshot resolved earlier in the run was prepared then (and may come without bytes).
    if (resolved.fresh) for (const w of r.writers) await w.prepare?.(resolved.image);
  } catch (e) {
    resolved?.release();
    if (e instanceof ScreenshotError) return { kind: "problem", problem: { ...where(), reason: e.reason, severity: "skipped", message: e.message } };
    throw e;
  }
  const { image, bytesRead } = resolved;
  const problems: Problem[] = [];
  const annotations: Annotation[] = [];
  try {
    for (const labeler of r.labelers) {
      const ctx = {
        report: (reason: string, message: string, severity: Problem["severity"] = "dropped_box") => problems.push({ ...where(), reason, severity, message, plugin: labeler.name }),
        signal: r.signal,
      };
      try {
        annotations.push(...(await labeler.label(record, image, ctx)));
      } catch (e) {
        problems.push({ ...where(), reason: ProblemReason.LabelerFailed, severity: "repaired", plugin: labeler.name, message: `labeler ${labeler.name} failed: ${(e as Error).message}` });
      }
    }
  } finally {
    resolved.release();
  }
  // A known screenshot's image already comes without bytes (and is shared by its records, unchanged).
  return { kind: "item", entry, image: image.bytes === NO_BYTES ? image : { ...image, bytes: NO_BYTES }, bytesRead, annotations, problems };
}
