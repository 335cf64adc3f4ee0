import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TEMP_FILE_PATTERN } from "@qontinui/export-core";
import { afterEach, describe, expect, it } from "vitest";
import { SpareTempFiles } from "../src/spare-temp-files.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "qontinui-spares-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Waits until the spares being made are there (they are made in the background). */
async function settled(dir: string, count: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const names = (await readdir(dir)).filter((n) => TEMP_FILE_PATTERN.test(n));
    if (names.length >= count) return names;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`fewer than ${count} spares were made`);
}

describe("SpareTempFiles: files made ahead, written whole at the end", () => {
  it("writes into a spare made ahead (its inode becomes the file's), and dispose removes the spares not used", async () => {
    const dir = await tempDir();
    const spares = new SpareTempFiles(dir);
    spares.add();
    spares.add();
    spares.add();
    const made = await settled(dir, 3);
    const inodes = new Set(await Promise.all(made.map(async (n) => (await stat(path.join(dir, n))).ino)));
    spares.writeSync(path.join(dir, "a.json"), '{"a":1}');
    spares.writeSync(path.join(dir, "b.json"), Buffer.from('{"b":2}'));
    expect(inodes.has((await stat(path.join(dir, "a.json"))).ino)).toBe(true);
    expect(inodes.has((await stat(path.join(dir, "b.json"))).ino)).toBe(true);
    expect(await readFile(path.join(dir, "a.json"), "utf8")).toBe('{"a":1}');
    expect((await readdir(dir)).filter((n) => TEMP_FILE_PATTERN.test(n))).toHaveLength(1);
    await spares.dispose();
    expect((await readdir(dir)).sort()).toEqual(["a.json", "b.json"]);
  });

  it("without a spare (none asked for, or none could be made) writes through a temp file of its own", async () => {
    const dir = await tempDir();
    const spares = new SpareTempFiles(dir);
    spares.writeSync(path.join(dir, "c.json"), "x");
    expect(await readFile(path.join(dir, "c.json"), "utf8")).toBe("x");
    const broken = new SpareTempFiles(path.join(dir, "missing"));
    broken.add();
    await broken.dispose();
    broken.writeSync(path.join(dir, "d.json"), "y");
    expect((await readdir(dir)).sort()).toEqual(["c.json", "d.json"]);
  });

  it("a spare that is not empty any more (someone wrote into it) is truncated: the file holds exactly what was written", async () => {
    const dir = await tempDir();
    const spares = new SpareTempFiles(dir);
    spares.add();
    const [name] = await settled(dir, 1);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(dir, name!), "a much longer text than the file's");
    spares.writeSync(path.join(dir, "e.json"), "short");
    expect(await readFile(path.join(dir, "e.json"), "utf8")).toBe("short");
  });
});
