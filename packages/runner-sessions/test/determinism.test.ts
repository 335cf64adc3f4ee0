// Same seed, same bytes; another seed, another session.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import { sha256, tempDir } from "./helpers";

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** Relative path -> SHA-256 of every file under dir; truth.json with the directory taken out. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const rel = path.relative(dir, file);
        const bytes = rel === "truth.json" ? Buffer.from(readFileSync(file, "utf8").split(dir).join("<dir>")) : readFileSync(file);
        out.set(rel, sha256(bytes));
      }
    }
  };
  walk(dir);
  return out;
}

async function make(options: Parameters<typeof generateSession>[1]) {
  const t = tempDir("determinism");
  cleanups.push(t.cleanup);
  await generateSession(t.dir, options);
  return snapshot(t.dir);
}

describe("determinism", () => {
  it("gives identical bytes for the same seed, in every file", async () => {
    const options = { seed: 42, actions: 8, distinctScreens: 4, thumbnails: 0.2, groundingLines: 4, groundingRotate: 1 };
    const [a, b] = await Promise.all([make(options), make(options)]);
    expect(a.size).toBeGreaterThan(30);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [file, hash] of a) expect(b.get(file), file).toBe(hash);
  });

  it("gives another session for another seed", async () => {
    const a = await make({ seed: 1, actions: 6, distinctScreens: 3, groundingLines: 2 });
    const b = await make({ seed: 2, actions: 6, distinctScreens: 3, groundingLines: 2 });
    const differing = [...a].filter(([file, hash]) => b.get(file) !== hash);
    expect(differing.length).toBeGreaterThan(a.size / 2);
  });

  it("writes over an earlier session in the same directory without leftovers", async () => {
    const t = tempDir("rewrite");
    cleanups.push(t.cleanup);
    await generateSession(t.dir, { seed: 9, actions: 14, distinctScreens: 5, groundingLines: 3 });
    const small = await generateSession(t.dir, { seed: 9, actions: 4, distinctScreens: 3, groundingLines: 2 });
    const shots = readdirSync(path.join(t.dir, "run_data", "screenshots")).filter((n) => n.endsWith(".png"));
    expect(shots.length).toBe(small.screenshots.length);
  });
});
