import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type ExecutionRecordInput, runPipeline, type Writer } from "@qontinui/export-core";
import { beforeAll, describe, expect, it } from "vitest";
import { acquireLock, intermediateWriter, keepClosedState } from "../src/index.js";
import { makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";
import { datasetContents, expectSameDataset } from "./same-dataset.js";

/**
 * metadata.json and .qontinui/records.idx are derived from the dataset's files. Damaged (a zero-
 * filled index, an emptied or torn metadata.json, a category_map that disagrees with the annotation
 * files), they must never "recover" into wrong totals or categories: the next export checks them
 * against the manifest, the annotation files and the journal, rebuilds what disagrees, says so, and
 * the dataset equals a clean export of the same records.
 */
let run: { dir: string; records: ExecutionRecordInput[] };
let first: ExecutionRecordInput[];
let second: ExecutionRecordInput[];
let clean: string;

async function exportInto(out: string, records: ExecutionRecordInput[], warnings: string[] = [], wrap: (w: Writer) => Writer = (w) => w) {
  return runPipeline({
    source: memorySource(run.dir, records),
    labelers: [matchLabeler],
    writers: [wrap(intermediateWriter({ outDir: out, flushEvery: 4 }))],
    logger: { info: () => {}, warn: (m) => m.startsWith("[intermediate]") && warnings.push(m) },
  });
}

beforeAll(async () => {
  const screens: Record<string, Buffer> = {};
  for (let i = 0; i < 6; i++) screens[`s${i}.png`] = await png(160 + i, 90, [30 * i, 90, 200 - 20 * i]);
  const records = Array.from({ length: 40 }, (_, i) =>
    record(`r${i}`, `s${i % 6}.png`, {
      ...(i % 5 === 4 ? {} : { match_summary: match(["ok", "cancel", "search", "menu", "tab"][i % 5 === 3 ? 4 : i % 4]!, 2 + (i % 17), 3 + (i % 7), 20, 10) }),
      ...(i % 3 === 0 ? { clicked_location: { x: 10, y: 10 } } : {}),
      active_states_before: [`state_${i % 3}`],
    }),
  );
  first = records.slice(0, 24);
  second = records.slice(24);
  run = await makeRun(screens, records);
  clean = await tempDir("qx-clean-");
  await exportInto(clean, first);
  await exportInto(clean, second);
});

/** The first part exported, the dataset damaged by `damage`, the second part exported: equals the clean export. */
async function afterDamage(damage: (out: string) => Promise<void>): Promise<{ out: string; warnings: string[] }> {
  const out = await tempDir();
  await exportInto(out, first);
  await damage(out);
  const warnings: string[] = [];
  await exportInto(out, second, warnings);
  await expectSameDataset(out, clean);
  return { out, warnings };
}

const metadataPath = (out: string) => path.join(out, "metadata.json");
const indexPath = (out: string) => path.join(out, ".qontinui", "records.idx");

describe("damaged bookkeeping is checked against the dataset's files on open", () => {
  it("spare temp files a killed export left (hundreds, empty) are removed, said in one line", async () => {
    const { out, warnings } = await afterDamage(async (dir) => {
      // What a SIGKILL mid-export leaves: no closed.json, and the spares made ahead for files not yet written.
      await fs.rm(path.join(dir, ".qontinui", "closed.json"));
      for (let i = 0; i < 300; i++) await fs.writeFile(path.join(dir, "annotations", `.spare.${i.toString(16).padStart(12, "0")}.tmp`), "");
      await fs.writeFile(path.join(dir, "annotations", `.${"a".repeat(16)}.json.${"b".repeat(12)}.tmp`), "{");
    });
    expect(warnings.filter((w) => w.includes("spare temp file"))).toEqual(["[intermediate] removed 300 unused spare temp file(s) in annotations"]);
    expect(warnings.filter((w) => w.includes("half-written temp file"))).toHaveLength(1);
    expect((await fs.readdir(path.join(out, "annotations"))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("a zero-filled records.idx: rebuilt from the manifest, match/click totals kept from metadata.json", async () => {
    const { warnings } = await afterDamage(async (out) => {
      const size = (await fs.stat(indexPath(out))).size;
      await fs.writeFile(indexPath(out), Buffer.alloc(size));
    });
    expect(warnings.join("\n")).toMatch(/the record index changed/);
    expect(warnings.join("\n")).toMatch(/record index did not match manifest\.jsonl .*rebuilt it/);
    expect(warnings.join("\n")).toMatch(/kept metadata\.json's totals/);
  });

  it("records.idx with random bytes, or cut mid-entry: rebuilt", async () => {
    await afterDamage(async (out) => {
      const size = (await fs.stat(indexPath(out))).size;
      await fs.writeFile(indexPath(out), Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + 7) & 255)));
    });
    await afterDamage(async (out) => {
      const index = await fs.readFile(indexPath(out));
      await fs.writeFile(indexPath(out), index.subarray(0, index.length - 30));
    });
  });

  it("an emptied metadata.json: category map and totals rebuilt from the annotation files and the index", async () => {
    const { warnings } = await afterDamage((out) => fs.writeFile(metadataPath(out), ""));
    expect(warnings.join("\n")).toMatch(/metadata\.json changed/);
    expect(warnings.join("\n")).toMatch(/category_map rebuilt from the annotation files \(\d+ categories\)/);
  });

  it("a metadata.json cut short (a torn write by another tool), or deleted", async () => {
    const { warnings } = await afterDamage(async (out) => {
      const text = await fs.readFile(metadataPath(out), "utf8");
      await fs.writeFile(metadataPath(out), text.slice(0, Math.floor(text.length / 2)));
    });
    expect(warnings.join("\n")).toMatch(/metadata\.json is not valid JSON|not valid JSON/);
    await afterDamage((out) => fs.rm(metadataPath(out)));
  });

  it("a category_map that disagrees with the annotation files (ids swapped, a name renamed): the files' ids win", async () => {
    const { warnings } = await afterDamage(async (out) => {
      const meta = JSON.parse(await fs.readFile(metadataPath(out), "utf8"));
      const [a, b] = Object.keys(meta.category_map);
      [meta.category_map[a!], meta.category_map[b!]] = [meta.category_map[b!], meta.category_map[a!]];
      meta.total_annotations = 1358;
      await fs.writeFile(metadataPath(out), JSON.stringify(meta, null, 2));
    });
    expect(warnings.join("\n")).toMatch(/category_map disagreed with the annotation files/);
    expect(warnings.join("\n")).toMatch(/metadata\.json said 1358 annotations \(the files hold \d+\)/);
  });

  it("an emptied metadata.json while boxes are only in the journal (the export before was killed)", async () => {
    const out = await tempDir();
    await exportInto(out, first);
    // Killed before close: the boxes of the images still in memory are in the journal only.
    await exportInto(out, second, [], (w) => ({ ...w, close: async () => ({ writer: "intermediate" }) }));
    await new Promise((r) => setTimeout(r, 100));
    await fs.writeFile(path.join(out, ".qontinui", "lock"), JSON.stringify({ pid: 2 ** 22 + 5151, hostname: os.hostname() }));
    expect((await fs.stat(path.join(out, ".qontinui", "annotations.journal"))).size).toBeGreaterThan(0);
    await fs.writeFile(metadataPath(out), "");
    const warnings: string[] = [];
    await exportInto(out, second, warnings);
    await expectSameDataset(out, clean);
    expect(warnings.join("\n")).toMatch(/from its journal/);
  });

  it("a dataset without .qontinui/closed.json (an older version, or the Python exporter): checked once, then trusted", async () => {
    const { out } = await afterDamage((out) => fs.rm(path.join(out, ".qontinui", "closed.json")));
    const warnings: string[] = [];
    await exportInto(out, second, warnings);
    expect(warnings).toEqual([]);
  });

  it("an index and a metadata.json both lost: everything is rebuilt but which old records had matches or clicks, and the export says so", async () => {
    const out = await tempDir();
    await exportInto(out, first);
    await fs.writeFile(indexPath(out), Buffer.alloc((await fs.stat(indexPath(out))).size));
    await fs.writeFile(metadataPath(out), "{");
    const warnings: string[] = [];
    await exportInto(out, second, warnings);
    expect(warnings.join("\n")).toMatch(/which of 24 records had a match or a click is known neither from the record index nor from metadata\.json/);
    const got = JSON.parse((await datasetContents(out)).get("metadata.json")!);
    const want = JSON.parse((await datasetContents(clean)).get("metadata.json")!);
    // All but the two counts that lived only in the lost files: the second part's own records count.
    const secondMatches = second.filter((r) => r.match_summary).length;
    const secondClicks = second.filter((r) => r.clicked_location).length;
    expect(got.statistics.records_with_matches).toBe(secondMatches);
    expect(got.statistics.records_with_clicks).toBe(secondClicks);
    got.statistics.records_with_matches = want.statistics.records_with_matches;
    got.statistics.records_with_clicks = want.statistics.records_with_clicks;
    expect(got).toEqual(want);
    for (const [f, text] of await datasetContents(clean)) if (f !== "metadata.json") expect((await datasetContents(out)).get(f), f).toBe(text);
  });

  it("an edit made through keepClosedState (as the review's) keeps the dataset trusted; the same edit without it is noticed and checked", async () => {
    const edit = async (out: string) => {
      const dir = path.join(out, "annotations");
      const [name] = await fs.readdir(dir);
      const doc = JSON.parse(await fs.readFile(path.join(dir, name!), "utf8"));
      for (const box of doc.annotations) box.verified = true;
      const tmp = path.join(dir, `.${name}.000000000000.tmp`);
      await fs.writeFile(tmp, JSON.stringify(doc, null, 2));
      await fs.rename(tmp, path.join(dir, name!));
    };
    for (const keep of [true, false]) {
      const out = await tempDir();
      await exportInto(out, first);
      const lock = await acquireLock(path.join(out, ".qontinui", "lock"), out);
      try {
        if (keep) await keepClosedState(out, () => edit(out));
        else await edit(out);
      } finally {
        await lock.release();
      }
      const warnings: string[] = [];
      await exportInto(out, first, warnings);
      expect(warnings, `keepClosedState: ${keep}`).toEqual(keep ? [] : [expect.stringMatching(/changed since the last export closed it \(annotations\/ changed\)/)]);
    }
  });
});
