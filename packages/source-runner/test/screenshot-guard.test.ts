import { execFileSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { type GuardedSource, resolveImage, ScreenshotError } from "@qontinui/export-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDirectorySource } from "../src/index.js";
import { png, scratch, writeFiles } from "./fixtures.js";

let base: string;
let run: string;
let source: GuardedSource;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: base, cleanup } = await scratch());
  run = path.join(base, "run");
  await writeFiles(base, {
    "run/records.jsonl": "",
    "run/screenshots/a.png": await png(8, 8),
    "run/screenshots/empty.png": Buffer.alloc(0),
    "run/top.png": await png(4, 4, "#000"),
    "secret.png": await png(2, 2, "#f00"),
    "outside/b.png": await png(3, 3),
  });
  source = runDirectorySource(run);
});
afterEach(() => cleanup());

/** The ProblemReason a reference is refused with, or "ok". */
async function outcome(reference: string, s: GuardedSource = source): Promise<string> {
  try {
    await s.readScreenshot(reference);
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(ScreenshotError);
    return (e as ScreenshotError).reason;
  }
}

describe("readScreenshot", () => {
  it("returns the real path and the bytes of a file inside the run directory", async () => {
    const file = await source.readScreenshot("screenshots/a.png");
    expect(file.path).toBe(path.join(run, "screenshots", "a.png"));
    expect(file.bytes.equals(await png(8, 8))).toBe(true);
  });

  it("hands over the bytes as its own, read into the caller's memory when it gives an allocator", async () => {
    const own = await source.readScreenshot("screenshots/a.png");
    expect(own.owned).toBe(true);
    expect(own.bytes.byteOffset).toBe(0);
    expect(own.bytes.buffer.byteLength).toBe(own.bytes.length); // not a slice of Node's shared pool
    const memory = Buffer.alloc(4096, 0xee);
    const sizes: number[] = [];
    const into = await source.readScreenshot("screenshots/a.png", (size) => (sizes.push(size), memory.subarray(0, size)));
    expect(sizes).toEqual([own.bytes.length]);
    expect(into.bytes.buffer).toBe(memory.buffer);
    expect(into.bytes.equals(own.bytes)).toBe(true);
    await expect(source.readScreenshot("screenshots/a.png", () => Buffer.alloc(1))).rejects.toThrow(RangeError);
  });

  it("accepts Windows separators and harmless . and .. segments", async () => {
    const expected = path.join(run, "screenshots", "a.png");
    expect((await source.readScreenshot("screenshots\\a.png")).path).toBe(expected);
    expect((await source.readScreenshot(".\\screenshots\\.\\a.png")).path).toBe(expected);
    expect((await source.readScreenshot("screenshots/../screenshots//a.png")).path).toBe(expected);
    expect((await source.readScreenshot("screenshots/../top.png")).path).toBe(path.join(run, "top.png"));
    // A name that merely starts with two dots is an ordinary file inside.
    await writeFiles(run, { "..dots.png": await png(2, 2) });
    expect((await source.readScreenshot("..dots.png")).path).toBe(path.join(run, "..dots.png"));
  });

  it("refuses .. segments that leave the run directory", async () => {
    expect(await outcome("../secret.png")).toBe("path_escapes_root");
    expect(await outcome("screenshots/../../secret.png")).toBe("path_escapes_root");
    expect(await outcome("..\\secret.png")).toBe("path_escapes_root");
    expect(await outcome("..")).toBe("path_escapes_root");
    // Escaping and coming back in is still refused: the reference left the root.
    expect(await outcome("../run/top.png")).toBe("path_escapes_root");
  });

  it("refuses absolute paths, POSIX and Windows style, even when the file is inside", async () => {
    expect(await outcome(path.join(base, "secret.png"))).toBe("path_escapes_root");
    expect(await outcome(path.join(run, "top.png"))).toBe("path_escapes_root");
    for (const ref of ["C:\\Users\\me\\secret.png", "c:/secret.png", "C:secret.png", "\\\\server\\share\\a.png", "//server/share/a.png", "\\secret.png", "file:///etc/passwd"]) {
      expect(await outcome(ref), ref).toBe("path_escapes_root");
    }
  });

  it("refuses symlinks whose real path is outside, and follows symlinks that stay inside", async () => {
    await symlink(path.join(base, "secret.png"), path.join(run, "screenshots", "link-out.png"));
    await symlink(path.join(base, "outside"), path.join(run, "linked-dir"));
    await symlink("../top.png", path.join(run, "screenshots", "link-in.png"));
    await symlink(path.join(run, "screenshots"), path.join(run, "shots"));

    expect(await outcome("screenshots/link-out.png")).toBe("path_escapes_root");
    expect(await outcome("linked-dir/b.png")).toBe("path_escapes_root");
    expect((await source.readScreenshot("screenshots/link-in.png")).path).toBe(path.join(run, "top.png"));
    expect((await source.readScreenshot("shots/a.png")).path).toBe(path.join(run, "screenshots", "a.png"));
  });

  it("works when the run directory itself is reached through a symlink", async () => {
    await symlink(run, path.join(base, "run-link"));
    const viaLink = runDirectorySource(path.join(base, "run-link"));
    expect((await viaLink.readScreenshot("screenshots/a.png")).path).toBe(path.join(run, "screenshots", "a.png"));
    expect(await outcome("../secret.png", viaLink)).toBe("path_escapes_root");
  });

  it("reports missing files, directories, dangling symlinks and NUL characters", async () => {
    expect(await outcome("screenshots/nope.png")).toBe("screenshot_missing");
    expect(await outcome("nodir/nope.png")).toBe("screenshot_missing");
    expect(await outcome("top.png/child.png")).toBe("screenshot_missing");
    await symlink(path.join(run, "gone.png"), path.join(run, "dangling.png"));
    expect(await outcome("dangling.png")).toBe("screenshot_missing");
    expect(await outcome("screenshots/a.png\0.txt")).toBe("screenshot_missing");
    expect(await outcome("screenshots")).toBe("screenshot_corrupt");
    expect(await outcome(".")).toBe("screenshot_corrupt");
  });

  it.skipIf(process.platform === "win32")("refuses a FIFO without blocking", async () => {
    execFileSync("mkfifo", [path.join(run, "pipe.png")]);
    expect(await outcome("pipe.png")).toBe("screenshot_corrupt");
  });

  it("refuses files over maxScreenshotBytes and returns zero-byte files for the resolver to refuse", async () => {
    const size = (await png(8, 8)).length;
    const limited = runDirectorySource(run, { maxScreenshotBytes: size - 1 });
    expect(await outcome("screenshots/a.png", limited)).toBe("screenshot_too_large");
    expect(await outcome("top.png", limited)).toBe("ok");
    expect(await outcome("screenshots/a.png", runDirectorySource(run, { maxScreenshotBytes: size }))).toBe("ok");

    const empty = await source.readScreenshot("screenshots/empty.png");
    expect(empty.bytes.length).toBe(0);
    await expect(resolveImage(source, "screenshots/empty.png")).rejects.toMatchObject({ reason: "screenshot_corrupt" });
  });

  it("reads a run directory whose records.jsonl is missing (screenshots are independent of records)", async () => {
    await mkdir(path.join(base, "bare"));
    await writeFiles(base, { "bare/x.png": await png(2, 2) });
    expect(await outcome("x.png", runDirectorySource(path.join(base, "bare")))).toBe("ok");
  });
});

describe("screenshotStamp", () => {
  it("gives the stamp readScreenshot gives, changes when the file is rewritten, and keeps the guard", async () => {
    const read = await source.readScreenshot("screenshots/a.png");
    const stamped = await source.screenshotStamp!("screenshots/a.png");
    expect(stamped).toEqual({ path: read.path, stamp: read.stamp });
    await new Promise((r) => setTimeout(r, 20));
    await writeFiles(base, { "run/screenshots/a.png": await png(9, 9) });
    expect((await source.screenshotStamp!("screenshots/a.png")).stamp).not.toBe(stamped.stamp);

    await symlink(path.join(base, "secret.png"), path.join(run, "link.png"));
    await expect(source.screenshotStamp!("link.png")).rejects.toMatchObject({ reason: "path_escapes_root" });
    await expect(source.screenshotStamp!("../secret.png")).rejects.toMatchObject({ reason: "path_escapes_root" });
    await expect(source.screenshotStamp!("/etc/passwd")).rejects.toMatchObject({ reason: "path_escapes_root" });
  });
});
