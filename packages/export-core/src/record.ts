import { z } from "zod";

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
});

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
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    const tolerant = replacePythonNonFinite(line);
    try {
      if (tolerant === line) throw e;
      value = JSON.parse(tolerant);
    } catch {
      return { ok: false, reason: "malformed_json", message: `not valid JSON: ${(e as Error).message}` };
    }
  }
  return parseRecord(value);
}

/** Replaces bare NaN / Infinity / -Infinity tokens outside strings with null. */
export function replacePythonNonFinite(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const rest = text.slice(i, i + 9);
    const token = rest.startsWith("-Infinity") ? "-Infinity" : rest.startsWith("Infinity") ? "Infinity" : rest.startsWith("NaN") ? "NaN" : undefined;
    if (token) {
      out += "null";
      i += token.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

/** Validates and normalises a record object. Never throws. */
export function parseRecord(value: unknown): ParseRecordResult {
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

/**
 * The key that makes re-exports idempotent: a record already in the dataset
 * with the same key is not appended again. The action_id plus the screenshot
 * it points at, so one action retried on a new screenshot still counts.
 */
export function recordKey(record: Pick<ExecutionRecord, "action_id">, imageId: string): string {
  return `${record.action_id}\u0000${imageId}`;
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

export function recordContext(record: ExecutionRecord): RecordContext {
  return {
    action_type: record.action_type ?? null,
    active_states: [...record.active_states_before].sort(),
    timestamp: record.start_time ?? null,
    success: record.success ?? null,
  };
}
