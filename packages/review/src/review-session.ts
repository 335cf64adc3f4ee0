import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import { readImageInfo } from "@qontinui/export-core";
import { type AnnotationFile, type IntermediateDataset, openDataset, type StoredAnnotation } from "@qontinui/intermediate-format";
import { adjustTotalAnnotations, setManifestReviewed, writeAnnotationFile } from "./dataset-files.js";
import { withDatasetLock } from "./dataset-lock-scope.js";
import { ReviewConflictError, ReviewInputError } from "./review-errors.js";
import { appendReviewLog, type ReviewAction, type ReviewLogEntry, readReviewLog, reviewLogPath } from "./review-log.js";
import { categoryCounts, type ImageSummary, orderQueue, type QueueFilter, readAnnotationFileQuietly, readImageSummaries, summarizeImage } from "./review-queue.js";

/** Source of a box a reviewer drew. */
export const REVIEW_SOURCE = "review";

/**
 * A box's review state, stored as its optional `review_status` (the same
 * values as qontinui-web's): absent means pending. accept, edit and add make
 * a box approved; flag keeps it but marks it doubtful (flagged, unverified, so
 * it comes back to the front of the queue and `--reviewed-only` leaves its image out);
 * reject removes it from the annotation file, and review/log.jsonl keeps it
 * whole (converters never see a rejected box).
 */
export type ReviewStatus = "pending" | "approved" | "rejected" | "flagged";
export const REVIEW_STATUSES: readonly ReviewStatus[] = ["pending", "approved", "rejected", "flagged"];

/** One decision on one image, as the page sends it. */
export interface ReviewDecision {
  image: string;
  /** accept without `index`: every box of the image (and an image without boxes is marked reviewed). */
  action: "accept" | "reject" | "edit" | "add" | "flag";
  /** The box's index in the annotation file as the reviewer loaded it. */
  index?: number;
  /** The box as the reviewer loaded it: a box changed since (by another reviewer) is not overwritten. */
  before?: StoredAnnotation;
  /** edit, add: the new [x, y, width, height] in image pixels (clipped to the image). */
  bbox?: [number, number, number, number];
  /** edit, add: a category name from metadata.json's category_map. */
  category?: string;
  /** Where the decision was made when not in this session's page (e.g. `qontinui-web`): kept in the log entry. */
  origin?: string;
}

/** What `decideMany` did: the decisions written, and those refused (each with why), in the order given. */
export interface BatchResult {
  applied: { decision: ReviewDecision; entries: ReviewLogEntry[] }[];
  refused: { decision: ReviewDecision; error: Error }[];
}

/** An image as the page shows it: its stored boxes, fresh from disk. */
export interface ReviewImage {
  id: string;
  width: number;
  height: number;
  reviewed: boolean;
  boxes: StoredAnnotation[];
}

export interface DecisionResult {
  image: ReviewImage;
  entries: ReviewLogEntry[];
}

export interface ReviewSessionOptions {
  /** Recorded as `reviewer` in the log. Default: the OS user name. */
  reviewer?: string;
  /** How long a decision waits for the dataset's lock (an export or another reviewer) before it is refused. Default 3000 ms. */
  lockWaitMs?: number;
}

/** Canonical JSON (keys sorted): two boxes are the same box when every field is equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

const sameBox = (a: unknown, b: unknown) => canonical(a) === canonical(b);

export function defaultReviewer(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/**
 * A review of one intermediate dataset: the queue (kept in memory as one small
 * summary per image) and the decisions. Every decision is written under the
 * dataset's writer lock, from the files as they are on disk at that moment, so
 * two reviewers (or a reviewer and an export) never overwrite each other: a box
 * someone else changed since it was loaded is refused (ReviewConflictError),
 * never silently replaced. Order of writes per decision: the log line first (a
 * rejected box is in the log before it leaves its file), then the annotation
 * file, metadata.json's total, and the manifest's `reviewed`, each whole.
 */
export class ReviewSession {
  readonly reviewer: string;
  readonly logFile: string;
  /** Decisions of this session not undone, newest last (one decision may be several log entries: accept all). */
  private readonly undoStack: ReviewLogEntry[][] = [];
  private readonly lockWaitMs: number;
  private categoryMap: Record<string, number>;

