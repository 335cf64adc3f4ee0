import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, tempDir, writeRun } from "./fixtures.js";

// The command is @qontinui/review's (tested there in a real browser); here: it is wired, serves, stops.
describe("qontinui-export review", () => {
  it("serves a dataset on 127.0.0.1 behind its token, and stops when interrupted", async () => {
    const run = await writeRun({ records: 6, screens: 3 });
    const out = path.join(await tempDir(), "ds");
    expect(await main(["run", run, "--out", out, "--quiet", "--click-mode", "fixed"], captureIO())).toBe(0);

    const stop = new AbortController();
    const io = captureIO(process.cwd(), stop.signal);
    const serving = main(["review", out, "--no-open"], io);
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      await new Promise((r) => setTimeout(r, 50));
      url = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(io.out())?.[0];
    }
    expect(url, io.out() + io.err()).toBeDefined();
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const noToken = await fetch(new URL("/", url).toString());
    expect(noToken.status).toBe(403);
    stop.abort();
    expect(await serving).toBe(0);
  });

  it("says what is wrong with a directory that is not a dataset (exit 4)", async () => {
    const io = captureIO();
    expect(await main(["review", await tempDir(), "--no-open"], io)).toBe(4);
    expect(io.err()).toMatch(/not an intermediate dataset/);
  });
});
