import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { type ExecutionRecordInput, runPipeline, silentLogger, type Source } from "@qontinui/export-core";
import { encodePng, flipDirectory, pngChunk as chunk } from "@qontinui/export-core/testing";
import sharp from "sharp";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { intermediateWriter, validateDataset } from "../src/index.js";
import { listFiles, makeRun, match, matchLabeler, memorySource, png, record, tempDir } from "./fixtures.js";
import { expectSameDataset } from "./same-dataset.js";

const idOf = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

describe("a run directory changed under the export", () => {
  it.skipIf(process.platform === "win32")("a directory flipped to a symlink out of the run, in a loop, while exports run: no byte from outside lands in a dataset", async () => {
    const base = await tempDir("qx-flip-");
    const runDir = path.join(base, "run");
    const shots = path.join(runDir, "screenshots");
    const outside = path.join(base, "outside");
    await fs.mkdir(shots, { recursive: true });
    await fs.mkdir(outside);
    const count = 150;
    const insideIds = new Set<string>();
    const outsideIds = new Set<string>();
    const records: ExecutionRecordInput[] = [];
    for (let i = 0; i < count; i++) {
      // Same names, other bytes: a file read from outside would be stored under its own id.
      const inside = encodePng(12, 8, (x, y) => [i, x * 9, y * 17]);
      const secret = encodePng(13, 8, (x, y) => [255 - i, y * 5, x * 3]);
      await fs.writeFile(path.join(shots, `${i}.png`), inside);
      await fs.writeFile(path.join(outside, `${i}.png`), secret);
      insideIds.add(idOf(inside));
      outsideIds.add(idOf(secret));
      records.push(record(`r${i}`, `${i}.png`, { match_summary: match("button", 1, 1, 4, 4) }));
    }
    // A source that names its root: core reads its screenshots through the guard (memorySource reads them itself).
    const source: Source = { name: "run", root: runDir, read: memorySource(runDir, records).read };
    const exportOnce = (out: string) => runPipeline({ source, labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });

    const ms = process.env.QONTINUI_SLOW_TESTS === "1" ? 20_000 : 2_500;
    const flipping = flipDirectory(shots, outside, ms);
    const outs: string[] = [];
    const reasons: Record<string, number> = {};
    const until = Date.now() + ms - 200;
    while (Date.now() < until) {
      const out = await tempDir("qx-flip-out-");
      outs.push(out);
      const result = await exportOnce(out);
      for (const [reason, n] of Object.entries(result.statistics.problems.byReason)) reasons[reason] = (reasons[reason] ?? 0) + n;
    }
    const flips = await flipping;
    expect(flips, "the flipper ran").toBeGreaterThan(100);

    let stored = 0;
    for (const out of outs) {
      for (const f of await listFiles(out)) {
        if (!f.startsWith("images/")) continue;
        const id = idOf(await fs.readFile(path.join(out, f)));
        expect(outsideIds.has(id), `${out}/${f} holds a file from outside the run`).toBe(false);
        expect(insideIds.has(id), `${out}/${f}`).toBe(true);
        stored++;
      }
      const manifest = (await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean);
      for (const line of manifest) expect(outsideIds.has(JSON.parse(line).id as string)).toBe(false);
    }
    expect(stored, `exports stored screenshots while the flipper ran (${outs.length} exports, ${flips} flips, ${JSON.stringify(reasons)})`).toBeGreaterThan(0);
    // Every record not stored was refused by name (escaping, or missing while the directory was moved).
    expect(Object.keys(reasons).every((r) => r === "path_escapes_root" || r === "screenshot_missing"), JSON.stringify(reasons)).toBe(true);

    // The directory back in place: the same export again completes a dataset (the records refused during the flips are appended).
    const out = outs[0]!;
    await exportOnce(out);
    expect((await fs.readFile(path.join(out, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean)).toHaveLength(count);
    expect((await validateDataset(out)).problems).toEqual([]);
  }, 120_000);
});


/** The offset of the first JPEG marker `marker` (0xFF then it). */
function jpegMarker(bytes: Buffer, marker: number): number {
  for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === marker) return i;
  throw new Error(`no marker ${marker.toString(16)}`);
}

/** An RGB PNG of `width`×`height` whose every chunk and CRC is right but whose data inflates to 100 bytes (of `fill`). */
function shortDataPng(width: number, height: number, fill = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(100, fill))), chunk("IEND", Buffer.alloc(0))]);
}

