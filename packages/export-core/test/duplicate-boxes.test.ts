import { describe, expect, it } from "vitest";
import { type LabeledAnnotation, mergeDuplicateBoxes, withDuplicatesMerged } from "../src/index.js";
import type { ConvertInput, DatasetImage } from "../src/index.js";

const box = (categoryName: string, source: string, bbox: [number, number, number, number], extra: Partial<LabeledAnnotation> = {}): LabeledAnnotation => ({
  bbox,
  categoryName,
  categoryId: 0,
  confidence: 0.9,
  source,
  verified: source.includes("click"),
  ...extra,
});

describe("mergeDuplicateBoxes", () => {
  it("merges a template box and a click box on one element: the template's name wins, the click verifies it", () => {
    const template = box("login_button", "template_matching", [100, 100, 80, 30], { verified: false });
    const click = box("button", "smart_click_analysis", [101, 100, 80, 31], { confidence: 1 });
    const { annotations, merged } = mergeDuplicateBoxes([click, template]);
    expect(merged).toBe(1);
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatchObject({ categoryName: "login_button", source: "template_matching", bbox: [100, 100, 80, 30], verified: true });
    expect(annotations[0]!.metadata?.merged_from).toEqual([{ categoryName: "button", source: "smart_click_analysis", bbox: [101, 100, 80, 31], confidence: 1 }]);
  });

  it("keeps boxes below the IoU threshold, and boxes of one labeler however much they overlap", () => {
    const a = box("login_button", "template_matching", [0, 0, 100, 20]);
    const partial = box("button", "user_click", [0, 0, 70, 20]); // IoU 0.7
    expect(mergeDuplicateBoxes([a, partial]).merged).toBe(0);
    const twoMatches = [box("ok", "template_matching", [0, 0, 50, 20]), box("ok_hover", "template_matching", [0, 0, 50, 20])];
    expect(mergeDuplicateBoxes(twoMatches).merged).toBe(0);
    const twoClicks = [box("button", "user_click", [0, 0, 50, 20]), box("button", "smart_click_analysis", [1, 0, 50, 20])];
    expect(mergeDuplicateBoxes(twoClicks).merged).toBe(0); // both the click labeler's
  });

  it("between two non-click labelers the more confident wins; order is kept", () => {
    const low = box("a", "template_matching", [10, 10, 40, 40], { confidence: 0.7 });
    const high = box("b", "source_box", [10, 10, 40, 41], { confidence: 0.95 });
    const other = box("c", "template_matching", [200, 200, 10, 10]);
    const { annotations } = mergeDuplicateBoxes([low, other, high]);
    expect(annotations.map((a) => a.categoryName)).toEqual(["c", "b"]);
  });

  it("withDuplicatesMerged counts what it merged over a pass", async () => {
    const image: DatasetImage = {
      id: "i",
      fileName: "i.png",
      path: "/x/i.png",
      width: 400,
      height: 300,
      channels: 3,
      activeStates: [],
      annotations: [box("login", "template_matching", [5, 5, 50, 20]), box("button", "user_click", [5, 5, 50, 20])],
    };
    const input: ConvertInput = {
      categories: [],
      images: async function* () {
        yield image;
        yield { ...image, id: "j" };
      },
      imageCount: 2,
      splitOf: () => undefined,
      splitNames: [],
      datasetVersion: "1",
    };
    const merged = withDuplicatesMerged(input);
    const seen: number[] = [];
    for await (const i of merged.images()) seen.push(i.annotations.length);
    expect(seen).toEqual([1, 1]);
    expect(merged.duplicates.merged).toBe(2);
    for await (const _ of merged.images()); // a second pass counts afresh
    expect(merged.duplicates.merged).toBe(2);
  });
});
