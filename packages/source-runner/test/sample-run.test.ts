import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ExecutionRecord } from "@qontinui/export-core";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDirectorySource } from "../src/index.js";
import { collect, scratch, summary } from "./fixtures.js";

// The bundled sample run (examples/sample-run-generator) is what the demo exports: check it reads as intended.
const generatorUrl = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/sample-run-generator/generate.mjs")).href;

interface GeneratedRun {
  lines: number;
  malformedLine: number | null;
  missingScreenshotLine: number | null;
  screenshots: { file: string; bytes: number; elements: string[] }[];
}
type Generate = (outDir: string, options?: { records?: number; seed?: number; log?: (s: string) => void }) => Promise<GeneratedRun>;

let generateSampleRun: Generate;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ generateSampleRun } = (await import(generatorUrl)) as { generateSampleRun: Generate });
  ({ dir, cleanup } = await scratch());
});
afterAll(() => cleanup());

describe("the bundled sample run", () => {
  it("reads back with one malformed line, one missing screenshot and matches where elements were drawn", async () => {
    const run = path.join(dir, "a");
    const generated = await generateSampleRun(run, { records: 40, seed: 3, log: () => {} });
    const source = runDirectorySource(run);
    const items = await collect(source.read());
    const problems = summary(items).filter((s) => s.includes("!"));
    expect(problems).toEqual([`${generated.malformedLine}:!malformed_json`]);
    const records = items.flatMap((i) => ("record" in i ? [i.record] : []));
    expect(records).toHaveLength(39);

    const missing = records.filter((r) => r.screenshot_reference === "screenshots/screen_099.png");
    expect(missing).toHaveLength(1);
    await expect(source.readScreenshot(missing[0]!.screenshot_reference!)).rejects.toMatchObject({ reason: "screenshot_missing" });

    // Every found match covers drawn pixels (not flat background), and every click lies inside its match.
    const pixels = new Map<string, Sharp>();
    let checked = 0;
    for (const r of records as (ExecutionRecord & { match_summary: MatchSummary | null })[]) {
      const m = r.match_summary;
      if (!m?.found || r === missing[0]) continue;
      const box = { left: m.location.x, top: m.location.y, width: m.template_size.width, height: m.template_size.height };
      expect(box.left + box.width).toBeLessThanOrEqual(1280);
      expect(box.top + box.height).toBeLessThanOrEqual(800);
      const ref = r.screenshot_reference!;
      if (!pixels.has(ref)) pixels.set(ref, sharp((await source.readScreenshot(ref)).bytes));
      const stats = await pixels.get(ref)!.clone().extract(box).stats();
      expect(Math.max(...stats.channels.map((c) => c.stdev)), `${r.action_id} ${m.image_id}`).toBeGreaterThan(5);
      if (r.clicked_location) {
        expect(r.clicked_location.x).toBeGreaterThanOrEqual(box.left);
        expect(r.clicked_location.x).toBeLessThan(box.left + box.width);
        expect(r.clicked_location.y).toBeGreaterThanOrEqual(box.top);
        expect(r.clicked_location.y).toBeLessThan(box.top + box.height);
      }
      expect(m.confidence).toBeGreaterThanOrEqual(0.8);
      expect(m.confidence).toBeLessThanOrEqual(0.99);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);

    // Both point shapes appear in the raw file.
    const raw = await readFile(path.join(run, "records.jsonl"), "utf8");
    expect(raw).toMatch(/"clicked_location":\[\d+,\d+\]/);
    expect(raw).toMatch(/"clicked_location":\{"x":\d+,"y":\d+\}/);
  });

  it("is deterministic for a seed, and the seed changes the records", async () => {
    const a = await generateSampleRun(path.join(dir, "s1"), { records: 12, seed: 5, log: () => {} });
    const b = await generateSampleRun(path.join(dir, "s2"), { records: 12, seed: 5, log: () => {} });
    const c = await generateSampleRun(path.join(dir, "s3"), { records: 12, seed: 6, log: () => {} });
    const read = (d: string, f: string) => readFile(path.join(dir, d, f));
    expect((await read("s1", "records.jsonl")).equals(await read("s2", "records.jsonl"))).toBe(true);
    expect((await read("s1", "records.jsonl")).equals(await read("s3", "records.jsonl"))).toBe(false);
    for (const [i, shot] of a.screenshots.entries()) {
      const name = path.basename(shot.file);
      expect((await read("s1", `screenshots/${name}`)).equals(await read("s2", `screenshots/${name}`)), name).toBe(true);
      expect(shot.bytes).toBe(b.screenshots[i]!.bytes);
      expect(shot.bytes).toBeLessThan(100 * 1024);
    }
    expect(c.lines).toBe(12);
  });
});

interface MatchSummary {
  found: boolean;
  image_id: string;
  location: { x: number; y: number };
  template_size: { width: number; height: number };
  confidence: number;
}
