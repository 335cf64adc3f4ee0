import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatasetLockedError } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { acquireLock, processStartOf } from "../src/dataset-lock.js";
import { tempDir } from "./fixtures.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.resolve(here, "../dist/index.js");

interface Outcome {
  outcome: string;
  /** When a winner held the lock (epoch ms, from taking it to releasing it). */
  held?: [number, number];
}

/** `n` processes that each try to take the lock at `at` (epoch ms) and hold it for `holdMs`; their outcomes. */
async function race(lock: string, n: number, at: number, holdMs: number): Promise<Outcome[]> {
  const script = `
    const { acquireLock } = await import(${JSON.stringify(dist)});
    await new Promise((r) => setTimeout(r, Math.max(0, ${at} - 5 - Date.now())));
    while (Date.now() < ${at}) {}
    try {
      const l = await acquireLock(${JSON.stringify(lock)}, "dataset");
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, ${holdMs}));
      const t1 = Date.now();
      await l.release();
      console.log(JSON.stringify({ outcome: "won", held: [t0, t1] }));
    } catch (e) {
      console.log(JSON.stringify({ outcome: e.code === "DATASET_LOCKED" ? "locked" : "error " + e.message }));
    }`;
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Outcome>((resolve) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", () => {
          try {
            resolve(JSON.parse(out.trim()) as Outcome);
          } catch {
            resolve({ outcome: `crashed: ${out.trim()}` });
          }
        });
      }),
    ),
  );
}

describe("the dataset lock", () => {
  it("is never held by two of 8 processes starting at the same instant, round after round", async () => {
    const dir = await tempDir();
    const lock = path.join(dir, "lock");
    for (let round = 0; round < 3; round++) {
      // A stale lock (dead pid) half the rounds: the takeover must not let two in either.
      if (round % 2 === 1) await fs.writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 99, hostname: os.hostname(), started: "then" }));
      const outcomes = await race(lock, 8, Date.now() + 2000, 1000);
      const shown = JSON.stringify(outcomes);
      expect(outcomes.every((o) => o.outcome === "won" || o.outcome === "locked"), shown).toBe(true);
      // A process that starts late may take the lock after the winner released it; no two may hold it at once.
      const held = outcomes.flatMap((o) => (o.held ? [o.held] : [])).sort((a, b) => a[0] - b[0]);
      expect(held.length, shown).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < held.length; i++) expect(held[i]![0], shown).toBeGreaterThanOrEqual(held[i - 1]![1]);
      await expect(fs.access(lock)).rejects.toThrow(); // released
      expect((await fs.readdir(dir)).filter((f) => f !== "lock")).toEqual([]); // no temp or guard file left
    }
  }, 60_000);

  it("knows a restarted container's pid 1 is not the holder: same host, same pid, another start time", async () => {
    const dir = await tempDir();
    const lock = path.join(dir, "lock");
    const start = processStartOf(process.pid);
    // This process is alive: a lock naming it with another start time is a reused pid.
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, hostname: os.hostname(), started: "before the restart", processStart: start ? `${Number(start) + 1}` : "1" }));
    const acquired = await acquireLock(lock, "dataset");
    expect(acquired.recoveredStale?.started).toBe("before the restart");
    await acquired.release();
  });

  it("a lock from another boot is stale; a running holder's lock is not", async () => {
    const dir = await tempDir();
    const lock = path.join(dir, "lock");
    await fs.writeFile(lock, JSON.stringify({ pid: 1, hostname: os.hostname(), started: "x", bootId: "00000000-0000-0000-0000-000000000000" }));
    const acquired = await acquireLock(lock, "dataset");
    expect(acquired.recoveredStale).toBeDefined();
    // Held by this process: the second open is refused, whatever the pid reuse rules.
    await expect(acquireLock(lock, "dataset")).rejects.toBeInstanceOf(DatasetLockedError);
    await acquired.release();

    // A live process with its real start time holds the lock.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    try {
      await new Promise((r) => setTimeout(r, 100));
      await fs.writeFile(lock, JSON.stringify({ pid: child.pid, hostname: os.hostname(), started: "now", processStart: processStartOf(child.pid!) }));
      await expect(acquireLock(lock, "dataset")).rejects.toThrow(/being written by another export \(pid \d+/);
    } finally {
      child.kill();
    }
  });
});
