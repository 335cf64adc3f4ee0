import { z } from "zod";
import { parseJsonLine } from "./json-lines.js";

const point = z.union([
  z.tuple([z.number(), z.number()]).rest(z.unknown()),
  z.looseObject({ x: z.number(), y: z.number() }),
]);

const stringList = z
  .array(z.unknown())
  .transform((a) => a.filter((s): s is string => typeof s === "string"))
  .nullish()
  .transform((a) => a ?? []);

/**
 * The runner's ActionExecutionRecord as serialised to JSON (snake_case).
 * Unknown fields are kept. `clicked_location` is accepted as `[x, y]` or
 * `{x, y}` and normalised to `{x, y}`. Only `action_id` is required; fields
 * of the wrong type are treated as absent rather than failing the record,
 * because one odd field should not lose a screenshot.
 *
 * Two fields are ours, for sources that read richer artifacts than the
 * runner's record: `attempt_id` tells apart records of one action on one
 * screenshot (two template patterns tried on an unchanged screen give the
 * same image; without it the second would count as already exported), and
 * `source_boxes` holds boxes the source already knows (grounding elements,
 * OmniParser regions, a DOM), `[{bbox: [x, y, w, h], category, source?,
 * confidence?, verified?, attributes?}]`, which `sourceBoxesLabeler` turns
 * into annotations; each entry is checked there, not here.
 */
export const ExecutionRecordSchema = z.looseObject({
  action_id: z.union([z.string().min(1), z.number().transform(String)]),
  action_type: z.string().nullish().catch(null),
  start_time: z.number().nullish().catch(null),
  end_time: z.number().nullish().catch(null),
  duration_ms: z.number().nullish().catch(null),
  active_states_before: stringList.catch([]),
  active_states_after: stringList.catch([]),
  success: z.boolean().nullish().catch(null),
  error_message: z.string().nullish().catch(null),
  retry_count: z.number().nullish().catch(null),
  match_summary: z.looseObject({}).nullish().catch(null),
  clicked_location: point
    .nullish()
    .catch(null)
    .transform((p) => (p == null ? null : Array.isArray(p) ? { x: p[0] as number, y: p[1] as number } : { x: p.x, y: p.y })),
  click_button: z.string().nullish().catch(null),
  click_target_type: z.string().nullish().catch(null),
  click_target: z.string().nullish().catch(null),
  screenshot_reference: z.string().nullish().catch(null),
  workflow_id: z.string().nullish().catch(null),
  parent_action_id: z.string().nullish().catch(null),
  metadata: z.looseObject({}).nullish().catch(null),
  attempt_id: z.union([z.string().min(1), z.number().transform(String)]).nullish().catch(null),
  source_boxes: z.array(z.unknown()).nullish().catch(null),
});

/** A box a source already knows (see `source_boxes`): pixels, origin top-left. */
export interface SourceBox {
  bbox: [number, number, number, number];
  category: string;
  /** Where the box came from (annotation `source`), e.g. "grounding". */
  source?: string;
  /** In [0, 1]. Default 1. */
  confidence?: number;
  /** Default false. */
  verified?: boolean;
  /** Kept with the box (e.g. the element's text). */
  attributes?: Record<string, unknown>;
}

export type ExecutionRecord = z.output<typeof ExecutionRecordSchema>;
/** What the runner writes (before normalisation). */
export type ExecutionRecordInput = z.input<typeof ExecutionRecordSchema>;

export type ParseRecordResult =
  | { ok: true; record: ExecutionRecord }
  | { ok: false; reason: "malformed_json" | "invalid_record"; message: string };

/**
 * Parses one records.jsonl line. Never throws. Python's json module writes
 * NaN, Infinity and -Infinity as bare words, which JSON does not allow: they
 * are read as null (the field is then treated as absent) rather than losing
 * the whole record.
 */
export function parseRecordLine(line: string): ParseRecordResult {
  const parsed = parseJsonLine(line);
  if (!parsed.ok) return { ok: false, reason: "malformed_json", message: `not valid JSON: ${parsed.message}` };
  return parseRecord(parsed.value);
}

/** Validates and normalises a record object. Never throws. */
export function parseRecord(value: unknown): ParseRecordResult {
  const fast = normaliseCommonRecord(value);
  if (fast) return { ok: true, record: fast };
  const parsed = ExecutionRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "record";
    return {
      ok: false,
      reason: "invalid_record",
      message: `${where}: ${issue?.message ?? "invalid"} (a record needs at least a non-empty action_id)`,
    };
  }
  return { ok: true, record: parsed.data };
}