  private constructor(
    readonly dataset: IntermediateDataset,
    private readonly summaries: Map<string, ImageSummary>,
    options: ReviewSessionOptions,
  ) {
    this.reviewer = options.reviewer ?? defaultReviewer();
    this.lockWaitMs = options.lockWaitMs ?? 3_000;
    this.logFile = reviewLogPath(dataset.dir);
    this.categoryMap = dataset.metadata.category_map;
  }

  /** Opens a dataset for review: reads its manifest and annotation files once (no image is read). */
  static async open(dir: string, options: ReviewSessionOptions = {}): Promise<ReviewSession> {
    const dataset = await openDataset(dir);
    return new ReviewSession(dataset, await readImageSummaries(dataset), options);
  }

  get size(): number {
    return this.summaries.size;
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  categories(): { id: number; name: string }[] {
    return Object.entries(this.categoryMap)
      .map(([name, id]) => ({ id, name }))
      .sort((a, b) => a.id - b.id);
  }

  sources(): string[] {
    const all = new Set<string>();
    for (const s of this.summaries.values()) for (const src of s.sources) all.add(src);
    return [...all].sort();
  }

  /** Review progress: images reviewed, boxes verified. */
  progress(): { images: number; reviewed: number; boxes: number; unverified: number } {
    let reviewed = 0;
    let boxes = 0;
    let unverified = 0;
    for (const s of this.summaries.values()) {
      if (s.reviewed) reviewed++;
      boxes += s.boxes;
      unverified += s.unverified;
    }
    return { images: this.summaries.size, reviewed, boxes, unverified };
  }

  /** The queue, most in need of a look first (see orderQueue). */
  queue(filter: QueueFilter = {}): ImageSummary[] {
    return orderQueue(this.summaries.values(), filter, categoryCounts(this.summaries.values()));
  }

  /** An image's boxes, read from disk now. */
  async image(id: string): Promise<ReviewImage> {
    const summary = this.summaryOf(id);
    const doc = await this.dataset.readAnnotationFile(id);
    const size = doc ? { width: doc.image_width, height: doc.image_height } : await this.imageSize(id);
    return { id, ...size, reviewed: summary.reviewed, boxes: Array.isArray(doc?.annotations) ? doc.annotations : [] };
  }

  /** Absolute path of an image's file: only ever images/<id>.<ext> of an image this dataset lists. */
  async imagePath(id: string): Promise<string | undefined> {
    if (!this.summaries.has(id)) return undefined;
    const doc = await readAnnotationFileQuietly(this.dataset, id);
    return this.dataset.paths.imageFile(await this.dataset.imageFileName(id, doc));
  }

  private summaryOf(id: string): ImageSummary {
    const s = this.summaries.get(id);
    if (!s) throw new ReviewInputError(`image ${JSON.stringify(id).slice(0, 40)} is not in this dataset`);
    return s;
  }

  private async imageSize(id: string): Promise<{ width: number; height: number }> {
    const file = await this.imagePath(id);
    const info = file ? readImageInfo(await fs.readFile(file)) : undefined;
    if (!info?.ok) throw new ReviewInputError(`cannot read the size of image ${id}`);
    return { width: info.info.width, height: info.info.height };
  }

  /** Applies one decision to the dataset on disk (see the class comment) and logs it. */
  async decide(decision: ReviewDecision): Promise<DecisionResult> {
    this.summaryOf(decision.image);
    const result = await withDatasetLock(this.dataset.paths, () => this.applyLocked(decision), this.lockWaitMs);
    this.undoStack.push(result.entries);
    return result;
  }

  /**
   * Reverts a decision: the last one of this session not yet undone, or the
   * logged decision `id` (any reviewer's). The box must still be as the
   * decision left it; an undo is itself logged.
   */
  async undo(id?: string): Promise<DecisionResult> {
    let group: ReviewLogEntry[];
    if (id === undefined) {
      const last = this.undoStack.at(-1);
      if (!last) throw new ReviewInputError("nothing to undo in this session");
      group = last;
    } else {
      const log = await readReviewLog(this.logFile);
      const entry = log.find((e) => e.id === id);
      if (!entry) throw new ReviewInputError(`no decision ${JSON.stringify(id).slice(0, 40)} in ${this.logFile}`);
      if (log.some((e) => e.undoes === id)) throw new ReviewConflictError(`decision ${id} was already undone`);
      group = [entry];
    }
    const result = await withDatasetLock(this.dataset.paths, () => this.undoLocked(group), this.lockWaitMs);
    if (id === undefined) this.undoStack.pop();
    else {
      const at = this.undoStack.findIndex((g) => g.some((e) => e.id === id));
      if (at >= 0) this.undoStack.splice(at, 1);
    }
    return result;
  }

  private async readDoc(id: string): Promise<AnnotationFile | undefined> {
    return this.dataset.readAnnotationFile(id);
  }

  /** A fresh annotation file for an image the export wrote none for (the seed writes files only for images with boxes). */
  private async newDoc(id: string): Promise<AnnotationFile> {
    const { width, height } = await this.imageSize(id);
    let context: AnnotationFile["context"] = { action_type: null, active_states: [], timestamp: null, success: null };
    for await (const { entry } of this.dataset.manifest()) {
      if (entry.id !== id) continue;
      context = { action_type: entry.action_type ?? null, active_states: Array.isArray(entry.active_states) ? entry.active_states : [], timestamp: entry.timestamp ?? null, success: null };
      break;
    }
    const fileName = await this.dataset.imageFileName(id);
    return { image_id: id, image_filename: fileName, image_width: width, image_height: height, annotations: [], context, version: this.dataset.metadata.dataset_version ?? "1.0.0" };
  }

  private findBox(doc: AnnotationFile, index: number | undefined, box: StoredAnnotation | undefined, what: string): number {
    if (!box) throw new ReviewInputError(`${what} needs the box as it was loaded ("before")`);
    const boxes = doc.annotations;
    if (index !== undefined && sameBox(boxes[index], box)) return index;
    const at = boxes.findIndex((b) => sameBox(b, box));
    if (at < 0) {
      throw new ReviewConflictError(`the box was changed or removed since it was loaded (another reviewer?); nothing was written: reload image ${doc.image_id} and decide again`);
    }
    return at;
  }

  /** A bbox clipped to the image, or an error when nothing of it is inside. */
  private checkedBox(bbox: unknown, doc: AnnotationFile): [number, number, number, number] {
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new ReviewInputError(`bbox ${JSON.stringify(bbox)?.slice(0, 60)} is not [x, y, width, height]`);
    }
    const round = (v: number) => Math.round(v * 100) / 100;
    const [x, y, w, h] = bbox as number[];
    const x0 = Math.max(0, Math.min(x!, x! + w!));
    const y0 = Math.max(0, Math.min(y!, y! + h!));
    const x1 = Math.min(doc.image_width, Math.max(x!, x! + w!));
    const y1 = Math.min(doc.image_height, Math.max(y!, y! + h!));
    const out: [number, number, number, number] = [round(x0), round(y0), round(x1 - x0), round(y1 - y0)];
    if (!(out[2] >= 1 && out[3] >= 1)) throw new ReviewInputError(`bbox ${JSON.stringify(bbox)} has less than a pixel inside the ${doc.image_width}×${doc.image_height} image`);
    if (out[0] + out[2] > doc.image_width) out[2] = round(doc.image_width - out[0]);
    if (out[1] + out[3] > doc.image_height) out[3] = round(doc.image_height - out[1]);
    return out;
  }