describe("screenshots whose header is whole but whose data is not", () => {
  it("are a named problem (screenshot_undecodable), never a stored image: the dataset equals a clean export of the others", async () => {
    const goodPng = await png(64, 48, [10, 120, 200]);
    // Every chunk and CRC right; the data inflates to 100 bytes where 4000 rows of 12,001 are needed.
    const bomb = shortDataPng(4000, 4000);
    const badCrc = Buffer.from(goodPng);
    badCrc[badCrc.length - 13]! ^= 0x5a;
    const noise = Buffer.from(Array.from({ length: 96 * 64 * 3 }, (_, i) => (i * 2654435761) >>> 24));
    const goodJpeg = await sharp(noise, { raw: { width: 96, height: 64, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
    const progressive = await sharp(noise, { raw: { width: 96, height: 64, channels: 3 } }).jpeg({ quality: 70, progressive: true }).toBuffer();
    // A 96×64 picture's scan under a frame header claiming 4000×4000.
    const bigFrame = Buffer.from(goodJpeg);
    const sof = jpegMarker(bigFrame, 0xc0);
    bigFrame.writeUInt16BE(4000, sof + 5);
    bigFrame.writeUInt16BE(4000, sof + 7);
    // A Huffman table whose length runs past the end of the file.
    const pastEnd = Buffer.from(goodJpeg);
    pastEnd.writeUInt16BE(0xfff0, jpegMarker(pastEnd, 0xc4) + 2);

    const screens = { "good.png": goodPng, "bomb.png": bomb, "crc.png": badCrc, "good.jpg": goodJpeg, "progressive.jpg": progressive, "frame.jpg": bigFrame, "past-end.jpg": pastEnd };
    const records = Object.keys(screens).map((name, i) => record(`r${i}`, name, { match_summary: match("button", 2, 2, 8, 8) }));
    const run = await makeRun(screens, records);
    const exportOf = (out: string, recs: typeof records) =>
      runPipeline({ source: memorySource(run.dir, recs), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });
    const out = await tempDir();
    const result = await exportOf(out, records);
    expect(result.statistics.problems.byReason).toEqual({ screenshot_undecodable: 4 });
    expect(result.statistics.problems.examples.screenshot_undecodable!.map((p) => p.message)).toEqual([
      expect.stringMatching(/^screenshots\/bomb\.png: PNG image data inflates to 100 bytes; its 4000×4000 header needs 48004000; not stored$/),
      expect.stringMatching(/^screenshots\/crc\.png: PNG chunk IDAT .* wrong CRC/),
      expect.stringMatching(/^screenshots\/frame\.jpg: JPEG scan data is \d+ bytes; its 4000×4000 frame/),
    ]);
    const clean = await tempDir();
    await exportOf(clean, records.filter((r) => /good|progressive/.test(r.screenshot_reference!)));
    await expectSameDataset(out, clean);
  });

  it("an image the dataset already holds is not checked again (a re-run costs no inflate); a new one still is", async () => {
    const goodPng = await png(64, 48, [200, 120, 10]);
    const screens = { "good.png": goodPng, "stored.png": shortDataPng(400, 300, 1), "new.png": shortDataPng(400, 300, 2) };
    const records = [record("a", "good.png"), record("b", "stored.png"), record("c", "new.png")].map((r) => ({ ...r, match_summary: match("button", 2, 2, 8, 8) }));
    const run = await makeRun(screens, records);
    const exportOf = (out: string, recs: typeof records, checkImageData: boolean) =>
      runPipeline({ source: memorySource(run.dir, recs), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger, checkImageData });
    // stored.png got into the dataset without the check (run --no-decode-check).
    const out = await tempDir();
    await exportOf(out, records.slice(0, 2), false);
    // The same records again, and a new one, with the check: stored.png is the dataset's already (not inflated, no
    // problem, its record already exported); new.png, the same kind of damage but new, is refused.
    const again = await exportOf(out, records, true);
    expect(again.statistics.problems.byReason).toEqual({ screenshot_undecodable: 1 });
    expect(again.statistics.problems.examples.screenshot_undecodable!.map((p) => p.message)).toEqual([expect.stringMatching(/^screenshots\/new\.png: PNG image data inflates to 100 bytes/)]);
    expect(again.statistics.recordsAlreadyExported).toBe(2);
    // Into a new dataset the check sees both.
    const fresh = await exportOf(await tempDir(), records, true);
    expect(fresh.statistics.problems.byReason).toEqual({ screenshot_undecodable: 2 });
  });
});
