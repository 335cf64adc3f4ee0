import { describe, expect, it } from "vitest";
import { parseRecord, parseRecordLine } from "../src/index.js";

describe("runner record schema", () => {
  it("accepts clicked_location as [x, y] or {x, y} and normalises to {x, y}", () => {
    const a = parseRecord({ action_id: "a", clicked_location: [10, 20] });
    const b = parseRecord({ action_id: "b", clicked_location: { x: 10, y: 20 } });
    expect(a.ok && a.record.clicked_location).toEqual({ x: 10, y: 20 });
    expect(b.ok && b.record.clicked_location).toEqual({ x: 10, y: 20 });
  });

  it("keeps unknown fields", () => {
    const r = parseRecord({ action_id: "a", future_field: { nested: true } });
    expect(r.ok && (r.record as Record<string, unknown>).future_field).toEqual({ nested: true });
  });

  it("needs an action_id and says so", () => {
    const r = parseRecord({ action_type: "CLICK" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("invalid_record");
    expect(!r.ok && r.message).toMatch(/action_id/);
    expect(parseRecord({ action_id: "" }).ok).toBe(false);
  });

  it("treats fields of the wrong type as absent instead of losing the record", () => {
    const r = parseRecord({ action_id: "a", success: "yes", clicked_location: "here", active_states_before: ["s", 3] });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.record.success).toBeNull();
      expect(r.record.clicked_location).toBeNull();
      expect(r.record.active_states_before).toEqual(["s"]);
    }
  });

  it("reports malformed JSON lines by reason", () => {
    const r = parseRecordLine('{"action_id": "a",');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("malformed_json");
  });
});

describe("Python's non-finite numbers", () => {
  it("reads NaN / Infinity written by Python's json module as absent, keeping the record", () => {
    const r = parseRecordLine('{"action_id": "a", "duration_ms": NaN, "match_summary": {"confidence": Infinity, "note": "NaN in a string"}, "x": -Infinity}');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.record.duration_ms).toBeNull();
      expect(r.record.match_summary).toEqual({ confidence: null, note: "NaN in a string" });
    }
    expect(parseRecordLine('{"action_id": "a", "s": "say \\"NaN\\"", "v": NaN}').ok).toBe(true);
  });
});
