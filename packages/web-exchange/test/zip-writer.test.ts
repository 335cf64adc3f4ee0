import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { END_RECORD_MAX_BYTES, storedEntryBytes, ZipSourceError, ZipWriter } from "../src/zip-writer.js";
import { python, tempDir } from "./fixture.js";

/** What Python's zipfile makes of an archive: names, methods, sizes, contents (hex), CRC check. */
function pythonRead(file: string): { ok: boolean; entries: { name: string; method: number; size: number; data: string; date: number[] }[] } {
  const script = [
    "import json, sys, zipfile",
    "zf = zipfile.ZipFile(sys.argv[1])",
    "ok = zf.testzip() is None",
    "entries = [{'name': i.filename, 'method': i.compress_type, 'size': i.file_size, 'data': zf.read(i).hex(), 'date': list(i.date_time)} for i in zf.infolist()]",
    "print(json.dumps({'ok': ok, 'entries': entries}))",
  ].join("\n");
  return python(["-c", script, file]);
}

describe("ZipWriter", () => {
  it("stored files, deflated buffers, an empty archive; fixed dates; the size it reports is the file's; the cap arithmetic bounds it", async () => {
    const dir = await tempDir();
    const src = path.join(dir, "src.bin");
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // more than one copy chunk
    await fs.writeFile(src, bytes);
    const file = path.join(dir, "a.zip");
    const zip = await ZipWriter.create(file);
    await zip.addFile("images/x.png", src);
    const text = Buffer.from(JSON.stringify({ hello: "world ".repeat(200) }));
    await zip.addBuffer("annotations/x.json", text, { compress: true });
    await zip.addBuffer("tiny.json", Buffer.from("{}"), { compress: true }); // deflate would not help: stored
    await zip.addBuffer("empty.txt", Buffer.alloc(0), { compress: true });
    const size = await zip.finish();
    expect((await fs.stat(file)).size).toBe(size);
    const bound = storedEntryBytes("images/x.png", bytes.length) + storedEntryBytes("annotations/x.json", text.length) + storedEntryBytes("tiny.json", 2) + storedEntryBytes("empty.txt", 0) + END_RECORD_MAX_BYTES;
    expect(size).toBeLessThanOrEqual(bound);
    const read = pythonRead(file);
    expect(read.ok).toBe(true);
    expect(read.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ["images/x.png", 0, bytes.length],
      ["annotations/x.json", 8, text.length],
      ["tiny.json", 0, 2],
      ["empty.txt", 0, 0],
    ]);
    expect(Buffer.from(read.entries[0]!.data, "hex").equals(bytes)).toBe(true);
    expect(Buffer.from(read.entries[1]!.data, "hex").equals(text)).toBe(true);
    expect(read.entries.every((e) => e.date.join() === "1980,1,1,0,0,0")).toBe(true);

    const empty = path.join(dir, "empty.zip");
    await (await ZipWriter.create(empty)).finish();
    expect(pythonRead(empty)).toEqual({ ok: true, entries: [] });
  });

  it("rolls back an entry whose file cannot be read whole, and refuses to overwrite an existing archive", async () => {
    const dir = await tempDir();
    const good = path.join(dir, "good.bin");
    await fs.writeFile(good, "good bytes");
    const file = path.join(dir, "b.zip");
    const zip = await ZipWriter.create(file);
    await zip.addFile("a", good);
    const mark = zip.mark();
    await expect(zip.addFile("missing", path.join(dir, "nope.bin"))).rejects.toBeInstanceOf(ZipSourceError);
    zip.rollback(mark);
    // A file that is not the size it was said to be: its header and bytes are dropped.
    const stat = await fs.stat(good);
    await fs.writeFile(good, "good bytes, longer now");
    await expect(zip.addFile("changed", good, stat)).rejects.toThrow(/changed while it was copied/);
    zip.rollback(mark);
    await zip.addBuffer("b", Buffer.from("second"));
    await zip.finish();
    const read = pythonRead(file);
    expect(read.ok).toBe(true);
    expect(read.entries.map((e) => [e.name, Buffer.from(e.data, "hex").toString()])).toEqual([
      ["a", "good bytes"],
      ["b", "second"],
    ]);
    await expect(ZipWriter.create(file)).rejects.toThrow(/EEXIST/);
  });

  it("ZIP64 extra fields and end records (forced): read by Python with every CRC", async () => {
    const dir = await tempDir();
    const src = path.join(dir, "s.bin");
    await fs.writeFile(src, Buffer.from("0123456789".repeat(1000)));
    const file = path.join(dir, "z.zip");
    const zip = await ZipWriter.create(file, { forceZip64: true });
    await zip.addFile("one", src);
    await zip.addBuffer("two", Buffer.from("x".repeat(5000)), { compress: true });
    await zip.addFile("three", src);
    await zip.finish();
    const read = pythonRead(file);
    expect(read.ok).toBe(true);
    expect(read.entries.map((e) => [e.name, e.size])).toEqual([
      ["one", 10000],
      ["two", 5000],
      ["three", 10000],
    ]);
    // The ZIP64 end record and its locator are there.
    const buf = await fs.readFile(file);
    expect(buf.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0);
    expect(buf.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBeGreaterThan(0);
  });
});