  private category(name: unknown): { category_id: number; category_name: string } {
    if (typeof name !== "string" || !Object.hasOwn(this.categoryMap, name)) {
      throw new ReviewInputError(`category ${JSON.stringify(name)?.slice(0, 60)} is not in metadata.json's category_map (${Object.keys(this.categoryMap).length} categories)`);
    }
    return { category_id: this.categoryMap[name]!, category_name: name };
  }

  private entry(on: string | ReviewDecision, action: ReviewAction, fields: Partial<ReviewLogEntry>): ReviewLogEntry {
    const image = typeof on === "string" ? on : on.image;
    const origin = typeof on === "string" ? undefined : on.origin;
    return { id: randomBytes(8).toString("hex"), time: new Date().toISOString(), reviewer: this.reviewer, image, action, ...(origin !== undefined ? { origin } : {}), ...fields };
  }

  private async applyLocked(d: ReviewDecision): Promise<DecisionResult> {
    const doc = await this.docFor(d);
    const { entries, delta } = this.applyTo(doc, d);
    const reviewed = doc.annotations.every((b) => b.verified === true);
    return this.commit(doc, entries, delta, reviewed);
  }

  /** The image's annotation file as it is on disk now, or a fresh one where the decision may create it. */
  private async docFor(d: ReviewDecision): Promise<AnnotationFile> {
    const existing = await this.readDoc(d.image);
    const doc = existing ?? (d.action === "add" || (d.action === "accept" && d.index === undefined) ? await this.newDoc(d.image) : undefined);
    if (!doc || !Array.isArray(doc.annotations)) throw new ReviewInputError(`image ${d.image} has no boxes to ${d.action}`);
    return doc;
  }

