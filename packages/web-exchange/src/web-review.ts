import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { ConfigError, type Logger, silentLogger } from "@qontinui/export-core";
import { categoryLookup, checkStoredBox, IMAGE_ID_PATTERN, type StoredAnnotation } from "@qontinui/intermediate-format";
import { type ReviewDecision, ReviewSession } from "@qontinui/review";
import { z } from "zod";
import { REVIEW_STATUSES, type ReviewStatus, reviewStatusOf, webBox, webCategoryNames } from "./web-fields.js";

/**
 * One annotation as qontinui-web's API returns it (`DatasetAnnotationResponse`
 * in backend/app/schemas/training_dataset.py: GET /api/v1/datasets/{id}/annotations
 * and /images/{image_id}/annotations). Only what is read here is checked; the
 * rest is kept.
 */
const markerSchema = z.object({
  image_id: z.string().regex(IMAGE_ID_PATTERN),
  index: z.number().int().min(0),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  category: z.string(),
  source: z.string().optional(),
});
const webAnnotationSchema = z.looseObject({
  id: z.string().optional(),
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
  category_name: z.string().nullish(),
  review_status: z.enum(REVIEW_STATUSES),
  verified: z.boolean().optional(),
  inference_metadata: z.looseObject({ qontinui_export: markerSchema.optional() }).nullish(),
});
type WebAnnotation = z.infer<typeof webAnnotationSchema>;

export interface WebReviewOptions {
  /** Recorded as the log entries' `reviewer`. Default "qontinui-web". */
  reviewer?: string;
  /** Let a decision made there replace a different decision made here (approved here, rejected there). Default false: ours is kept, counted as a conflict. */
  overwrite?: boolean;
  /** Compute what would change, write nothing. */
  dryRun?: boolean;
  /** How long to wait for the dataset's lock (an export, a reviewer). Default 10 s. */
  lockWaitMs?: number;
  logger?: Logger;
}

export interface WebReviewResult {
  /** Annotation records read from the file. */
  read: number;
  /** Decisions written (or, with dryRun, that would be), by action. */
  applied: { accept: number; reject: number; flag: number; edit: number };
  /** Pending there, or already the same here: nothing to do. */
  unchanged: number;
  /** Decided differently here, kept (see `overwrite`). */
  conflicts: number;
  /** Exported from this dataset but no longer as it was exported here (changed or removed since): not applied. */
  notFound: number;
  /** Boxes without our export marker (drawn there, or imported from elsewhere): not applied. */
  notFromThisDataset: number;
  /** Moved there but not approved: the new box is not taken until it is. */
  editedNotApproved: number;
  /** Changed to a category this dataset does not have: the box is taken, its category is not. */
  categoryUnknown: number;
  /** Records that are not annotations as its API returns them. */
  invalid: number;
  /** Refused while writing (the box changed in between). */
  refused: number;
  /** The first problems, one line each. */
  messages: string[];
}

const MAX_MESSAGES = 50;

/**
 * Reads back review decisions made in qontinui-web on boxes this dataset
 * exported (`writeWebZip` marks each box with `inference_metadata.qontinui_export`,
 * which their import keeps and their API returns) and writes them into the
 * dataset through the review tool's code path (ReviewSession.decideMany: the
 * dataset's lock, review/log.jsonl, manifest `reviewed`, undo):
 *
 *   approved → accept (verified, approved); moved or resized there → edit
 *   rejected → reject (the box leaves annotations/, the log keeps it)
 *   flagged  → flag (kept, unverified, flagged)
 *   pending  → nothing (their import makes every box pending)
 *
 * `file` holds what their API returns for a dataset's annotations: JSON (one
 * page `{items: [...]}`, a list of pages, or a list of annotations) or JSON
 * Lines (one page or one annotation a line). Their own exports (COCO, YOLO,
 * JSONL, the trainer's) carry no review status, so they cannot be read back.
 */
