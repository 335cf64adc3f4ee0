import { describe, expect, it } from "vitest";
import { RecordWindow } from "../src/record-window.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("RecordWindow", () => {
  it("counts room in distinct screenshots: records of one screenshot share a slot", () => {
    const w = new RecordWindow<number>(2, 100);
    w.push("a.png", Promise.resolve(1));
    w.push("a.png", Promise.resolve(2));
    w.push("b.png", Promise.resolve(3));
    expect(w.hasRoom("a.png")).toBe(true);
    expect(w.hasRoom("b.png")).toBe(true);
    expect(w.hasRoom("c.png")).toBe(false);
    // Records without a screenshot take no slot.
    expect(w.hasRoom(undefined)).toBe(true);
    expect(w.size).toBe(3);
  });

  it("bounds the records however many share a screenshot", () => {
    const w = new RecordWindow<number>(8, 3);
    for (let i = 0; i < 3; i++) w.push("a.png", Promise.resolve(i));
    expect(w.hasRoom("a.png")).toBe(false);
    expect(w.hasRoom(undefined)).toBe(false);
  });

  it("hands results over in push order, whatever order they settle in, and frees a slot with its last record", async () => {
    const w = new RecordWindow<string>(1, 10);
    const first = deferred<string>();
    const second = deferred<string>();
    w.push("a.png", first.promise);
    w.push("a.png", second.promise);
    second.resolve("second");
    const shifted = w.shift();
    first.resolve("first");
    expect(await shifted).toBe("first");
    expect(w.hasRoom("b.png")).toBe(false); // a.png still has a record in the window
    expect(await w.shift()).toBe("second");
    expect(w.hasRoom("b.png")).toBe(true);
  });

  it("holds a rejection until its turn, then passes it on", async () => {
    const w = new RecordWindow<number>(2, 10);
    const failing = deferred<number>();
    w.push("a.png", failing.promise);
    failing.reject(new Error("broken"));
    await new Promise((r) => setTimeout(r, 5)); // would surface as an unhandled rejection here
    await expect(w.shift()).rejects.toThrow("broken");
    expect(w.hasRoom("c.png")).toBe(true);
  });

  it("discardAll waits for every record to settle and empties the window", async () => {
    const w = new RecordWindow<number>(2, 10);
    const slow = deferred<number>();
    let settled = false;
    w.push("a.png", slow.promise.then((v) => ((settled = true), v)));
    w.push("b.png", Promise.reject(new Error("x")));
    const done = w.discardAll();
    expect(w.size).toBe(0);
    slow.resolve(1);
    await done;
    expect(settled).toBe(true);
    expect(w.hasRoom("z.png")).toBe(true);
  });

  it("refuses a window without room", () => {
    expect(() => new RecordWindow(0, 10)).toThrow(RangeError);
    expect(() => new RecordWindow(1, 0)).toThrow(RangeError);
  });
});
