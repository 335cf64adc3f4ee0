import { describe, expect, it } from "vitest";
import { SpoolIndex } from "../src/spool-index.js";

describe("SpoolIndex", () => {
  it("keeps each image's lines in order and its category ids, past every initial capacity", () => {
    const index = new SpoolIndex();
    const expected = new Map<string, { segments: { offset: number; length: number }[]; categories: number[] }>();
    let offset = 0;
    // 3,000 images (first capacity 256), 5,000 lines, 12,000+ category ids (first capacity 1,024);
    // every 7th image comes back later, as a screenshot seen again after other screens.
    const add = (id: string, length: number, categories: number[]) => {
      index.add(id, offset, length, categories);
      const e = expected.get(id) ?? { segments: [], categories: [] };
      e.segments.push({ offset, length });
      e.categories.push(...categories);
      expected.set(id, e);
      offset += length;
    };
    for (let i = 0; i < 3000; i++) add(`img-${i}`, 100 + (i % 13), [i % 5, (i * 3) % 7, 1, 2]);
    for (let i = 0; i < 3000; i += 7) add(`img-${i}`, 50, i % 2 === 0 ? [] : [9, 9]);
    for (let i = 0; i < 3000; i += 14) add(`img-${i}`, 60 + i, [i]);
    // Offsets past 4 GiB (a large spool) stay exact.
    add("img-big", 10, [3]);
    index.add("img-big", 2 ** 33 + 5, 11, [4]);
    expected.get("img-big")!.segments.push({ offset: 2 ** 33 + 5, length: 11 });
    expected.get("img-big")!.categories.push(4);

    expect([...index.ids()]).toHaveLength(3001);
    expect([...index.ids()]).toEqual([...expected.keys()]);
    for (const [id, e] of expected) {
      expect([...index.segments(id)]).toEqual(e.segments);
      expect(index.categories(id)).toEqual(e.categories);
    }
    expect(() => index.categories("nope")).toThrow(/no image nope/);
  });

  it("an image with no boxes has no category ids", () => {
    const index = new SpoolIndex();
    index.add("a", 0, 10, []);
    expect(index.categories("a")).toEqual([]);
    expect([...index.segments("a")]).toEqual([{ offset: 0, length: 10 }]);
  });
});