export async function applyWebReview(datasetDir: string, file: string, options: WebReviewOptions = {}): Promise<WebReviewResult> {
  const logger = options.logger ?? silentLogger;
  const result: WebReviewResult = {
    read: 0,
    applied: { accept: 0, reject: 0, flag: 0, edit: 0 },
    unchanged: 0,
    conflicts: 0,
    notFound: 0,
    notFromThisDataset: 0,
    editedNotApproved: 0,
    categoryUnknown: 0,
    invalid: 0,
    refused: 0,
    messages: [],
  };
  const note = (message: string) => {
    if (result.messages.length < MAX_MESSAGES) result.messages.push(message);
  };

  // Their records, grouped by our image id.
  const byImage = new Map<string, { web: WebAnnotation; marker: z.infer<typeof markerSchema> }[]>();
  for await (const value of readRecords(file)) {
    result.read++;
    const parsed = webAnnotationSchema.safeParse(value);
    if (!parsed.success) {
      result.invalid++;
      note(`record ${result.read}: not an annotation of qontinui-web's API (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
      continue;
    }
    const marker = parsed.data.inference_metadata?.qontinui_export;
    if (!marker) {
      result.notFromThisDataset++;
      continue;
    }
    const list = byImage.get(marker.image_id);
    if (list) list.push({ web: parsed.data, marker });
    else byImage.set(marker.image_id, [{ web: parsed.data, marker }]);
  }

  const session = await ReviewSession.open(datasetDir, { reviewer: options.reviewer ?? "qontinui-web", lockWaitMs: options.lockWaitMs ?? 10_000 });
  const dataset = session.dataset;
  const lookup = categoryLookup(dataset.metadata.category_map);
  const { names: webNames } = webCategoryNames(dataset.categories());
  const categoryMap = dataset.metadata.category_map;
  const decisions: ReviewDecision[] = [];

  for (const [imageId, records] of byImage) {
    const doc = session.has(imageId) ? await dataset.readAnnotationFile(imageId) : undefined;
    if (!doc || !Array.isArray(doc.annotations)) {
      result.notFound += records.length;
      note(`image ${imageId}: not in ${datasetDir} (or has no boxes): ${records.length} decisions not applied`);
      continue;
    }
    // Our boxes as the export saw them: checked, with their normalised category.
    const ours = doc.annotations.map((raw, index) => {
      const checked = checkStoredBox(raw, lookup, doc.image_width, doc.image_height);
      return checked.ok ? { raw, index, box: checked.annotation } : undefined;
    });
    const taken = new Set<number>();
    for (const { web, marker } of records) {
      const sameAsExported = (o: (typeof ours)[number]) =>
        o !== undefined && !taken.has(o.index) && o.box.categoryName === marker.category && o.box.bbox.every((v, i) => v === marker.bbox[i]);
      const hinted = ours[marker.index];
      const found = sameAsExported(hinted) ? hinted : ours.find(sameAsExported);
      if (!found) {
        result.notFound++;
        note(`image ${imageId} box ${marker.index} (${marker.category}): changed or removed here since the export; their ${web.review_status} not applied`);
        continue;
      }
      taken.add(found.index);
      const raw = found.raw as StoredAnnotation;
      const here = reviewStatusOf(raw);
      const there: ReviewStatus = web.review_status;
      if (there === "pending") {
        if (!sameGeometry(raw, web, doc.image_width, doc.image_height)) result.editedNotApproved++;
        else result.unchanged++;
        continue;
      }
      if (here !== "pending" && here !== there && !options.overwrite) {
        result.conflicts++;
        note(`image ${imageId} box ${found.index} (${marker.category}): ${here} here, ${there} there; kept ${here} (overwrite: true takes theirs)`);
        continue;
      }
      const base = { image: imageId, index: found.index, before: raw, origin: `qontinui-web${web.id ? `:${web.id}` : ""}` };
      if (there === "rejected") {
        decisions.push({ ...base, action: "reject" });
      } else if (there === "flagged") {
        if (here === "flagged") result.unchanged++;
        else decisions.push({ ...base, action: "flag" });
      } else {
        // Approved: with the box as it is there when it was moved or given another category.
        const edit: Partial<ReviewDecision> = {};
        if (!sameGeometry(raw, web, doc.image_width, doc.image_height)) edit.bbox = [web.x, web.y, web.width, web.height];
        const exportedName = webNames.get(found.box.categoryId);
        if (typeof web.category_name === "string" && web.category_name !== exportedName) {
          // Theirs is free text: taken when it names one of our categories (as we wrote it, or in full).
          const category = Object.entries(categoryMap).find(([name, id]) => name === web.category_name || webNames.get(id) === web.category_name)?.[0];
          if (category !== undefined) edit.category = category;
          else {
            result.categoryUnknown++;
            note(`image ${imageId} box ${found.index}: category ${JSON.stringify(web.category_name).slice(0, 60)} is not in this dataset's category_map; kept ${found.box.categoryName}`);
          }
        }
        if (edit.bbox || edit.category) decisions.push({ ...base, action: "edit", ...edit });
        else if (here === "approved" && raw.verified === true) result.unchanged++;
        else decisions.push({ ...base, action: "accept" });
      }
    }
  }

  const count = (ds: readonly ReviewDecision[]) => {
    for (const d of ds) if (d.action === "accept" || d.action === "reject" || d.action === "flag" || d.action === "edit") result.applied[d.action]++;
  };
  if (options.dryRun || decisions.length === 0) {
    count(decisions);
  } else {
    const written = await session.decideMany(decisions);
    count(written.applied.map((a) => a.decision));
    result.refused = written.refused.length;
    for (const r of written.refused) note(`image ${r.decision.image} box ${r.decision.index}: ${r.error.message}`);
  }
  const a = result.applied;
  logger.info(
    `web review ${options.dryRun ? "(dry run) " : ""}from ${path.basename(file)}: ${a.accept} accepted, ${a.reject} rejected, ${a.flag} flagged, ${a.edit} edited; ${result.unchanged} unchanged, ${result.conflicts} conflicts, ${result.notFound} not found, ${result.notFromThisDataset} not from this dataset`,
  );
  return result;
}

