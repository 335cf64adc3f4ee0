import { describe, expect, it } from "vitest";
import { ScreenshotCache } from "../src/screenshot-cache.js";
import { contentId, ScreenshotError, type Source } from "../src/index.js";
import { encodePng } from "../src/testing/index.js";

/** Files by reference with a version stamp; counts reads and stamp checks. */
function countingSource(withStamps = true) {
  const files = new Map<string, { bytes: Buffer; version: number }>();
  const counts = { reads: 0, stamps: 0 };
  const source: Source = {
    name: "counting",
    async *read() {},
    async readScreenshot(ref) {
      const f = files.get(ref);
      if (!f) throw new ScreenshotError("screenshot_missing", `${ref}: missing`);
      counts.reads++;
      return { path: `/run/${ref}`, bytes: f.bytes, ...(withStamps ? { stamp: `v${f.version}` } : {}) };
    },
    ...(withStamps
      ? {
          async screenshotStamp(ref: string) {
            const f = files.get(ref);
            if (!f) throw new ScreenshotError("screenshot_missing", `${ref}: missing`);
            counts.stamps++;
            return { path: `/run/${ref}`, stamp: `v${f.version}` };
          },
        }
      : {}),
  };
  const put = (ref: string, bytes: Buffer) => files.set(ref, { bytes, version: (files.get(ref)?.version ?? 0) + 1 });
  return { source, counts, put, files };
}

const options = { maxPixels: 1e8, needPixels: false, recentLimit: 2 };

describe("ScreenshotCache: each screenshot of a run is read and hashed once", () => {
  it("reuses an unchanged screenshot without reading it when no labeler needs pixels", async () => {
    const { source, counts, put } = countingSource();
    const png = encodePng(20, 10);
    put("a.png", png);
    put("b.png", encodePng(5, 5));
    const cache = new ScreenshotCache(source, options);
    const first = await cache.resolve("a.png");
    expect(first).toMatchObject({ fresh: true, bytesRead: png.length });
    expect(first.image.id).toBe(contentId(png).id);
    await cache.resolve("b.png");
    await cache.resolve("b.png");
    await cache.resolve("b.png"); // pushes a.png out of the recent window
    const again = await cache.resolve("a.png");
    expect(again.fresh).toBe(false);
    expect(again.bytesRead).toBe(0);
    expect(again.image).toMatchObject({ id: first.image.id, width: 20, height: 10, byteLength: png.length });
    expect(again.image.bytes.length).toBe(0);
    expect(counts.reads).toBe(2);
  });

  it("reads a reused screenshot again, without hashing, when a labeler needs pixels", async () => {
    const { source, counts, put } = countingSource();
    const png = encodePng(8, 8);
    put("a.png", png);
    const cache = new ScreenshotCache(source, { ...options, needPixels: true, recentLimit: 0 });
    await cache.resolve("a.png");
    const again = await cache.resolve("a.png");
    expect(again.fresh).toBe(false);
    expect(again.image.bytes.equals(png)).toBe(true);
    expect(counts.reads).toBe(2);
  });

  it("resolves a screenshot in full again when its file changed (a runner reusing one file name)", async () => {
    const { source, put } = countingSource();
    put("current.png", encodePng(8, 8));
    const cache = new ScreenshotCache(source, { ...options, recentLimit: 0 });
    const before = await cache.resolve("current.png");
    const changed = encodePng(9, 9);
    put("current.png", changed);
    const after = await cache.resolve("current.png");
    expect(after.fresh).toBe(true);
    expect(after.image.id).toBe(contentId(changed).id);
    expect(after.image.id).not.toBe(before.image.id);
  });

  it("without stamps every record's screenshot is resolved in full (no stale reuse)", async () => {
    const { source, counts, put } = countingSource(false);
    put("a.png", encodePng(4, 4));
    const cache = new ScreenshotCache(source, { ...options, recentLimit: 0 });
    await cache.resolve("a.png");
    expect((await cache.resolve("a.png")).fresh).toBe(true);
    expect(counts.reads).toBe(2);
  });

  it("a screenshot deleted after its first use is reported, not served from memory", async () => {
    const { source, put, files } = countingSource();
    put("a.png", encodePng(4, 4));
    const cache = new ScreenshotCache(source, { ...options, recentLimit: 0 });
    await cache.resolve("a.png");
    files.delete("a.png");
    await expect(cache.resolve("a.png")).rejects.toThrow(/missing/);
  });
});
