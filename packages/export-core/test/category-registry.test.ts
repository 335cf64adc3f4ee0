import { describe, expect, it } from "vitest";
import { CategoryRegistry, ConfigError, normalizeCategoryName } from "../src/index.js";

describe("CategoryRegistry", () => {
  it("gives 0-based ids in first-seen order and keeps them", () => {
    const r = new CategoryRegistry();
    expect(r.idFor("b")).toBe(0);
    expect(r.idFor("a")).toBe(1);
    expect(r.idFor("b")).toBe(0);
    expect(r.toCategoryMap()).toEqual({ b: 0, a: 1 });
  });

  it("continues from a persisted category_map", () => {
    const r = CategoryRegistry.fromCategoryMap({ x: 1, y: 0 });
    expect(r.idFor("z")).toBe(2);
    expect(r.list()).toEqual([
      { id: 0, name: "y" },
      { id: 1, name: "x" },
      { id: 2, name: "z" },
    ]);
  });

  it("refuses maps that are not dense or conflict", () => {
    expect(() => CategoryRegistry.fromCategoryMap({ a: 0, b: 2 })).toThrow(ConfigError);
    expect(() => CategoryRegistry.fromCategoryMap({ a: 0, b: 0 })).toThrow(ConfigError);
    const r = CategoryRegistry.fromCategoryMap({ a: 0 });
    expect(() => r.load({ a: 1 })).toThrow(/already gave it 0/);
  });
});

describe("normalizeCategoryName", () => {
  it("keeps XML and path characters (writers escape them) but folds control characters", () => {
    expect(normalizeCategoryName('<a&b>"/..').name).toBe('<a&b>"/..');
    expect(normalizeCategoryName('<a&b>"/..').repaired).toBeUndefined();
    const r = normalizeCategoryName("line\none\ttab");
    expect(r.name).toBe("line one tab");
    expect(r.repaired).toMatch(/control/);
  });

  it("cuts long names and names empty ones", () => {
    const r = normalizeCategoryName("x".repeat(300));
    expect(r.name).toHaveLength(128);
    expect(r.repaired).toMatch(/longer/);
    expect(normalizeCategoryName("  ").name).toBe("unknown");
  });
});

describe("category names that are Object.prototype's", () => {
  it("keeps __proto__, constructor and toString as categories through category_map and JSON", () => {
    const reg = new CategoryRegistry();
    for (const n of ["button", "__proto__", "constructor", "toString"]) reg.idFor(n);
    const map = reg.toCategoryMap();
    expect(Object.keys(map)).toEqual(["button", "__proto__", "constructor", "toString"]);
    const back = CategoryRegistry.fromCategoryMap(JSON.parse(JSON.stringify(map)));
    expect(back.list()).toEqual(reg.list());
    expect(new CategoryRegistry().get("constructor")).toBeUndefined();
  });
});
