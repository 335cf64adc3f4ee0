// writeHostileInputs: each piece of bad input is there, as described.
import { lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSession, writeHostileInputs } from "../src/index.mjs";
import type { HostileTruth, SessionTruth } from "../src/index.mjs";
import { isJpeg, isPng, tempDir } from "./helpers";

let dir: string;
let cleanup: () => void;
let truth: SessionTruth;
let hostile: HostileTruth;
const item = (kind: string) => {
  const found = hostile.find((h) => h.kind === kind);
  if (!found) throw new Error(`no hostile input of kind ${kind}`);
  return found;
};

beforeAll(async () => {
  ({ dir, cleanup } = tempDir("hostile"));
  truth = await generateSession(dir, { seed: 6, eventsForm: "snake" });
  hostile = await writeHostileInputs(dir);
});
afterAll(() => cleanup());

describe("writeHostileInputs", () => {
  it("lists every kind once, with a description, and writes hostile.json", () => {
    expect(hostile.map((h) => h.kind).sort()).toEqual(
      [
        "debug-without-partner",
        "garbage-image",
        "grounding-absolute-path",
        "grounding-path-escape",
        "hostile-action-id",
        "image-without-sidecar",
        "non-finite-number",
        "sidecar-without-image",
        "symlink-outside",
        "torn-events-line",
        "torn-grounding-line",
        "unknown-event-type",
        "weird-action-id",
      ].sort(),
    );
    for (const h of hostile) {
      expect(h.what.length).toBeGreaterThan(20);
      expect(path.isAbsolute(h.file)).toBe(false);
    }
    expect(JSON.parse(readFileSync(path.join(dir, "hostile.json"), "utf8"))).toEqual(hostile);
  });

  it("leaves torn last lines without a newline, after the unknown event type", () => {
    for (const kind of ["torn-events-line", "torn-grounding-line"]) {
      const h = item(kind);
      const text = readFileSync(path.join(dir, h.file), "utf8");
      expect(text.endsWith("\n")).toBe(false);
      const lines = text.split("\n");
      expect(lines.length).toBe(h.line);
      expect(() => JSON.parse(lines.at(-1)!)).toThrow();
      for (const l of lines.slice(0, -1)) expect(() => JSON.parse(l)).not.toThrow();
    }
    const unknown = item("unknown-event-type");
    const line = readFileSync(path.join(dir, unknown.file), "utf8").split("\n")[unknown.line! - 1]!;
    expect(JSON.parse(line).event_type).toBe("action_paused");
  });

  it("adds orphans on both sides, hostile ids, a symlink out of run_data and a garbage image", () => {
    const orphan = item("sidecar-without-image");
    expect(() => lstatSync(path.join(dir, orphan.file.replace(/\.json$/, ".png")))).toThrow();
    const lonely = item("image-without-sidecar");
    expect(isJpeg(readFileSync(path.join(dir, lonely.file)))).toBe(true);
    expect(() => lstatSync(path.join(dir, lonely.file.replace(/\.png$/, ".json")))).toThrow();
    expect(JSON.parse(readFileSync(path.join(dir, item("hostile-action-id").file), "utf8")).action_id).toBe("../../etc/passwd");
    expect(JSON.parse(readFileSync(path.join(dir, item("weird-action-id").file), "utf8")).action_id).toContain("\n");
    const link = path.join(dir, item("symlink-outside").file);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link).startsWith(realpathSync(truth.runData))).toBe(false);
    expect(isJpeg(readFileSync(readlinkSync(link)))).toBe(true);
    const garbage = readFileSync(path.join(dir, item("garbage-image").file));
    expect(isJpeg(garbage) || isPng(garbage)).toBe(false);
  });

  it("writes bare NaN and Infinity, and a debug visual no screenshot pairs with", () => {
    const text = readFileSync(path.join(dir, item("non-finite-number").file), "utf8");
    expect(text).toContain('"confidence": NaN,');
    expect(text).toContain('"threshold": Infinity,');
    expect(() => JSON.parse(text)).toThrow();
    const ghost = JSON.parse(readFileSync(path.join(dir, item("debug-without-partner").file), "utf8"));
    expect(truth.screenshots.some((s) => s.actionId === ghost.action_id)).toBe(false);
  });

  it("adds grounding lines whose image_path leaves the dataset, relatively and absolutely", () => {
    const lines = readFileSync(path.join(dir, item("grounding-path-escape").file), "utf8").split("\n");
    const escape = JSON.parse(lines[item("grounding-path-escape").line! - 1]!);
    expect(escape.image_path).toBe("../../outside.png");
    expect(isJpeg(readFileSync(path.resolve(truth.groundingDir!, escape.image_path)))).toBe(true);
    const absolute = JSON.parse(lines[item("grounding-absolute-path").line! - 1]!);
    expect(path.isAbsolute(absolute.image_path)).toBe(true);
  });
});
