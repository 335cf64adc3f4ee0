import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { claimOutputDir, ConfigError, createDirectory, OUTPUT_MARKER, OutputNotEmptyError, placeImage } from "../src/index.js";
import { within } from "../src/testing/index.js";

const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qontinui-claim-"));
  roots.push(dir);
  return dir;
}
afterAll(async () => {
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

const yolo = (force = false) => ({ format: "yolo", label: "YOLO output", isPrevious: (n: readonly string[]) => n.includes("data.yaml"), force });

describe("claimOutputDir", () => {
  it("creates a missing directory and marks it with the format", async () => {
    const dir = path.join(await tempDir(), "new dir ü");
    expect(await claimOutputDir(dir, yolo())).toEqual({ previous: false });
    expect(JSON.parse(await fs.readFile(path.join(dir, OUTPUT_MARKER), "utf8"))).toEqual({ format: "yolo" });
  });

  it("knows an output of its own format killed before its first real file, by the marker", async () => {
    const dir = await tempDir();
    await claimOutputDir(dir, yolo());
    await fs.mkdir(path.join(dir, "labels", "train"), { recursive: true });
    await fs.writeFile(path.join(dir, "labels", "train", "a.txt"), "0 0.5 0.5 0.1 0.1\n");
    expect(await claimOutputDir(dir, yolo())).toEqual({ previous: true });
  });

  it("knows a previous output written before markers by its own files", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "data.yaml"), "names: {}\n");
    expect(await claimOutputDir(dir, yolo())).toEqual({ previous: true });
  });

  it("refuses a foreign non-empty directory without writing anything, unless forced", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "thesis.docx"), "mine");
    const err = await claimOutputDir(dir, yolo()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputNotEmptyError);
    expect((err as Error).message).toMatch(/YOLO output .* is not empty \(thesis\.docx\).*--force/);
    expect(await fs.readdir(dir)).toEqual(["thesis.docx"]);
    expect(await claimOutputDir(dir, yolo(true))).toEqual({ previous: false });
    expect((await fs.readdir(dir)).sort()).toEqual([OUTPUT_MARKER, "thesis.docx"]);
  });

  it("refuses another format's output by name, and keeps its marker when forced", async () => {
    const dir = await tempDir();
    await claimOutputDir(dir, { format: "voc", label: "VOC output" });
    await fs.mkdir(path.join(dir, "Annotations"));
    await expect(claimOutputDir(dir, yolo())).rejects.toThrow(/it is a voc output/);
    await claimOutputDir(dir, yolo(true));
    expect(JSON.parse(await fs.readFile(path.join(dir, OUTPUT_MARKER), "utf8"))).toEqual({ format: "voc" });
  });

  it("says a file is not a directory", async () => {
    const file = path.join(await tempDir(), "f");
    await fs.writeFile(file, "x");
    await expect(claimOutputDir(file, yolo())).rejects.toBeInstanceOf(ConfigError);
  });

  it("leaves no marker when asked (a format that marks itself)", async () => {
    const dir = path.join(await tempDir(), "ds");
    await claimOutputDir(dir, { format: "intermediate", label: "dataset directory", marker: false });
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

/** A read-only filesystem to create directories under (a tmpfs mounted read-only), or why there cannot be one here. */
function readOnlyMount(): { dir: string } | { why: string } {
  if (process.platform !== "linux") return { why: `needs Linux (this is ${process.platform})` };
  const dir = mkdtempSync(path.join(os.tmpdir(), "qontinui-ro-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", dir], { stdio: "pipe" });
    return { dir };
  } catch (e) {
    return { why: `mount -t tmpfs is not permitted here (${((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim()})` };
  }
}

describe("createDirectory: an output that cannot be made fails at once, in one line naming it", () => {
  it("/proc/x (where Node's recursive mkdir spins at 100% CPU forever)", async () => {
    if (process.platform !== "linux") return;
    for (const dir of ["/proc/x", "/proc/x/y/z"]) {
      const err = await within(2_000, createDirectory(dir, "YOLO output").then(() => undefined, (e: unknown) => e));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(`cannot create YOLO output ${dir}: the filesystem there does not allow creating directories (making /proc/x)`);
    }
    await expect(within(2_000, claimOutputDir("/proc/x", yolo()))).rejects.toThrow(/^cannot create YOLO output \/proc\/x: /);
  });

  it("a path under a file, and a path that is a file", async () => {
    const file = path.join(await tempDir(), "notes.txt");
    await fs.writeFile(file, "x");
    await expect(createDirectory(path.join(file, "a", "b"), "dataset directory")).rejects.toThrow(`cannot create dataset directory ${path.join(file, "a", "b")}: ${file} is not a directory`);
    await expect(createDirectory(file, "dataset directory")).rejects.toThrow(`cannot create dataset directory ${file}: it exists and is not a directory`);
    await expect(claimOutputDir(path.join(file, "out"), yolo())).rejects.toBeInstanceOf(ConfigError);
  });

  const ro = readOnlyMount();
  const title = "a path under a read-only filesystem";
  it.skipIf(!("dir" in ro))("dir" in ro ? title : `${title} (skipped: ${ro.why})`, async () => {
    const { dir } = ro as { dir: string };
    try {
      const out = path.join(dir, "datasets", "gui");
      const err = await within(2_000, createDirectory(out, "dataset directory").then(() => undefined, (e: unknown) => e));
      expect((err as Error).message).toBe(`cannot create dataset directory ${out}: read-only file system (making ${path.join(dir, "datasets")})`);
      // An existing directory there: claimed, but its marker cannot be written.
      await expect(claimOutputDir(dir, yolo())).rejects.toThrow(`cannot write into YOLO output ${dir}: read-only file system`);
    } finally {
      execFileSync("umount", [dir]);
    }
  });

  it("makes every missing parent, and leaves an existing directory as it is", async () => {
    const base = await tempDir();
    const deep = path.join(base, "a", "b", "c");
    await createDirectory(deep);
    expect((await fs.stat(deep)).isDirectory()).toBe(true);
    await createDirectory(deep);
    await createDirectory(base);
  });
});

describe("placeImage", () => {
  it("copies or links whole, and leaves no temp file", async () => {
    const dir = await tempDir();
    const source = path.join(dir, "src.png");
    await fs.writeFile(source, Buffer.alloc(300_000, 7));
    expect(await placeImage(source, path.join(dir, "copy.png"), "copy")).toBe("copied");
    expect(await placeImage(source, path.join(dir, "link.png"), "hardlink")).toBe("linked");
    expect((await fs.stat(path.join(dir, "link.png"))).ino).toBe((await fs.stat(source)).ino);
    expect((await fs.readFile(path.join(dir, "copy.png"))).equals(await fs.readFile(source))).toBe(true);
    expect((await fs.readdir(dir)).sort()).toEqual(["copy.png", "link.png", "src.png"]);
  });
});
