import path from "node:path";
import { ScreenshotError } from "@qontinui/export-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pushSource } from "../src/index.js";
import { collect, png, scratch, summary, writeFiles } from "./fixtures.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratch()));
afterEach(() => cleanup());

describe("pushSource", () => {
  it("validates each pushed object, normalises it, and reports bad ones", async () => {
    const items = await collect(
      pushSource([{ action_id: "a", clicked_location: { x: 1, y: 2 } }, { action_type: "CLICK" }, "not an object", { action_id: "b" }], dir).read(),
    );
    expect(summary(items)).toEqual(["-:a", "-:!invalid_record", "-:!invalid_record", "-:b"]);
    const problem = items[1] as { problem: { message: string; plugin: string } };
    expect(problem.problem.message).toMatch(/^pushed record 2: /);
    expect(problem.problem.plugin).toBe("push");
  });

  it("accepts an async iterable and honours the AbortSignal", async () => {
    async function* produce() {
      for (let i = 1; i <= 10; i++) yield { action_id: `r${i}` };
    }
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const item of pushSource(produce(), dir).read(controller.signal)) {
      seen.push(summary([item])[0]!);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toEqual(["-:r1", "-:r2"]);
  });

  it("reads screenshots under its root with the same guard", async () => {
    await writeFiles(dir, { "shots/a.png": await png(4, 4), "secret.png": "x" });
    const source = pushSource([], path.join(dir, "shots"));
    expect((await source.readScreenshot("a.png")).path).toBe(path.join(dir, "shots", "a.png"));
    await expect(source.readScreenshot("../secret.png")).rejects.toMatchObject({ reason: "path_escapes_root" });
    await expect(source.readScreenshot("nope.png")).rejects.toBeInstanceOf(ScreenshotError);
    const limited = pushSource([], path.join(dir, "shots"), { maxScreenshotBytes: 1 });
    await expect(limited.readScreenshot("a.png")).rejects.toMatchObject({ reason: "screenshot_too_large" });
  });
});
