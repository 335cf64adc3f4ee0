import type { LabeledAnnotation } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { fromStoredAnnotation, type StoredAnnotation, storedCategoryId, toStoredAnnotation } from "../src/index.js";

const categoryMap = { login_button: 0, search_field: 1 };

describe("stored annotations: annotations/<id>.json boxes ↔ LabeledAnnotation", () => {
  it("stores a box with the seed's field names, in the seed's order", () => {
    const a: LabeledAnnotation = { bbox: [10, 20, 50, 30], categoryId: 1, categoryName: "search_field", confidence: 0.81, source: "template_matching", verified: false };
    const s = toStoredAnnotation(a);
    expect(Object.keys(s)).toEqual(["bbox", "category_id", "category_name", "confidence", "source", "verified"]);
    expect(s).toEqual({ bbox: [10, 20, 50, 30], category_id: 1, category_name: "search_field", confidence: 0.81, source: "template_matching", verified: false });
  });

  it("keeps clipped and the click labeler's inference_metadata, and reads them back", () => {
    const a: LabeledAnnotation = {
      bbox: [0, 0, 25, 50],
      categoryId: 0,
      categoryName: "login_button",
      confidence: 0.6,
      source: "smart_click_analysis",
      verified: true,
      clipped: true,
      metadata: { inference_metadata: { strategy: "flood_fill" } },
    };
    const s = toStoredAnnotation(a);
    expect(s.clipped).toBe(true);
    expect(s.inference_metadata).toEqual({ strategy: "flood_fill" });
    expect(fromStoredAnnotation(s, categoryMap)).toEqual(a);
  });

  it("stores other labeler metadata as inference_metadata; no key for empty metadata", () => {
    const base: LabeledAnnotation = { bbox: [1, 2, 3, 4], categoryId: 0, categoryName: "login_button", confidence: 1, source: "custom", verified: false };
    expect(toStoredAnnotation({ ...base, metadata: { element: "button" } }).inference_metadata).toEqual({ element: "button" });
    expect("inference_metadata" in toStoredAnnotation({ ...base, metadata: {} })).toBe(false);
    expect("clipped" in toStoredAnnotation(base)).toBe(false);
  });

  it("reads boxes other tools wrote: ids from category_map, defaults for missing fields", () => {
    const foreign = { bbox: ["5", 6, 7, 8], category_name: "search_field" } as unknown as StoredAnnotation;
    expect(storedCategoryId(foreign, categoryMap)).toBe(1);
    expect(fromStoredAnnotation(foreign, categoryMap)).toEqual({
      bbox: [5, 6, 7, 8],
      categoryId: 1,
      categoryName: "search_field",
      confidence: 1,
      source: "unknown",
      verified: false,
    });
    const noName = { bbox: [0, 0, 1, 1], category_id: 3 } as unknown as StoredAnnotation;
    expect(fromStoredAnnotation(noName, categoryMap)).toMatchObject({ categoryId: 3, categoryName: "3" });
  });
});
