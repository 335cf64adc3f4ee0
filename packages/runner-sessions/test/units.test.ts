// Small pieces: id sanitising, Python-style JSON, options, the CLI's arguments.
import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, normalizeOptions, sanitizeActionId, SessionOptionsError } from "../src/index.mjs";
import { isoFromMicros, pyDumps, pyFloat } from "../src/pyjson.mjs";
import { parseArgs } from "../src/cli.mjs";
import { sanitizeBySpec } from "./helpers";

describe("sanitizeActionId", () => {
  it.each([
    ["wf/login:step 3", "wf-login-step-3"],
    ["btn-save-7", "btn-save-7"],
    ["  --a//b__c--  ", "a-b__c"],
    ["../../etc/passwd", "etc-passwd"],
    ["type-nom_du_café-5", "type-nom_du_café-5"],
    ["Checkout » confirm", "Checkout-confirm"],
  ])("%s -> %s", (id, sid) => {
    expect(sanitizeActionId(id)).toBe(sid);
    expect(sanitizeBySpec(id)).toBe(sid);
  });

  it("cuts to 100 characters after trimming (a cut can end in '-')", () => {
    const sid = sanitizeActionId(`${"a".repeat(99)}  bcd`);
    expect(sid).toBe(`${"a".repeat(99)}-`);
    expect(Array.from(sanitizeActionId("é".repeat(150))).length).toBe(100);
  });
});

describe("Python-style JSON", () => {
  it("writes floats with .0, bare NaN/Infinity, Python separators and ensure_ascii", () => {
    expect(pyDumps({ a: pyFloat(0), b: pyFloat(1e-5), c: pyFloat(NaN), d: pyFloat(-Infinity), e: 3, f: [] })).toBe('{"a": 0.0, "b": 1e-05, "c": NaN, "d": -Infinity, "e": 3, "f": []}');
    expect(pyDumps({ s: "café" }, { separators: [",", ":"] })).toBe('{"s":"caf\\u00e9"}');
    expect(pyDumps({ s: "café", l: [1] }, { indent: 2, ensureAscii: false })).toBe('{\n  "s": "café",\n  "l": [\n    1\n  ]\n}');
  });

  it("writes isoformat() timestamps: no fraction when the microseconds are 0", () => {
    const second = Date.UTC(2026, 1, 3, 10, 15, 42) * 1000;
    expect(isoFromMicros(second)).toBe("2026-02-03T10:15:42");
    expect(isoFromMicros(second + 118204)).toBe("2026-02-03T10:15:42.118204");
    expect(isoFromMicros(second + 5, "+00:00")).toBe("2026-02-03T10:15:42.000005+00:00");
  });
});

describe("options", () => {
  it("fills defaults and refuses what is out of range, saying what is accepted", () => {
    expect(normalizeOptions({})).toEqual(DEFAULT_OPTIONS);
    expect(normalizeOptions({ seed: 3, width: 1920, height: 1080 })).toMatchObject({ seed: 3, width: 1920, height: 1080, actions: 12 });
    expect(() => normalizeOptions({ actions: 0 })).toThrow(SessionOptionsError);
    expect(() => normalizeOptions({ debugVisuals: 2 })).toThrow(/debugVisuals must be a number from 0 to 1/);
    expect(() => normalizeOptions({ eventsForm: "kebab" as never })).toThrow(/eventsForm/);
    expect(() => normalizeOptions({ colour: 1 } as never)).toThrow(/unknown option "colour"/);
  });
});

describe("CLI arguments", () => {
  it("maps flags to options", () => {
    expect(parseArgs(["out", "--seed", "4", "--actions", "30", "--screens", "9", "--width", "1920", "--height", "1080", "--png", "--form", "bridge", "--hostile"])).toEqual({
      dir: "out",
      options: { seed: 4, actions: 30, distinctScreens: 9, width: 1920, height: 1080, jpegInPng: false, eventsForm: "bridge" },
      hostile: true,
    });
    expect(() => parseArgs(["out", "--seed", "x"])).toThrow(/--seed needs an integer/);
    expect(() => parseArgs(["--png"])).toThrow(/directory is missing/);
  });
});