// ExecutionRecordSchema's fields by kind, in its order (its output's key order).
const RECORD_FIELDS: readonly (readonly [string, "id" | "string" | "number" | "boolean" | "object" | "states" | "point" | "array"])[] = [
  ["action_id", "id"],
  ["action_type", "string"],
  ["start_time", "number"],
  ["end_time", "number"],
  ["duration_ms", "number"],
  ["active_states_before", "states"],
  ["active_states_after", "states"],
  ["success", "boolean"],
  ["error_message", "string"],
  ["retry_count", "number"],
  ["match_summary", "object"],
  ["clicked_location", "point"],
  ["click_button", "string"],
  ["click_target_type", "string"],
  ["click_target", "string"],
  ["screenshot_reference", "string"],
  ["workflow_id", "string"],
  ["parent_action_id", "string"],
  ["metadata", "object"],
  ["attempt_id", "id"],
  ["source_boxes", "array"],
];
const RECORD_FIELD_NAMES = new Set(RECORD_FIELDS.map(([name]) => name));

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * ExecutionRecordSchema's output for a record whose every field is absent, null or of its type
 * (what the runner writes), built directly: zod took ~37 µs a record in a fresh process (~110 ms of a
 * 3,000-record export's start) and ~7 µs once compiled. Undefined for anything else (a field of the
 * wrong type, a value that is undefined or not finite, an empty id, a `__proto__` key): zod decides
 * those. The same output as zod's, key order included (test/record-fast-path.test.ts compares them
 * on generated records).
 */
export function normaliseCommonRecord(value: unknown): ExecutionRecord | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, kind] of RECORD_FIELDS) {
    const present = name in value;
    const v = value[name];
    if (present && v === undefined) return undefined;
    if (kind === "states") {
      if (v == null) out[name] = [];
      else if (Array.isArray(v)) out[name] = v.filter((s): s is string => typeof s === "string");
      else return undefined;
      continue;
    }
    if (kind === "point") {
      if (v == null) out[name] = null;
      else if (Array.isArray(v) && v.length >= 2 && Number.isFinite(v[0]) && Number.isFinite(v[1])) out[name] = { x: v[0], y: v[1] };
      else if (isPlainObject(v) && Number.isFinite(v.x) && Number.isFinite(v.y)) out[name] = { x: v.x, y: v.y };
      else return undefined;
      continue;
    }
    if (!present) {
      if (kind === "id" && name === "action_id") return undefined;
      continue;
    }
    if (v === null) {
      if (name === "action_id") return undefined;
      out[name] = null;
      continue;
    }
    switch (kind) {
      case "id":
        if (typeof v === "string" && v.length > 0) out[name] = v;
        else if (typeof v === "number" && Number.isFinite(v)) out[name] = String(v);
        else return undefined;
        break;
      case "string":
      case "boolean":
        if (typeof v !== kind) return undefined;
        out[name] = v;
        break;
      case "number":
        if (typeof v !== "number" || !Number.isFinite(v)) return undefined;
        out[name] = v;
        break;
      case "object":
        if (!isPlainObject(v) || Object.hasOwn(v, "__proto__")) return undefined;
        out[name] = { ...v };
        break;
      case "array":
        if (!Array.isArray(v)) return undefined;
        out[name] = v.slice();
        break;
    }
  }
  for (const key of Object.keys(value)) {
    if (RECORD_FIELD_NAMES.has(key)) continue;
    if (key === "__proto__") return undefined;
    out[key] = value[key];
  }
  return out as ExecutionRecord;
}

/**
 * The key that makes re-exports idempotent: a record already in the dataset
 * with the same key is not appended again. The action_id plus the screenshot
 * it points at, so one action retried on a new screenshot still counts, plus
 * `attempt_id` when the record has one (several attempts of one action on
 * one unchanged screen are several records).
 */
export function recordKey(record: { action_id: string; attempt_id?: string | null | undefined }, imageId: string): string {
  return record.attempt_id ? `${record.action_id}\u0000${imageId}\u0000${record.attempt_id}` : `${record.action_id}\u0000${imageId}`;
}

/** What an image's annotation file keeps of the record that showed it (the seed's `context`). */
export type RecordContext = {
  action_type: string | null;
  /** Sorted, so the same states give the same bytes. */
  active_states: string[];
  /** `start_time`, unix seconds. */
  timestamp: number | null;
  success: boolean | null;
};

/**
 * The context of an image several records share, the same in every path (the
 * dataset's annotation file, the in-pass converters, the converters reading a
 * dataset): the first record's action type and success, the union of all
 * records' active states (sorted), the earliest timestamp. Returns `first`
 * itself when `next` adds nothing, so callers can tell a change by identity.
 */
export function mergeRecordContext(first: RecordContext, next: RecordContext): RecordContext {
  const union = new Set([...first.active_states, ...next.active_states]);
  // The union holds the first's states: the same size means nothing new (and `first` comes back unchanged).
  const states = union.size === first.active_states.length ? first.active_states : [...union].sort();
  const timestamp = first.timestamp === null ? next.timestamp : next.timestamp === null ? first.timestamp : Math.min(first.timestamp, next.timestamp);
  if (states === first.active_states && timestamp === first.timestamp) return first;
  return { ...first, active_states: states, timestamp };
}

export function recordContext(record: ExecutionRecord): RecordContext {
  const states = record.active_states_before;
  return {
    action_type: record.action_type ?? null,
    // Usually one or two states, already in order: a copy, not a sort (which allocates a work array).
    active_states: isSorted(states) ? states.slice() : [...states].sort(),
    timestamp: record.start_time ?? null,
    success: record.success ?? null,
  };
}

/** Whether `sort()` would leave the strings as they are (the default sort compares UTF-16 code units). */
function isSorted(strings: readonly string[]): boolean {
  for (let i = 1; i < strings.length; i++) if (strings[i - 1]! > strings[i]!) return false;
  return true;
}
