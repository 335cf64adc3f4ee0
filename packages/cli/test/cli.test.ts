import { promises as fs } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, tempDir, writeRun } from "./fixtures.js";

let runDir: string;
beforeAll(async () => {
  runDir = await writeRun({ records: 30, screens: 6, extraLines: ['{"broken json', '{"action_type":"CLICK"}', JSON.stringify({ action_id: "gone", screenshot_reference: "screenshots/nope.png" })] });
});

describe("qontinui-export", () => {
  it("prints help and usage errors with exit code 2", async () => {
    const io = captureIO();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/Commands:[\s\S]*run[\s\S]*merge/);
    const io2 = captureIO();
    expect(await main(["run", "--help"], io2)).toBe(0);
    expect(io2.out()).toMatch(/--successful-only/);
    const io3 = captureIO();
    expect(await main(["run", runDir], io3)).toBe(2);
    expect(io3.err()).toMatch(/--out <dataset> is required/);
    const io4 = captureIO();
    expect(await main(["nope"], io4)).toBe(2);
    const io5 = captureIO();
    expect(await main(["run", runDir, "--out", "x", "--bogus"], io5)).toBe(2);
    expect(io5.err()).toMatch(/bogus/);
    const io6 = captureIO();
    expect(await main(["coco", "x", "--split", "0.5,0.2"], io6)).toBe(2);
    expect(io6.err()).toMatch(/sum to 0.7/);
  });

  it("run exports, reports problems by reason, prints a JSON summary for scripts", async () => {
    const out = path.join(await tempDir(), "ds");
    const io = captureIO();
    const code = await main(["run", runDir, "--out", out, "--json", "--click-mode", "fixed"], io);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(io.out());
    expect(summary.statistics.recordsRead).toBe(33);
    expect(summary.statistics.recordsExported).toBe(30);
    expect(summary.statistics.problems.byReason).toEqual({ malformed_json: 1, invalid_record: 1, screenshot_missing: 1 });
    expect(summary.writers[0]).toMatchObject({ writer: "intermediate", totalRecords: 30, totalImages: 6 });

    const again = captureIO();
    expect(await main(["run", runDir, "--out", out, "--json", "--click-mode", "fixed"], again)).toBe(0);
    expect(JSON.parse(again.out()).statistics.recordsAlreadyExported).toBe(30);

    const sum = captureIO();
    expect(await main(["summary", out], sum)).toBe(0);
    expect(sum.out()).toMatch(/manifest entries\s+30/);
    expect(sum.out()).toMatch(/ok_button/);

    const strict = captureIO();
    expect(await main(["run", runDir, "--out", out, "--strict", "--quiet"], strict)).toBe(5);
  });

  it("run applies filters", async () => {
    const out = path.join(await tempDir(), "ds");
    const io = captureIO();
    expect(await main(["run", runDir, "--out", out, "--json", "--successful-only", "--action-type", "CLICK"], io)).toBe(0);
    const s = JSON.parse(io.out()).statistics;
    expect(s.recordsExported).toBe(8); // i % 3 == 0 and i % 7 != 0 for i < 30
    // successful_only: i % 7 == 0 (5 records) and "gone", whose success is unknown; filters run before its screenshot is looked for.
    expect(s.recordsFilteredBy).toEqual({ successful_only: 6, action_type_in_CLICK: 17 });
  });

  it("exit codes: missing run dir 4, non-dataset output 4, locked dataset 3", async () => {
    const io = captureIO();
    expect(await main(["run", path.join(runDir, "nope"), "--out", path.join(await tempDir(), "x")], io)).toBe(4);
    const full = await tempDir();
    await fs.writeFile(path.join(full, "notes.txt"), "mine");
    const io2 = captureIO();
    expect(await main(["run", runDir, "--out", full, "--quiet"], io2)).toBe(4);
    expect(io2.err()).toMatch(/--force/);
    expect(await fs.readdir(full)).toEqual(["notes.txt"]);
    const ds = path.join(await tempDir(), "ds");
    await fs.mkdir(path.join(ds, ".qontinui"), { recursive: true });
    // pid 1 is alive on every Unix: the lock is held.
    await fs.writeFile(path.join(ds, ".qontinui", "lock"), JSON.stringify({ pid: 1, hostname: (await import("node:os")).hostname(), started: "now" }));
    const io3 = captureIO();
    expect(await main(["run", runDir, "--out", ds, "--quiet"], io3)).toBe(3);
    expect(io3.err()).toMatch(/pid 1\b/);
  });

  it("preview draws the dataset and names each image it could not draw", async () => {
    const out = path.join(await tempDir(), "ds");
    expect(await main(["run", runDir, "--out", out, "--quiet", "--click-mode", "fixed"], captureIO())).toBe(0);
    const images = (await fs.readdir(path.join(out, "images"))).sort();
    await fs.rm(path.join(out, "images", images[0]!));
    const previews = path.join(await tempDir(), "previews");
    const io = captureIO();
    expect(await main(["preview", out, "--out", previews, "--quiet"], io)).toBe(0);
    expect(io.out()).toMatch(/^5 preview\(s\) in /);
    expect(io.out()).toMatch(/contact sheet: .*contact-sheet\.png/);
    expect(io.err()).toMatch(new RegExp(`^skipped ${path.parse(images[0]!).name}: `, "m"));
    expect((await fs.readdir(previews)).filter((f) => f.endsWith(".png"))).toHaveLength(6);
  });

  it("an aborted run exits 130 and the next run completes the same dataset", async () => {
    const out = path.join(await tempDir(), "ds");
    const controller = new AbortController();
    controller.abort();
    const io = captureIO(process.cwd(), controller.signal);
    expect(await main(["run", runDir, "--out", out, "--quiet"], io)).toBe(130);
    const io2 = captureIO();
    expect(await main(["run", runDir, "--out", out, "--json"], io2)).toBe(0);
    expect(JSON.parse(io2.out()).writers[0].totalRecords).toBe(30);
  });
});
