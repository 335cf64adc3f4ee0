import { describe, expect, it } from "vitest";
import { seededRandom } from "../src/index.js";
import { ExecutionRecordSchema, normaliseCommonRecord, parseRecord, parseRecordLine } from "../src/record.js";

const FIELDS = [
  "action_id",
  "action_type",
  "start_time",
  "end_time",
  "duration_ms",
  "active_states_before",
  "active_states_after",
  "success",
  "error_message",
  "retry_count",
  "match_summary",
  "clicked_location",
  "click_button",
  "click_target_type",
  "click_target",
  "screenshot_reference",
  "workflow_id",
  "parent_action_id",
  "metadata",
  "attempt_id",
  "source_boxes",
];

/** Values of every kind a field may hold: right for some fields, wrong for others, odd for all. */
const VALUES: unknown[] = [
  null,
  "",
  "CLICK",
  "screens/a.png",
  0,
  -0,
  1,
  7,
  "true",
  1718000000.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  [],
  ["Login", 3, "Home", null],
  [12, 34],
  [12],
  [12, "34"],
  [1, 2, 3],
  { x: 5, y: 6 },
  { x: 5, y: 6, z: 1 },
  { x: "5", y: 6 },
  {},
  { total: 2, best: { score: 0.9 } },
  [{ bbox: [1, 2, 3, 4], category: "button" }],
  undefined,
];

/** A runner-like record: the fields the runner writes, of their types. */
function runnerRecord(rnd: () => number, i: number): Record<string, unknown> {
  const r: Record<string, unknown> = {
    action_id: rnd() < 0.2 ? i : `action-${i}`,
    action_type: ["CLICK", "FIND", "TYPE"][i % 3],
    start_time: 1718000000 + i,
    end_time: 1718000000.5 + i,
    duration_ms: 12.5,
    active_states_before: ["Login"],
    active_states_after: rnd() < 0.5 ? ["Home", "Menu"] : null,
    success: rnd() < 0.9,
    error_message: null,
    retry_count: 0,
    match_summary: rnd() < 0.5 ? { matches: [{ x: 1, y: 2, w: 3, h: 4, score: 0.97 }] } : null,
    clicked_location: rnd() < 0.5 ? [100 + i, 200] : { x: 100, y: 200 + i },
    screenshot_reference: `screenshots/${i % 50}.png`,
    metadata: { run: "r1" },
  };
  if (rnd() < 0.3) r.extra_field = { nested: [1, 2] };
  if (rnd() < 0.2) r["42"] = "an integer-like key";
  return r;
}

/** A value of a field's own type (edge cases included): what the fast path takes. */
const RIGHT: Record<string, unknown[]> = {
  id: ["a1", "x", 0, -0, 17, 1.5],
  string: ["", "CLICK", "screens/a.png", null],
  number: [0, -0, 7, 1718000000.25, -3, null],
  boolean: [true, false, null],
  object: [{}, { total: 2, best: { score: 0.9 } }, { 1: "a", b: [1] }, null],
  states: [[], ["Login", 3, "Home", null], ["A"], null],
  point: [[12, 34], [1, 2, 3], [1.5, -2, "z"], { x: 5, y: 6 }, { x: 5, y: 6, z: 1 }, null],
  array: [[], [{ bbox: [1, 2, 3, 4], category: "button" }], [1, "a", null], null],
};
const KIND: Record<string, string> = {
  action_id: "id",
  attempt_id: "id",
  start_time: "number",
  end_time: "number",
  duration_ms: "number",
  retry_count: "number",
  success: "boolean",
  match_summary: "object",
  metadata: "object",
  active_states_before: "states",
  active_states_after: "states",
  clicked_location: "point",
  source_boxes: "array",
};

/** Any record: each field absent, of its type, or (with the record's oddness) any value; unknown keys here and there. */
function anyRecord(rnd: () => number): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  const oddness = rnd() < 0.5 ? 0 : 0.02 + rnd() * 0.2;
  const of = (list: unknown[]) => list[Math.floor(rnd() * list.length)];
  for (const f of FIELDS) {
    if (rnd() < 0.15) r[rnd() < 0.2 ? String(Math.floor(rnd() * 9)) : `unknown_${Math.floor(rnd() * 5)}`] = of(VALUES);
    if (f !== "action_id" && rnd() < 0.4) continue;
    r[f] = rnd() < oddness ? of(VALUES) : of(RIGHT[KIND[f] ?? "string"]!);
  }
  return r;
}

function sameAsZod(value: unknown): "fast" | "zod" {
  const fast = normaliseCommonRecord(value);
  const zod = ExecutionRecordSchema.safeParse(value);
  if (!fast) return "zod";
  expect(zod.success).toBe(true);
  if (!zod.success) return "zod";
  expect(fast).toStrictEqual(zod.data);
  // Key order too: records are written back out (manifest, annotation context) and must give the same bytes.
  expect(Object.keys(fast)).toEqual(Object.keys(zod.data));
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
  return "fast";
}

describe("parseRecord's fast path gives zod's output exactly, or leaves the record to zod", () => {
  it("runner-like records: all taken by the fast path, each equal to zod's output", () => {
    const rnd = seededRandom(11);
    for (let i = 0; i < 2000; i++) expect(sameAsZod(runnerRecord(rnd, i))).toBe("fast");
  });

  it("any mix of absent, null, wrong and odd values: what the fast path takes equals zod's output, the rest goes to zod", () => {
    const rnd = seededRandom(12);
    const paths = { fast: 0, zod: 0 };
    for (let i = 0; i < 20_000; i++) paths[sameAsZod(anyRecord(rnd))]++;
    // Both paths exercised: the comparison above is not vacuous.
    expect(paths.fast).toBeGreaterThan(500);
    expect(paths.zod).toBeGreaterThan(500);
  });

  it("a __proto__ key from JSON is left to zod, and parseRecordLine gives the same record either way", () => {
    const line = '{"action_id":"a","__proto__":{"polluted":true},"metadata":{"__proto__":{"x":1}}}';
    const value = JSON.parse(line) as unknown;
    expect(normaliseCommonRecord(value)).toBeUndefined();
    const parsed = parseRecordLine(line);
    expect(parsed.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseRecord({ action_id: "" }).ok).toBe(false);
    expect(parseRecord({ action_id: null }).ok).toBe(false);
  });
});
