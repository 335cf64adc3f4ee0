import { describe, expect, it } from "vitest";
import { ScreenshotCache } from "../src/screenshot-cache.js";
import { contentId, ScreenshotError, screenshotAccess, type Source } from "../src/index.js";
import { encodePng } from "../src/testing/index.js";

function readInto(bytes: Buffer, allocate?: (size: number) => Buffer): Buffer {
  const out = (allocate ?? Buffer.allocUnsafeSlow)(bytes.length);
  bytes.copy(out);
  return out;
}

/** Files by reference with a version stamp; counts reads and stamp checks. */
function countingSource(withStamps = true, owned = false) {
  const files = new Map<string, { bytes: Buffer; version: number }>();
  const counts = { reads: 0, stamps: 0 };
  const source: Source = {
    name: "counting",
    async *read() {},
    async readScreenshot(ref, allocate) {
      const f = files.get(ref);
      if (!f) throw new ScreenshotError("screenshot_missing", `${ref}: missing`);
      counts.reads++;
      // An owned buffer is read into the pipeline's memory, as the file source does; otherwise the source's own.
      const bytes = owned ? readInto(f.bytes, allocate) : f.bytes;
      return { path: `/run/${ref}`, bytes, ...(withStamps ? { stamp: `v${f.version}` } : {}), ...(owned ? { owned: true } : {}) };
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
    const cache = new ScreenshotCache(screenshotAccess(source), options);
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

  it("remembers at most knownLimit screenshots: the oldest is read again, the newer ones are not", async () => {
    const { source, counts, put } = countingSource();
    for (const ref of ["a.png", "b.png", "c.png", "d.png"]) put(ref, encodePng(4, 4));
    // recentLimit 1: only `known` can spare a read.
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 1, knownLimit: 2 });
    for (const ref of ["a.png", "b.png", "c.png"]) (await cache.resolve(ref)).release();
    expect(counts.reads).toBe(3);
    const c = await cache.resolve("c.png");
    expect(c).toMatchObject({ fresh: false, bytesRead: 0 });
    const b = await cache.resolve("b.png");
    expect(b).toMatchObject({ fresh: false, bytesRead: 0 });
    expect(counts.reads).toBe(3);
    const a = await cache.resolve("a.png"); // forgotten when c.png came: read again, same image
    expect(a.fresh).toBe(true);
    expect(a.bytesRead).toBeGreaterThan(0);
    expect(counts.reads).toBe(4);
  });

  it("reads a reused screenshot again, without hashing, when a labeler needs pixels", async () => {
    const { source, counts, put } = countingSource();
    const png = encodePng(8, 8);
    put("a.png", png);
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, needPixels: true, recentLimit: 0 });
    await cache.resolve("a.png");
    const again = await cache.resolve("a.png");
    expect(again.fresh).toBe(false);
    expect(again.image.bytes.equals(png)).toBe(true);
    expect(counts.reads).toBe(2);
  });

  it("resolves a screenshot in full again when its file changed (a runner reusing one file name)", async () => {
    const { source, put } = countingSource();
    put("current.png", encodePng(8, 8));
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 0 });
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
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 0 });
    await cache.resolve("a.png");
    expect((await cache.resolve("a.png")).fresh).toBe(true);
    expect(counts.reads).toBe(2);
  });

  it("a screenshot deleted after its first use is reported, not served from memory", async () => {
    const { source, put, files } = countingSource();
    put("a.png", encodePng(4, 4));
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 0 });
    await cache.resolve("a.png");
    files.delete("a.png");
    await expect(cache.resolve("a.png")).rejects.toThrow(/missing/);
  });
});

