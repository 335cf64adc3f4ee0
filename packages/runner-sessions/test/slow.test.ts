// A 3,000-screenshot session: only with QONTINUI_SLOW_TESTS=1.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import { tempDir } from "./helpers";

const slow = process.env.QONTINUI_SLOW_TESTS === "1";
const t = slow ? tempDir("slow") : null;
afterAll(() => t?.cleanup());

describe.runIf(slow)("large session", () => {
  it("generates 3,000+ screenshots (1,000 actions, 500 screens) well under a minute", async () => {
    const started = performance.now();
    const truth = await generateSession(t!.dir, { seed: 1, actions: 1000, distinctScreens: 500 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`large session: ${truth.counts.screenshots} screenshots, ${truth.counts.debugVisuals} debug visuals, ${truth.counts.distinctScreensDrawn} screens, ${(truth.stats.bytesWritten / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s`);
    expect(truth.counts.screenshots).toBeGreaterThanOrEqual(3000);
    expect(readdirSync(path.join(truth.runData, "screenshots")).length).toBe(2 * truth.counts.screenshots);
    expect(seconds).toBeLessThan(60);
  }, 120_000);
});
