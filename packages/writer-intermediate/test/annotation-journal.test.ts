import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runPipeline, silentLogger, type Writer } from "@qontinui/export-core";
import { beforeAll, describe, expect, it } from "vitest";
import { intermediateWriter, type IntermediateWriterOptions } from "../src/index.js";
import { listFiles, makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";

/**
 * A run shaped like an automation looping on one screen: most records show
 * `loop.png`, each with a box of its own, between records of other screens,
 * so the loop's image changes in every flush group.
 */
let run: { dir: string; records: ReturnType<typeof record>[] };
let loop: Buffer;
const idOf = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);
const journal = (out: string) => path.join(out, ".qontinui", "annotations.journal");

beforeAll(async () => {
  loop = await png(400, 300, [200, 210, 220]);
  const screens: Record<string, Buffer> = { "loop.png": loop };
  for (let i = 0; i < 6; i++) screens[`s${i}.png`] = await png(100 + i, 80, [30 * i, 60, 90]);
  const records = [];
  for (let i = 0; i < 60; i++) {
    const other = i % 3 === 2;
    records.push(
      record(`r${i}`, other ? `s${i % 6}.png` : "loop.png", {
        match_summary: match(other ? "icon" : `button_${i % 5}`, 2 + (i % 40), 3 + Math.floor(i / 3), 20, 10, 0.9),
        active_states_before: [`state_${i % 4}`],
      }),
    );
  }
  run = await makeRun(screens, records);
});

async function exportInto(out: string, options: Partial<IntermediateWriterOptions> = {}, wrap: (w: Writer) => Writer = (w) => w) {
  return runPipeline({ source: memorySource(run.dir, run.records), labelers: [matchLabeler], writers: [wrap(intermediateWriter({ outDir: out, ...options }))], logger: silentLogger });
}

/** Every file of a dataset apart from its bookkeeping and metadata.json (whose times differ), by name. */
async function contents(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    if (f.startsWith(".qontinui/") || f === "metadata.json") continue;
    files.set(f, await fs.readFile(path.join(dir, f), "utf8"));
  }
  return files;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

let clean: Map<string, string>;
let cleanTotal: number;
const totalOf = async (out: string) => JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8")).total_annotations as number;

beforeAll(async () => {
  const out = await tempDir();
  await exportInto(out, { flushEvery: 4 });
  clean = await contents(out);
  cleanTotal = await totalOf(out);
});

describe("annotation files of images whose records keep coming", () => {
  it("are written once, at close: until then the manifest's records have their boxes in the journal", async () => {
    const out = await tempDir();
    let seen: { manifestLines: number; loopFile: boolean; journalLines: number } | undefined;
    await exportInto(out, { flushEvery: 4 }, (w) => ({
      ...w,
      async close(statistics) {
        // Every group but the last has been handed to the disk; give the background writes a moment.
        await new Promise((r) => setTimeout(r, 100));
        seen = {
          manifestLines: (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean).length,
          loopFile: await exists(path.join(out, "annotations", `${idOf(loop)}.json`)),
          journalLines: (await fs.readFile(journal(out), "utf8")).split("\n").filter(Boolean).length,
        };
        return w.close!(statistics);
      },
    }));
    expect(seen!.manifestLines).toBeGreaterThanOrEqual(52);
    expect(seen!.loopFile).toBe(false);
    expect(seen!.journalLines).toBeGreaterThan(10);
    // At close: the file, whole, and no journal.
    expect(await exists(journal(out))).toBe(false);
    expect(await contents(out)).toEqual(clean);
  });

  it("a crash with boxes only in the journal: the next export merges them and the dataset equals one clean export", async () => {
    const out = await tempDir();
    // The export dies before close: its last groups are on disk, its held files never written.
    await exportInto(out, { flushEvery: 4 }, (w) => ({ ...w, close: async () => ({ writer: "intermediate" }) }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await exists(journal(out))).toBe(true);
    expect(await exists(path.join(out, "annotations", `${idOf(loop)}.json`))).toBe(false);
    await fs.writeFile(path.join(out, ".qontinui", "lock"), JSON.stringify({ pid: 2 ** 22 + 4343, hostname: os.hostname() }));
    const warnings: string[] = [];
    const again = await runPipeline({
      source: memorySource(run.dir, run.records),
      labelers: [matchLabeler],
      writers: [intermediateWriter({ outDir: out, flushEvery: 4 })],
      logger: { info: () => {}, warn: (m) => warnings.push(m) },
    });
    expect(warnings.join("\n")).toMatch(/from its journal/);
    // Nothing the manifest already named is added again.
    expect(again.statistics.recordsAlreadyExported).toBeGreaterThanOrEqual(52);
    expect(await contents(out)).toEqual(clean);
    expect(await totalOf(out)).toBe(cleanTotal);
  });

  it("a torn last journal line (killed mid-append) is skipped; its records are exported again", async () => {
    const out = await tempDir();
    await exportInto(out, { flushEvery: 4 }, (w) => ({ ...w, close: async () => ({ writer: "intermediate" }) }));
    await new Promise((r) => setTimeout(r, 200));
    await fs.appendFile(journal(out), '{"image_id":"0123456789abcdef","annotations":[{"bbox":[1,2');
    await fs.writeFile(path.join(out, ".qontinui", "lock"), JSON.stringify({ pid: 2 ** 22 + 4344, hostname: os.hostname() }));
    await exportInto(out, { flushEvery: 4 });
    expect(await contents(out)).toEqual(clean);
    expect(await totalOf(out)).toBe(cleanTotal);
  });

  it("past maxHeldBoxes the images changed longest ago are written and let go; later records merge into their files", async () => {
    const out = await tempDir();
    await exportInto(out, { flushEvery: 4, maxHeldBoxes: 3 });
    expect(await exists(journal(out))).toBe(false);
    expect(await contents(out)).toEqual(clean);
    expect(await totalOf(out)).toBe(cleanTotal);
    // And exporting it again adds nothing.
    const again = await exportInto(out, { flushEvery: 4, maxHeldBoxes: 3 });
    expect(again.statistics.recordsAlreadyExported).toBe(60);
    expect(await contents(out)).toEqual(clean);
  });
});
