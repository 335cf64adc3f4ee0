import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, tempDir } from "./fixtures.js";

/** What a user sees for mistakes: the README's exit code, one line, the command named once, their own words back. */
async function attempt(args: string[]): Promise<{ code: number; err: string }> {
  const io = captureIO();
  const code = await main(args, io);
  return { code, err: io.err() };
}

function expectOneLine(err: string, command: string): void {
  expect(err.endsWith("\n")).toBe(true);
  expect(err.trimEnd().split("\n")).toHaveLength(1);
  expect(err.startsWith(`qontinui-export ${command}: `)).toBe(true);
  expect(err).not.toContain(`${command}: ${command}:`);
  expect(err).not.toMatch(/\.tmp\b/);
}

describe("messages and exit codes users see", () => {
  it("validate of a missing directory, or of one that holds no dataset, is bad input (4), not problems (5)", async () => {
    const missing = await attempt(["validate", "/nonexistent-qontinui"]);
    expect(missing.code).toBe(4);
    expectOneLine(missing.err, "validate");
    expect(missing.err).toContain("/nonexistent-qontinui");
    const empty = await attempt(["validate", await tempDir()]);
    expect(empty.code).toBe(4);
    expect(empty.err).toMatch(/no metadata\.json and no manifest\.jsonl/);
  });

  it("--split names the part that is not a number", async () => {
    const r = await attempt(["coco", "x", "--split", "a,b"]);
    expect(r.code).toBe(2);
    expectOneLine(r.err, "coco");
    expect(r.err).toContain('"a" is not a number');
    expect(r.err).not.toContain("NaN");
  });

  it("a negative number after an option says how to write it, in one line", async () => {
    const r = await attempt(["run", "somewhere", "--out", "x", "--concurrency", "-1"]);
    expect(r.code).toBe(2);
    expectOneLine(r.err, "run");
    expect(r.err).toContain("write --concurrency=-1");
    const eq = await attempt(["run", "somewhere", "--out", "x", "--concurrency=-1"]);
    expect(eq.code).toBe(2);
    expectOneLine(eq.err, "run");
    expect(eq.err).toContain('--concurrency "-1" is not a valid value');
  });

  it("missing --out, an unknown option, a missing positional: one line each, exit 2", async () => {
    for (const [command, args, says] of [
      ["run", ["run", "r"], "--out <dataset> is required"],
      ["merge", ["merge", "a"], "--out <dataset> is required"],
      ["yolo", ["yolo", "d"], "--out <dir> is required"],
      ["stats", ["stats"], "expected one"],
      ["run", ["run", "r", "--out", "o", "--bogus"], "bogus"],
    ] as const) {
      const r = await attempt([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expectOneLine(r.err, command);
      expect(r.err).toContain(says);
    }
  });

  it("a run directory holding no run is bad input (4), naming the directory", async () => {
    const dir = await tempDir();
    const r = await attempt(["run", dir, "--out", path.join(dir, "out")]);
    expect(r.code).toBe(4);
    expectOneLine(r.err, "run");
    expect(r.err).toContain(dir);
  });
});
