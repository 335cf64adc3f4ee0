import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_LINE_BYTES, type JsonLine, parseJsonLine, readJsonLines } from "../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "qx-jsonl-"));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function readAll(file: string, maxLineBytes?: number): Promise<JsonLine[]> {
  const out: JsonLine[] = [];
  for await (const l of readJsonLines(file, maxLineBytes !== undefined ? { maxLineBytes } : {})) out.push(l);
  return out;
}

const shown = (lines: JsonLine[]) => lines.map((l) => ("value" in l ? { line: l.line, offset: l.offset, value: l.value } : { line: l.line, offset: l.offset, problem: l.problem.reason }));

describe("readJsonLines: a line-length cap, and nothing held past it", () => {
  it("caps lines at 16 MiB by default, configurable", async () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
    const file = path.join(dir, "small-cap.jsonl");
    await fs.writeFile(file, '{"a":1}\n{"long":"0123456789012345678901234567890"}\n{"b":2}\n');
    expect(shown(await readAll(file, 20))).toEqual([
      { line: 1, offset: 0, value: { a: 1 } },
      { line: 2, offset: 8, problem: "line_too_long" },
      { line: 3, offset: 51, value: { b: 2 } },
    ]);
  });

  it("a 150 MB line without a newline is one named problem, read in bounded memory, in a few seconds", async () => {
    const file = path.join(dir, "huge.jsonl");
    await fs.writeFile(file, '{"before":true}\n');
    // 150 MB of NUL bytes after it, no newline (a sparse file: nothing to write, all to read).
    await fs.truncate(file, 16 + 150 * 1024 * 1024);
    const heapBefore = process.memoryUsage();
    const started = performance.now();
    const lines = await readAll(file);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(shown(lines)).toEqual([
      { line: 1, offset: 0, value: { before: true } },
      { line: 2, offset: 16, problem: "line_too_long" },
    ]);
    expect("problem" in lines[1]! && lines[1].problem.message).toMatch(/157286400 bytes without a newline, over the limit of 16777216/);
    // Held: at most the cap (16 MiB) and a chunk, never the line.
    const after = process.memoryUsage();
    expect(after.heapUsed - heapBefore.heapUsed).toBeLessThan(64 * 1024 * 1024);
    expect(after.arrayBuffers - heapBefore.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  });

  it("lines around an over-long one are read, with their byte offsets (multi-byte text, CRLF, a BOM)", async () => {
    const file = path.join(dir, "mixed.jsonl");
    const long = `"${"x".repeat(3 * 1024 * 1024)}"`;
    await fs.writeFile(file, `\ufeff{"é":"ü"}\r\n${long}\n{"n":NaN,"i":-Infinity}\n\n{"torn":`);
    const lines = await readAll(file, 1024 * 1024);
    expect(shown(lines)).toEqual([
      { line: 1, offset: 0, value: { é: "ü" } },
      // A BOM (3 bytes), 11 bytes of UTF-8, CRLF.
      { line: 2, offset: 16, problem: "line_too_long" },
      { line: 3, offset: 16 + long.length + 1, value: { n: null, i: null } },
      // 23 bytes, a newline, an empty line.
      { line: 5, offset: 16 + long.length + 1 + 25, problem: "torn_line" },
    ]);
  });
});

describe("parseJsonLine: Python's NaN/Infinity repaired in linear time, garbage never crashes", () => {
  it("a 4 MB line of 300,000 NaN and Infinity tokens, and one of 8 MB of brackets", () => {
    const tokens = Array.from({ length: 300_000 }, (_, i) => (i % 3 === 0 ? "NaN" : i % 3 === 1 ? "Infinity" : "-Infinity"));
    const text = `[${tokens.join(",")},"NaN in a string"]`;
    let started = performance.now();
    const parsed = parseJsonLine(text);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(parsed.ok && (parsed.value as unknown[]).length).toBe(300_001);
    expect(parsed.ok && (parsed.value as unknown[]).at(-1)).toBe("NaN in a string");
    started = performance.now();
    const deep = parseJsonLine("[".repeat(8 * 1024 * 1024));
    expect(deep.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
