import { checkWriterContract } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { vocWriter } from "../src/index.js";
import { readVoc } from "./read-voc.js";

const adapter = { name: "voc", createWriter: (dir: string) => vocWriter({ outDir: dir }), read: readVoc };

describe("writer contract", () => {
  it("round-trips the contract dataset", async () => {
    const report = await checkWriterContract(adapter);
    expect(report.failures).toEqual([]);
    expect(report.imagesChecked).toBe(5);
    expect(report.boxesChecked).toBe(9);
  });

  for (const sabotage of ["drop-box", "shift-pixel", "absolute-path"] as const) {
    it(`notices sabotage: ${sabotage}`, async () => {
      const report = await checkWriterContract(adapter, { sabotage });
      expect(report.failures.length).toBeGreaterThan(0);
    });
  }
});