/** Their integer box equals the one we exported for the box as it is here: not moved there. */
function sameGeometry(raw: StoredAnnotation, web: WebAnnotation, width: number, height: number): boolean {
  const exported = webBox(raw.bbox, width, height);
  return exported !== undefined && exported[0] === web.x && exported[1] === web.y && exported[2] === web.width && exported[3] === web.height;
}

/** Every annotation-like object in the file: JSON (a page, pages, annotations) or JSON Lines (a page or an annotation a line). */
async function* readRecords(file: string): AsyncGenerator<unknown> {
  let head: string;
  try {
    const handle = await fs.open(file, "r");
    try {
      const buf = Buffer.alloc(64);
      const { bytesRead } = await handle.read(buf, 0, 64, 0);
      head = buf.subarray(0, bytesRead).toString("utf8").trimStart();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (head.startsWith("[") || file.toLowerCase().endsWith(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(await fs.readFile(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${file} is not JSON: ${(e as Error).message} (give a page of GET /api/v1/datasets/{id}/annotations, a list of pages, or JSON Lines)`);
    }
    yield* flatten(value);
    return;
  }
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ConfigError(`${file} line ${n} is not JSON: ${(e as Error).message}`);
    }
    yield* flatten(value);
  }
}

function* flatten(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (const v of value) yield* flatten(v);
    return;
  }
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.items)) {
      yield* flatten(o.items);
      return;
    }
    if (Array.isArray(o.annotations) && !("review_status" in o)) {
      yield* flatten(o.annotations);
      return;
    }
  }
  yield value;
}
