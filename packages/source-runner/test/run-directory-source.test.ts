import { writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, type ExportItem, runPipeline, silentLogger, type SourceItem } from "@qontinui/export-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDirectorySource } from "../src/index.js";
import { collect, jsonl, png, scratch, summary, writeFiles } from "./fixtures.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratch()));
afterEach(() => cleanup());

describe("runDirectorySource().read", () => {
  it("yields good records in order with 1-based line numbers, and bad lines as problems", async () => {
    await writeFiles(dir, {
      "records.jsonl": jsonl([
        { action_id: "a1", action_type: "CLICK", clicked_location: [5, 6] },
        '{"action_id": "a2", "action_type": ', // torn line
        { action_type: "FIND" }, // no action_id
        "",
        "   ",
        { action_id: "a3", match_summary: { found: true } },
        "[1, 2, 3]",
        { action_id: 4 },
      ]),
    });
    const items = await collect(runDirectorySource(dir).read());
    expect(summary(items)).toEqual(["1:a1", "2:!malformed_json", "3:!invalid_record", "6:a3", "7:!invalid_record", "8:4"]);

    const first = items[0] as Extract<SourceItem, { record: unknown }>;
    expect(first.record.clicked_location).toEqual({ x: 5, y: 6 });
    const torn = items[1] as Extract<SourceItem, { problem: unknown }>;
    expect(torn.problem).toMatchObject({ severity: "skipped", plugin: "run-directory", line: 2 });
    expect(torn.problem.message).toContain("records.jsonl line 2");
    const noId = items[2] as Extract<SourceItem, { problem: unknown }>;
    expect(noId.problem.message).toContain("action_id");
  });

  it("reads CRLF line endings, a BOM and a final line without a newline", async () => {
    const text = "\ufeff" + [JSON.stringify({ action_id: "x1" }), "", JSON.stringify({ action_id: "x2" }), JSON.stringify({ action_id: "x3" })].join("\r\n");
    await writeFiles(dir, { "records.jsonl": text });
    const items = await collect(runDirectorySource(dir).read());
    expect(summary(items)).toEqual(["1:x1", "3:x2", "4:x3"]);
  });

  it("reads a final line without a newline after LF lines", async () => {
    await writeFiles(dir, { "records.jsonl": `${JSON.stringify({ action_id: "p" })}\n{"action_id": "q"` });
    expect(summary(await collect(runDirectorySource(dir).read()))).toEqual(["1:p", "2:!torn_line"]);
    await writeFiles(dir, { "records.jsonl": `${JSON.stringify({ action_id: "p" })}\n{"action_id": "q"}` });
    expect(summary(await collect(runDirectorySource(dir).read()))).toEqual(["1:p", "2:q"]);
  });

  it("keeps unknown fields and reads again from the start on every read()", async () => {
    await writeFiles(dir, { "records.jsonl": jsonl([{ action_id: "k", custom_field: { deep: 1 } }]) });
    const source = runDirectorySource(dir);
    const a = await collect(source.read());
    const b = await collect(source.read());
    expect(summary(a)).toEqual(["1:k"]);
    expect(summary(b)).toEqual(["1:k"]);
    expect((a[0] as { record: Record<string, unknown> }).record.custom_field).toEqual({ deep: 1 });
  });

  it("streams many lines with correct numbering", async () => {
    const n = 20_000;
    const lines: string[] = [];
    for (let i = 1; i <= n; i++) lines.push(i % 1000 === 0 ? "{broken" : JSON.stringify({ action_id: `r${i}` }));
    await writeFile(path.join(dir, "records.jsonl"), lines.join("\n"));
    let records = 0;
    const problems: number[] = [];
    for await (const item of runDirectorySource(dir).read()) {
      if ("problem" in item) problems.push(item.problem.line!);
      else {
        records++;
        expect(item.record.action_id).toBe(`r${item.line}`);
      }
    }
    expect(records).toBe(n - 20);
    expect(problems).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
  });

  it("reads CRLF lines and multi-byte text whatever chunk boundary they straddle", async () => {
    // Line lengths vary so that, over 64 KiB chunks, some boundaries fall between \r and \n and inside "é" or "画".
    const lines = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ action_id: `é${i}画`, pad: "x".repeat(i % 97) }));
    // And lines longer than a chunk (210 KB, 3 bytes a character), which span three or four of them.
    for (const i of [3000, 3001, 5999]) lines[i] = JSON.stringify({ action_id: `é${i}画`, pad: "画".repeat(70_000 + i) });
    await writeFile(path.join(dir, "records.jsonl"), lines.join("\r\n") + "\r\n");
    const ids: string[] = [];
    for await (const item of runDirectorySource(dir).read()) {
      if ("problem" in item) throw new Error(item.problem.message);
      ids.push(`${item.line}:${item.record.action_id}:${(item.record as { pad?: string }).pad}`);
    }
    expect(ids).toEqual(lines.map((l, i) => `${i + 1}:é${i}画:${(JSON.parse(l) as { pad: string }).pad}`));
  });

  it("uses the recordsFile option", async () => {
    await writeFiles(dir, { "logs/actions.jsonl": jsonl([{ action_id: "z" }]) });
    expect(summary(await collect(runDirectorySource(dir, { recordsFile: "logs/actions.jsonl" }).read()))).toEqual(["1:z"]);
  });

  it("throws a ConfigError at the start when records.jsonl is missing", async () => {
    const read = collect(runDirectorySource(dir).read());
    await expect(read).rejects.toBeInstanceOf(ConfigError);
    await expect(collect(runDirectorySource(dir).read())).rejects.toThrow(`no records.jsonl in ${dir}: is this a qontinui run directory?`);
  });

  it("throws a ConfigError when the run directory does not exist or records.jsonl is a directory", async () => {
    await expect(collect(runDirectorySource(path.join(dir, "nope")).read())).rejects.toThrow(/run directory .*nope does not exist/);
    await writeFiles(dir, { "records.jsonl/inner.txt": "x" });
    await expect(collect(runDirectorySource(dir).read())).rejects.toBeInstanceOf(ConfigError);
  });

  it("honours the AbortSignal: nothing after an abort", async () => {
    await writeFiles(dir, { "records.jsonl": jsonl(Array.from({ length: 50 }, (_, i) => ({ action_id: `r${i + 1}` }))) });
    const already = new AbortController();
    already.abort();
    expect(await collect(runDirectorySource(dir).read(already.signal))).toEqual([]);

    const controller = new AbortController();
    const seen: string[] = [];
    for await (const item of runDirectorySource(dir).read(controller.signal)) {
      seen.push(summary([item])[0]!);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual(["1:r1", "2:r2", "3:r3"]);

    // Aborted while the next chunk of a large file is being read: the records end quietly, no error.
    await writeFile(path.join(dir, "records.jsonl"), jsonl(Array.from({ length: 20_000 }, (_, i) => ({ action_id: `r${i + 1}` }))));
    const midRead = new AbortController();
    let count = 0;
    for await (const item of runDirectorySource(dir).read(midRead.signal)) {
      expect("problem" in item).toBe(false);
      if (++count === 10) setImmediate(() => midRead.abort()); // fires when the source waits for the disk
    }
    expect(count).toBeGreaterThanOrEqual(10);
    expect(count).toBeLessThan(20_000);
  });

  it("feeds the pipeline: problems counted by reason, good records exported in order", async () => {
    const shot = await png(64, 48);
    await writeFiles(dir, {
      "screenshots/s1.png": shot,
      "records.jsonl": jsonl([
        { action_id: "a", screenshot_reference: "screenshots/s1.png" },
        "{oops",
        { action_id: "b", screenshot_reference: "screenshots\\s1.png" },
        { action_id: "c", screenshot_reference: "screenshots/missing.png" },
        { action_id: "d", screenshot_reference: "../outside.png" },
      ]),
    });
    const items: ExportItem[] = [];
    const { statistics } = await runPipeline({
      source: runDirectorySource(dir),
      labelers: [],
      writers: [{ name: "collect", open: async () => {}, write: async (i) => void items.push(i), close: async () => ({ writer: "collect" }) }],
      logger: silentLogger,
    });
    expect(items.map((i) => i.record.action_id)).toEqual(["a", "b"]);
    expect(items[0]!.image).toMatchObject({ width: 64, height: 48, sourcePath: path.join(dir, "screenshots", "s1.png") });
    expect(statistics.uniqueImages).toBe(1);
    expect(statistics.problems.byReason).toEqual({ malformed_json: 1, screenshot_missing: 1, path_escapes_root: 1 });
    expect(statistics.problems.examples.malformed_json?.[0]?.line).toBe(2);
  });
});
