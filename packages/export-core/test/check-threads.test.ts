import { afterEach, describe, expect, it, vi } from "vitest";
import { checkThreadCount } from "../src/image-worker.js";
import { encodePng, pngChunk } from "../src/testing/index.js";

/** A 1280×720 screenshot (full size: inflating it takes the worker a millisecond or more) and a copy whose later IDAT chunks are lost. */
function screenshots(seed: number): { whole: Buffer; lost: Buffer } {
  const whole = encodePng(1280, 720, (x, y) => [(x * seed) & 255, (y + seed) & 255, (x ^ y) & 255]);
  const data = whole.subarray(41, whole.length - 16);
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += 8192) parts.push(pngChunk("IDAT", data.subarray(at, at + 8192)));
  const lost = Buffer.concat([whole.subarray(0, 33), ...parts.slice(0, parts.length >> 1), whole.subarray(whole.length - 12)]);
  return { whole, lost };
}

describe("image-data check threads", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("one thread on two cores or fewer; the cores less two above, at most 4; QONTINUI_CHECK_THREADS (1-16) overrides", () => {
    expect([1, 2, 3, 4, 6, 8, 64].map((cores) => checkThreadCount(cores, undefined))).toEqual([1, 1, 1, 2, 4, 4, 4]);
    expect(checkThreadCount(2, "3")).toBe(3);
    expect(checkThreadCount(8, "1")).toBe(1);
    for (const bad of ["", "0", "-1", "2.5", "17", "many"]) expect(checkThreadCount(8, bad)).toBe(4);
  });

  it("spreads waiting checks over the threads allowed, each verdict for its own image; checks one at a time use one thread", async () => {
    const images = Array.from({ length: 8 }, (_, i) => screenshots(i + 1));
    expect(images[0]!.whole.length).toBeGreaterThan(64 * 1024);

    vi.stubEnv("QONTINUI_CHECK_THREADS", "3");
    const many = await import("../src/image-worker.js");
    const verdicts = await Promise.all(images.flatMap(({ whole, lost }) => [many.checkImageData(whole, "png"), many.checkImageData(lost, "png")]));
    for (let i = 0; i < images.length; i++) {
      expect(verdicts[2 * i]).toEqual({ ok: true });
      expect(verdicts[2 * i + 1]).toEqual({ ok: false, message: expect.stringMatching(/^PNG image data inflates to \d+ bytes; its 1280×720 header needs 2765520$/) });
    }
    expect(many.startedCheckThreads()).toBe(3);

    vi.resetModules();
    const one = await import("../src/image-worker.js");
    for (const { whole, lost } of images.slice(0, 3)) {
      expect(await one.checkImageData(whole, "png")).toEqual({ ok: true });
      expect((await one.checkImageData(lost, "png")).ok).toBe(false);
    }
    expect(one.startedCheckThreads()).toBe(1);
  });

  it("startImageCheck starts one thread before any check, once; the first check then runs there", async () => {
    vi.stubEnv("QONTINUI_CHECK_THREADS", "2");
    const worker = await import("../src/image-worker.js");
    expect(worker.startedCheckThreads()).toBe(0);
    worker.startImageCheck();
    worker.startImageCheck();
    expect(worker.startedCheckThreads()).toBe(1);
    const { whole } = screenshots(9);
    expect(await worker.checkImageData(whole, "png")).toEqual({ ok: true });
    expect(worker.startedCheckThreads()).toBe(1);
  });
});