  /**
   * Several decisions (from another tool: qontinui-web's review, a script) in
   * one hold of the dataset's lock: each image's file is read once, its
   * decisions applied in order, written once; metadata.json's total and the
   * manifest are rewritten once at the end. A decision that cannot be applied
   * (its box changed or gone, a bad category) is refused alone and returned
   * with why; the others are written.
   */
  async decideMany(decisions: readonly ReviewDecision[]): Promise<BatchResult> {
    for (const d of decisions) this.summaryOf(d.image);
    const result = await withDatasetLock(this.dataset.paths, () => this.applyManyLocked(decisions), this.lockWaitMs);
    const groups = result.applied.map((a) => a.entries).filter((e) => e.length > 0);
    this.undoStack.push(...groups);
    return result;
  }

  private async applyManyLocked(decisions: readonly ReviewDecision[]): Promise<BatchResult> {
    const byImage = new Map<string, ReviewDecision[]>();
    for (const d of decisions) {
      const list = byImage.get(d.image);
      if (list) list.push(d);
      else byImage.set(d.image, [d]);
    }
    const result: BatchResult = { applied: [], refused: [] };
    const reviewedNow = new Map<string, boolean>();
    let totalDelta = 0;
    for (const [image, list] of byImage) {
      let doc: AnnotationFile | undefined;
      const entries: ReviewLogEntry[] = [];
      for (const d of list) {
        try {
          doc ??= await this.docFor(d);
          // Applied to a copy first: a refused decision leaves the file as the others made it.
          const next: AnnotationFile = { ...doc, annotations: [...doc.annotations] };
          const applied = this.applyTo(next, d);
          doc = next;
          entries.push(...applied.entries);
          totalDelta += applied.delta;
          result.applied.push({ decision: d, entries: applied.entries });
        } catch (e) {
          if (!(e instanceof ReviewConflictError || e instanceof ReviewInputError)) throw e;
          result.refused.push({ decision: d, error: e });
        }
      }
      if (!doc || entries.length === 0) continue;
      const reviewed = doc.annotations.every((b) => b.verified === true);
      const summary = this.summaryOf(image);
      if (summary.reviewed !== reviewed) entries[entries.length - 1]!.reviewed = { before: summary.reviewed, after: reviewed };
      for (const e of entries) await appendReviewLog(this.logFile, e);
      await writeAnnotationFile(this.dataset.paths, doc);
      reviewedNow.set(image, reviewed);
      this.summaries.set(image, summarizeImage(image, summary.order, reviewed, doc));
    }
    await adjustTotalAnnotations(this.dataset.paths, totalDelta);
    if (reviewedNow.size > 0) await setManifestReviewed(this.dataset.paths, reviewedNow);
    return result;
  }

