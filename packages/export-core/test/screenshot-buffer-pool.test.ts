import { describe, expect, it } from "vitest";
import { ScreenshotBufferPool } from "../src/screenshot-buffer-pool.js";

describe("ScreenshotBufferPool", () => {
  it("hands out buffers of exactly the size asked, and reuses memory given back", () => {
    const pool = new ScreenshotBufferPool();
    const a = pool.take(200_000);
    expect(a.length).toBe(200_000);
    a.fill(7);
    const memory = a.buffer.byteLength;
    expect(pool.give(a)).toBe(true);
    const b = pool.take(150_000);
    expect(b.length).toBe(150_000);
    expect(b.buffer.byteLength).toBe(memory); // the same memory, not a new allocation
    expect(b[0]).toBe(7);
  });

  it("detaches what was given back: a view kept past its use reads as empty, never as the next screenshot", () => {
    const pool = new ScreenshotBufferPool();
    const kept = pool.take(100_000);
    kept.fill(1);
    pool.give(kept);
    const next = pool.take(100_000);
    next.fill(2);
    expect(kept.length).toBe(0);
    expect(next[0]).toBe(2);
  });

  it("picks the smallest pooled buffer that fits", () => {
    const pool = new ScreenshotBufferPool();
    const big = pool.take(1_000_000);
    const small = pool.take(100_000);
    const bigMemory = big.buffer.byteLength;
    const smallMemory = small.buffer.byteLength;
    pool.give(big);
    pool.give(small);
    expect(pool.take(90_000).buffer.byteLength).toBe(smallMemory);
    expect(pool.take(90_000).buffer.byteLength).toBe(bigMemory);
    expect(pool.take(2_000_000).buffer.byteLength).toBeGreaterThanOrEqual(2_000_000); // nothing fits: new memory
  });

  it("keeps at most maxFree buffers and maxFreeBytes, letting the smallest go", () => {
    const pool = new ScreenshotBufferPool(2, 10_000_000);
    const sizes = [100_000, 300_000, 200_000];
    const taken = sizes.map((n) => pool.take(n));
    const memories = taken.map((b) => b.buffer.byteLength);
    for (const b of taken) pool.give(b);
    // The 100k one was let go: three takes of 100k get the 200k and 300k memories, then new memory.
    const again = [pool.take(100_000), pool.take(100_000), pool.take(100_000)].map((b) => b.buffer.byteLength);
    expect(again.slice(0, 2)).toEqual([memories[2], memories[1]]);
    const byBytes = new ScreenshotBufferPool(16, 300_000);
    byBytes.give(byBytes.take(200_000));
    byBytes.give(byBytes.take(250_000)); // over 300k in all: the smaller goes
    expect(byBytes.take(10).buffer.byteLength).toBeGreaterThanOrEqual(250_000);
  });

  it("refuses a slice of shared memory, leaving it untouched", () => {
    const pool = new ScreenshotBufferPool();
    const shared = Buffer.alloc(200_000, 3);
    const slice = shared.subarray(10, 100);
    expect(pool.give(slice)).toBe(false);
    expect(slice.length).toBe(90);
    expect(pool.give(Buffer.from("tiny"))).toBe(false); // a slice of Node's pool
  });
});