describe("ScreenshotCache: a known screenshot costs one `unchanged` check per record, nothing else", () => {
  /** A source whose files say whether they are unchanged (as core's guard does: one stat); counts every call. */
  function checkingSource() {
    const { source, counts, put, files } = countingSource();
    const checks = { calls: 0 };
    const read = source.readScreenshot!.bind(source);
    source.readScreenshot = async (ref, allocate) => {
      const file = await read(ref, allocate);
      return {
        ...file,
        unchanged: () => {
          checks.calls++;
          return file.stamp === `v${files.get(ref)?.version}`;
        },
      };
    };
    return { source, counts, checks, put, files };
  }

  it("reuses an unchanged screenshot by its file's own check: no read, no guard (screenshotStamp)", async () => {
    const { source, counts, checks, put } = checkingSource();
    const png = encodePng(12, 6);
    put("hot.png", png);
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 0 });
    const first = await cache.resolve("hot.png");
    for (let i = 0; i < 50; i++) {
      const again = await cache.resolve("hot.png");
      expect(again).toMatchObject({ fresh: false, bytesRead: 0 });
      expect(again.image.id).toBe(first.image.id);
    }
    expect(counts).toEqual({ reads: 1, stamps: 0 });
    expect(checks.calls).toBe(50);
  });

  it("a file changed since (a new stamp) or gone is resolved in full again: new id, or its problem", async () => {
    const { source, counts, put, files } = checkingSource();
    put("current.png", encodePng(8, 8));
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, recentLimit: 0 });
    const before = await cache.resolve("current.png");
    const changed = encodePng(9, 9);
    put("current.png", changed);
    const after = await cache.resolve("current.png");
    expect(after.fresh).toBe(true);
    expect(after.image.id).toBe(contentId(changed).id);
    expect(after.image.id).not.toBe(before.image.id);
    expect(counts.reads).toBe(2);
    files.delete("current.png");
    await expect(cache.resolve("current.png")).rejects.toThrow(/missing/);
  });
});

describe("ScreenshotCache: owned buffers are freed when their records are done", () => {
  const big = () => encodePng(64, 64); // read into the cache's pooled memory by the source

  it("frees an owned buffer with the last record holding it, not before", async () => {
    const { source, put } = countingSource(true, true);
    put("a.png", big());
    const cache = new ScreenshotCache(screenshotAccess(source), options);
    const [first, second] = await Promise.all([cache.resolve("a.png"), cache.resolve("a.png")]);
    expect(second!.image.bytes).toBe(first!.image.bytes); // one read, shared while in flight
    const length = first!.image.bytes.length;
    expect(length).toBeGreaterThan(4096);
    first!.release();
    expect(second!.image.bytes.length).toBe(length); // still held by the second record
    second!.release();
    await Promise.resolve();
    expect(first!.image.bytes.length).toBe(0);
    first!.release(); // releasing twice changes nothing
  });

  it("never frees a buffer the source did not hand over", async () => {
    const { source, put, files } = countingSource(true, false);
    put("a.png", big());
    const cache = new ScreenshotCache(screenshotAccess(source), options);
    const r = await cache.resolve("a.png");
    r.release();
    await Promise.resolve();
    expect(r.image.bytes.length).toBe(files.get("a.png")!.bytes.length);
  });

  it("without stamps keeps the bytes while later records may share them, and frees them once pushed out", async () => {
    const { source, put } = countingSource(false, true);
    put("a.png", big());
    put("b.png", big());
    put("c.png", big());
    const cache = new ScreenshotCache(screenshotAccess(source), options); // recentLimit 2
    const a = await cache.resolve("a.png");
    a.release();
    await Promise.resolve();
    expect(a.image.bytes.length).toBeGreaterThan(0);
    const again = await cache.resolve("a.png");
    expect(again.bytesRead).toBe(0); // shared from the recent window
    again.release();
    (await cache.resolve("b.png")).release();
    (await cache.resolve("c.png")).release(); // pushes a.png out
    await Promise.resolve();
    expect(a.image.bytes.length).toBe(0);
  });

  it("a pixel labeler's re-read of a known screenshot is freed on release", async () => {
    const { source, put } = countingSource(true, true);
    put("a.png", big());
    const cache = new ScreenshotCache(screenshotAccess(source), { ...options, needPixels: true, recentLimit: 0 });
    (await cache.resolve("a.png")).release();
    const again = await cache.resolve("a.png");
    expect(again.fresh).toBe(false);
    expect(again.image.bytes.length).toBeGreaterThan(0);
    again.release();
    expect(again.image.bytes.length).toBe(0);
  });
});