  /** Applies one decision to an annotation file in memory: the log entries it makes and the change in box count. */
  private applyTo(doc: AnnotationFile, d: ReviewDecision): { entries: ReviewLogEntry[]; delta: number } {
    const entries: ReviewLogEntry[] = [];
    let delta = 0;
    switch (d.action) {
      case "accept": {
        const all = d.index === undefined && d.before === undefined;
        const targets = all ? doc.annotations.map((_, i) => i) : [this.findBox(doc, d.index, d.before, "accept")];
        for (const i of targets) {
          const before = doc.annotations[i]!;
          if (all && before.verified === true && before.review_status === "approved") continue;
          const after: StoredAnnotation = { ...before, verified: true, review_status: "approved" };
          doc.annotations[i] = after;
          entries.push(this.entry(d, "accept", { index: i, before, after }));
        }
        if (entries.length === 0) entries.push(this.entry(d, "accept", {}));
        break;
      }
      case "reject": {
        const i = this.findBox(doc, d.index, d.before, "reject");
        const before = doc.annotations[i]!;
        doc.annotations.splice(i, 1);
        delta = -1;
        entries.push(this.entry(d, "reject", { index: i, before }));
        break;
      }
      case "flag": {
        const i = this.findBox(doc, d.index, d.before, "flag");
        const before = doc.annotations[i]!;
        const after: StoredAnnotation = { ...before, verified: false, review_status: "flagged" };
        doc.annotations[i] = after;
        entries.push(this.entry(d, "flag", { index: i, before, after }));
        break;
      }
      case "edit": {
        const i = this.findBox(doc, d.index, d.before, "edit");
        const before = doc.annotations[i]!;
        const after: StoredAnnotation = { ...before, verified: true, review_status: "approved" };
        if (d.bbox !== undefined) {
          after.bbox = this.checkedBox(d.bbox, doc);
          delete after.clipped;
        }
        if (d.category !== undefined) Object.assign(after, this.category(d.category));
        doc.annotations[i] = after;
        entries.push(this.entry(d, "edit", { index: i, before, after }));
        break;
      }
      case "add": {
        const after: StoredAnnotation = {
          bbox: this.checkedBox(d.bbox, doc),
          ...this.category(d.category),
          confidence: 1,
          source: REVIEW_SOURCE,
          verified: true,
          review_status: "approved",
        };
        doc.annotations.push(after);
        delta = 1;
        entries.push(this.entry(d, "add", { index: doc.annotations.length - 1, after }));
        break;
      }
      default:
        throw new ReviewInputError(`unknown action ${JSON.stringify((d as { action: unknown }).action)?.slice(0, 30)}`);
    }
    return { entries, delta };
  }

  private async undoLocked(group: ReviewLogEntry[]): Promise<DecisionResult> {
    const image = group[0]!.image;
    const doc = (await this.readDoc(image)) ?? (await this.newDoc(image));
    const entries: ReviewLogEntry[] = [];
    let delta = 0;
    let reviewedBefore: boolean | undefined;
    for (const e of [...group].reverse()) {
      if (e.action === "undo") throw new ReviewInputError(`decision ${e.id} is an undo; decide again instead of undoing it`);
      reviewedBefore = e.reviewed?.before ?? reviewedBefore;
      const fields: Partial<ReviewLogEntry> = { undoes: e.id, undoes_action: e.action };
      if (e.action === "reject") {
        const at = Math.min(e.index ?? doc.annotations.length, doc.annotations.length);
        doc.annotations.splice(at, 0, e.before!);
        delta++;
        entries.push(this.entry(image, "undo", { ...fields, index: at, after: e.before! }));
      } else if (e.after) {
        const at = this.findBox(doc, e.index, e.after, "undo");
        if (e.action === "add") {
          doc.annotations.splice(at, 1);
          delta--;
          entries.push(this.entry(image, "undo", { ...fields, index: at, before: e.after }));
        } else {
          doc.annotations[at] = e.before!;
          entries.push(this.entry(image, "undo", { ...fields, index: at, before: e.after, after: e.before! }));
        }
      } else {
        entries.push(this.entry(image, "undo", fields)); // an image accepted without boxes
      }
    }
    const reviewed = doc.annotations.length > 0 ? doc.annotations.every((b) => b.verified === true) : (reviewedBefore ?? false);
    return this.commit(doc, entries, delta, reviewed);
  }

  /** Writes a decision: log line(s), annotation file, metadata total, manifest `reviewed`. Called holding the lock. */
  private async commit(doc: AnnotationFile, entries: ReviewLogEntry[], delta: number, reviewed: boolean): Promise<DecisionResult> {
    const id = doc.image_id;
    const summary = this.summaryOf(id);
    if (summary.reviewed !== reviewed) entries[entries.length - 1]!.reviewed = { before: summary.reviewed, after: reviewed };
    for (const e of entries) await appendReviewLog(this.logFile, e);
    await writeAnnotationFile(this.dataset.paths, doc);
    await adjustTotalAnnotations(this.dataset.paths, delta);
    await setManifestReviewed(this.dataset.paths, new Map([[id, reviewed]]));
    this.summaries.set(id, summarizeImage(id, summary.order, reviewed, doc));
    return { image: { id, width: doc.image_width, height: doc.image_height, reviewed, boxes: doc.annotations }, entries };
  }
}
