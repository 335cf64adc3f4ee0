import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScreenshotError, screenshotGuard, stampOf } from "../src/index.js";
import { encodePng, flipDirectory } from "../src/testing/index.js";

let base: string;
let run: string;
const png = encodePng(16, 9);

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), "qx-guard-"));
  run = path.join(base, "run");
  await fs.mkdir(path.join(run, "shots", "sub"), { recursive: true });
  await fs.writeFile(path.join(run, "shots", "a.png"), png);
  await fs.writeFile(path.join(run, "shots", "sub", "b.png"), encodePng(4, 4));
  await fs.writeFile(path.join(base, "secret.png"), encodePng(2, 2));
  await fs.symlink(path.join(base, "secret.png"), path.join(run, "out.png"));
  await fs.symlink(path.join(run, "shots", "a.png"), path.join(run, "in.png"));
  await fs.symlink(path.join(run, "gone.png"), path.join(run, "dangling.png"));
  if (process.platform !== "win32") execFileSync("mkfifo", [path.join(run, "pipe.png")]);
});
afterAll(() => fs.rm(base, { recursive: true, force: true }));

/** What reading a reference gives: its bytes' length and real path, or the reason it was refused. */
async function outcome(read: ReturnType<typeof screenshotGuard>["read"], reference: string): Promise<string> {
  try {
    const file = await read(reference);
    return `ok ${file.bytes.length} ${path.relative(run, file.path)}`;
  } catch (e) {
    expect(e).toBeInstanceOf(ScreenshotError);
    return (e as ScreenshotError).reason;
  }
}

const REFERENCES = ["shots/a.png", "shots\\sub\\b.png", "./shots/sub/../a.png", "in.png", "out.png", "../secret.png", "/etc/passwd", "C:\\x.png", "dangling.png", "nope.png", "shots", "a\0.png"];

describe("screenshotGuard: reading on the calling thread and in the thread pool", () => {
  it("applies the same checks either way (escapes, symlinks, missing files, directories, FIFOs, size)", async () => {
    const here = screenshotGuard(run);
    const pool = screenshotGuard(run, { readInThreadPool: true });
    const refs = process.platform === "win32" ? REFERENCES : [...REFERENCES, "pipe.png"];
    const got = [];
    for (const ref of refs) got.push([ref, await outcome(here.read, ref), await outcome(pool.read, ref)]);
    for (const [ref, a, b] of got) expect(a, ref).toBe(b);
    expect(Object.fromEntries(got.map(([ref, a]) => [ref, a]))).toMatchObject({
      "shots/a.png": `ok ${png.length} ${path.join("shots", "a.png")}`,
      "in.png": `ok ${png.length} ${path.join("shots", "a.png")}`,
      "out.png": "path_escapes_root",
      "../secret.png": "path_escapes_root",
      "/etc/passwd": "path_escapes_root",
      "dangling.png": "screenshot_missing",
      "nope.png": "screenshot_missing",
      shots: "screenshot_corrupt",
      ...(process.platform === "win32" ? {} : { "pipe.png": "screenshot_corrupt" }),
    });
    const small = { maxScreenshotBytes: png.length - 1 };
    expect(await outcome(screenshotGuard(run, small).read, "shots/a.png")).toBe("screenshot_too_large");
    expect(await outcome(screenshotGuard(run, { ...small, readInThreadPool: true }).read, "shots/a.png")).toBe("screenshot_too_large");
  });

  it("gives the same stamp either way, and an `unchanged` check that tells the same file from a changed one", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qx-unchanged-"));
    await fs.writeFile(path.join(dir, "x.png"), png);
    const here = await screenshotGuard(dir).read("x.png");
    const pool = await screenshotGuard(dir, { readInThreadPool: true }).read("x.png");
    expect(here.stamp).toBe(pool.stamp);
    expect(here.stamp).toBe(stampOf(await fs.stat(path.join(dir, "x.png"))));
    expect(here.unchanged!()).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    await fs.writeFile(path.join(dir, "x.png"), encodePng(17, 9));
    expect(here.unchanged!()).toBe(false);
    // Replaced by a symlink out of the root: another file, so not the stamp of the read (and then the guard refuses it).
    await fs.rm(path.join(dir, "x.png"));
    await fs.symlink(path.join(base, "secret.png"), path.join(dir, "x.png"));
    expect(pool.unchanged!()).toBe(false);
    await expect(screenshotGuard(dir).read("x.png")).rejects.toMatchObject({ reason: "path_escapes_root" });
    await fs.rm(path.join(dir, "x.png"));
    expect(here.unchanged!()).toBe(false);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("screenshotGuard: a directory swapped for a symlink between the check and the open", () => {
  it.skipIf(process.platform === "win32")("never returns a byte from outside the root, reading on this thread or in the pool", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qx-swap-"));
    const shots = path.join(dir, "run", "shots");
    const outside = path.join(dir, "outside");
    await fs.mkdir(shots, { recursive: true });
    await fs.mkdir(outside);
    const inside = encodePng(6, 5);
    for (let i = 0; i < 20; i++) {
      await fs.writeFile(path.join(shots, `${i}.png`), inside);
      await fs.writeFile(path.join(outside, `${i}.png`), Buffer.from(`secret ${i}`));
    }
    const ms = process.env.QONTINUI_SLOW_TESTS === "1" ? 20_000 : 2_000;
    const flipping = flipDirectory(shots, outside, ms);
    const guards = [screenshotGuard(path.join(dir, "run")), screenshotGuard(path.join(dir, "run"), { readInThreadPool: true })];
    const seen: Record<string, number> = {};
    const until = Date.now() + ms - 100;
    while (Date.now() < until) {
      for (const guard of guards) {
        for (let i = 0; i < 20; i++) {
          try {
            const file = await guard.read(`shots/${i}.png`);
            const what = file.bytes.equals(inside) ? "inside" : `OUTSIDE ${file.path}: ${file.bytes.toString("latin1", 0, 20)}`;
            seen[what] = (seen[what] ?? 0) + 1;
          } catch (e) {
            const reason = (e as ScreenshotError).reason;
            const key = /the file opened is/.test((e as Error).message) ? `${reason} (after the open)` : reason;
            seen[key] = (seen[key] ?? 0) + 1;
          }
        }
      }
    }
    expect(await flipping).toBeGreaterThan(100);
    expect(Object.keys(seen).filter((k) => k.startsWith("OUTSIDE")), JSON.stringify(seen)).toEqual([]);
    expect(seen.inside, JSON.stringify(seen)).toBeGreaterThan(0);
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);
});
