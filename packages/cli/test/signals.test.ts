import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { validateDataset } from "@qontinui/writer-intermediate";
import { describe, expect, it } from "vitest";
import { tempDir, writeRun } from "./fixtures.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js");

/** Starts an export, sends `signal` once it has written its first records, and resolves with how the process ended. */
function exportSignalled(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // "reading … as …" is said before the first record: the export is under way.
    const poll = setInterval(() => {
      if (stderr.includes("reading")) {
        clearInterval(poll);
        setTimeout(() => child.kill(signal), 150);
      }
    }, 10);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

describe("signals", () => {
  it("SIGTERM stops an export with whole files and exit 143 (what timeout and supervisors expect)", async () => {
    const run = await writeRun({ records: 1500, screens: 300 });
    const out = path.join(await tempDir(), "ds");
    const res = await exportSignalled(["run", run, "--out", out, "--click-mode", "fixed"], "SIGTERM");
    expect(res.code, res.stderr).toBe(143);
    expect(res.stderr).toMatch(/terminated: finishing the records in flight/);
    const report = await validateDataset(out);
    expect(report.problems).toEqual([]);
  }, 60_000);
});

describe("a closed pipe", () => {
  it("ends quietly, without an EPIPE stack trace (validate … | head)", async () => {
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // the reader is gone before the first write
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });
});
