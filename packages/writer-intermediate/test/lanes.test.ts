import { describe, expect, it } from "vitest";
import { Lanes } from "../src/lanes.js";

const tick = () => new Promise((r) => setTimeout(r, 2));

describe("Lanes", () => {
  it("runs at most `count` tasks at once, all of them, starting in order", async () => {
    const lanes = new Lanes(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        lanes.run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
          return i * 10;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
  });

  it("frees the lane of a failed task and passes the failure on", async () => {
    const lanes = new Lanes(1);
    const failed = lanes.run(async () => {
      throw new Error("disk full");
    });
    const after = lanes.run(async () => "next");
    await expect(failed).rejects.toThrow("disk full");
    expect(await after).toBe("next");
  });

  it("refuses a count that is not a positive whole number", () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => new Lanes(n)).toThrow(RangeError);
  });
});
