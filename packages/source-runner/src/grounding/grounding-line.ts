import { isoSeconds } from "../iso-time.js";
import { createHash } from "node:crypto";
import { type ExecutionRecord, type ExecutionRecordInput, parseRecord, type Problem, type SourceBox } from "@qontinui/export-core";

/** The source's name: in problems, and the annotation `source` of every element box. */
export const GROUNDING_SOURCE_NAME = "grounding";

/** Reasons this source reports besides the shared ProblemReason ones. */
export const GroundingProblemReason = {
  /**
   * A grounding.jsonl line parses as JSON but is not a grounding line: not
   * an object, no `image_hash` or `image_path` string, or `elements` present
   * and not an array. The line is skipped.
   */
  InvalidGroundingLine: "invalid_grounding_line",
} as const;

/** Where a line came from, for ids, messages and metadata. */
export interface GroundingLinePosition {
  /** File name, e.g. "grounding.jsonl" or "grounding.3.jsonl". */
  file: string;
  /** 1-based line in that file. */
  line: number;
}

export type GroundingLineResult = { ok: true; record: ExecutionRecord } | { ok: false; problem: Problem };

/**
 * One parsed grounding.jsonl line (see RUNNER_FORMATS.md C) as a record, or
 * the problem that replaces it. Never throws.
 *
 * - `action_id` is `grounding:<image_hash>`: the writer stores each image once
 *   (deduped by hash), so it names the line and does not change between
 *   exports. `attempt_id` is the first 16 hex of the SHA-256 of the line's
 *   JSON, so two lines that do share an image hash are still two records
 *   (the idempotence key includes it). Not `<file>:<line>`: the writer
 *   renames grounding.jsonl to grounding.<k>.jsonl when it rotates, which
 *   would make every rotated line look new to the next export.
 * - `elements` become `source_boxes` as they are (category = role, source
 *   "grounding", confidence 1, verified only for static lines: those boxes come
 *   from the UI-Bridge DOM; dynamic ones are OmniParser detections). An
 *   element without a usable bbox or role is not checked here: the
 *   source-boxes labeler drops it with a named problem (source_box_invalid,
 *   box_invalid_size, box_outside_image), so a line is never lost for one
 *   bad element. Boxes are in image pixels, also on static lines whose
 *   viewport is narrower than the image: nothing is scaled here.
 * - `action.target_bbox` is not an element box: it is a 50×50 square
 *   centred on the click, [cx-25, cy-25, 50, 50], not clamped to the screen.
 *   For click actions (type containing "click") its centre becomes
 *   `clicked_location`, so the click labeler infers the clicked element from
 *   the pixels as for every other click; the raw square stays in
 *   `metadata.target_bbox`. Other action types keep it in metadata only.
 * - `action.typed_text` is not kept (it may be a password).
 */
export function groundingLineToRecord(value: unknown, at: GroundingLinePosition): GroundingLineResult {
  const invalid = (why: string, actionId?: string): GroundingLineResult => ({
    ok: false,
    problem: {
      reason: GroundingProblemReason.InvalidGroundingLine,
      severity: "skipped",
      message: `${at.file} line ${at.line}: ${why}: skipped`,
      line: at.line,
      plugin: GROUNDING_SOURCE_NAME,
      ...(actionId !== undefined ? { actionId } : {}),
    },
  });

  if (!isObject(value)) return invalid(`not a grounding line (a JSON object), got ${describe(value)}`);
  const hash = value.image_hash;
  if (typeof hash !== "string" || hash.trim() === "") return invalid(`no image_hash (got ${describe(hash)})`);
  const actionId = `grounding:${hash}`;
  const imagePath = value.image_path;
  if (typeof imagePath !== "string" || imagePath.trim() === "") return invalid(`no image_path (got ${describe(imagePath)})`, actionId);
  const elements = value.elements ?? [];
  if (!Array.isArray(elements)) return invalid(`elements is not an array (got ${describe(elements)})`, actionId);

  const source = typeof value.source === "string" ? value.source : null;
  // A wrongly typed action is treated as absent, like any odd field of a record: the screenshot and boxes stay.
  const action = isObject(value.action) ? value.action : null;
  const type = action && typeof action.type === "string" && action.type.trim() !== "" ? action.type.trim() : null;
  const targetBbox = action ? action.target_bbox : undefined;
  const click = type !== null && /click/i.test(type) ? centreOf(targetBbox) : null;
  const timestamp = typeof value.timestamp === "string" ? value.timestamp : null;

  const metadata: Record<string, unknown> = {
    grounding_file: at.file,
    grounding_line: at.line,
    image_hash: hash,
  };
  // The writer stores images/<hash>.png; another path is read as given (core computes the real hash
  // of the bytes anyway), but noted here.
  if (imagePath !== `images/${hash}.png`) metadata.image_path_mismatch = true;
  copy(metadata, "source", source);
  copy(metadata, "timestamp", timestamp);
  copy(metadata, "session_id", value.session_id);
  copy(metadata, "phash", value.phash);
  copy(metadata, "viewport_width", value.viewport_width);
  copy(metadata, "viewport_height", value.viewport_height);
  if (action) {
    copy(metadata, "success_source", action.success_source);
    copy(metadata, "target_bbox", targetBbox);
  }
  copy(metadata, "grounding_metadata", value.metadata);

  const verified = source === "static";
  const sourceBoxes = elements.map((e) => elementBox(e, source, verified));

  const input: ExecutionRecordInput = {
    action_id: actionId,
    attempt_id: lineDigest(value),
    action_type: type === null ? null : type.toUpperCase(),
    start_time: timestamp === null ? null : isoSeconds(timestamp),
    success: action && typeof action.success === "boolean" ? action.success : null,
    clicked_location: click,
    screenshot_reference: imagePath,
    active_states_before: [],
    active_states_after: [],
    source_boxes: sourceBoxes,
    metadata,
  };
  const parsed = parseRecord(input);
  // Cannot fail (the action_id is a non-empty string), but never throw on a line.
  return parsed.ok ? { ok: true, record: parsed.record } : invalid(parsed.message, actionId);
}

/**
 * An element as a source box. Anything that is not an object is passed on
 * as it is, so the labeler reports it (source_box_invalid) with its index.
 */
function elementBox(element: unknown, source: string | null, verified: boolean): unknown {
  if (!isObject(element)) return element;
  const attributes: Record<string, unknown> = {};
  if (typeof element.text === "string") attributes.text = element.text;
  if (typeof element.interactable === "boolean") attributes.interactable = element.interactable;
  if (source !== null) attributes.grounding_source = source;
  // bbox and role as written: a missing role or a bad bbox is the labeler's to report.
  const box: Omit<SourceBox, "bbox" | "category"> & { bbox: unknown; category: unknown } = {
    bbox: element.bbox,
    category: element.role,
    source: GROUNDING_SOURCE_NAME,
    confidence: 1,
    verified,
    attributes,
  };
  return box;
}

/** The click point of a `target_bbox` [x, y, w, h] (the centre), or null when it is not four finite numbers. */
function centreOf(box: unknown): { x: number; y: number } | null {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((n) => typeof n === "number" && Number.isFinite(n))) return null;
  const [x, y, w, h] = box as [number, number, number, number];
  if (!(w >= 0 && h >= 0)) return null;
  return { x: x + w / 2, y: y + h / 2 };
}



/** First 16 hex of the SHA-256 of the line's JSON: the same line gives the same id in every export, whatever its file. */
function lineDigest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Sets `key` when the value is present (the writer drops null keys; so does the record). */
function copy(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined && value !== null) target[key] = value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
