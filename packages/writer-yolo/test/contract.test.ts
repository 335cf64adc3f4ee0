import { checkWriterContract, type WriterContractAdapter } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { yoloWriter } from "../src/index.js";
import { readYolo } from "./helpers.js";

const adapter: WriterContractAdapter = {
  name: "yolo",
  createWriter: (dir) => yoloWriter({ outDir: dir }),
  read: readYolo,
  allowAbsolutePath: { file: /^data\.yaml$/, line: /^path: / },
};

describe("yolo writer: the writer contract", () => {
  it("round-trips the contract dataset after the output is moved", async () => {
    const report = await checkWriterContract(adapter);
    expect(report.failures).toEqual([]);
    expect(report.imagesChecked).toBe(5);
    expect(report.boxesChecked).toBeGreaterThan(0);
  });

  it("keeps the contract with hard links too", async () => {
    const report = await checkWriterContract({ ...adapter, createWriter: (dir) => yoloWriter({ outDir: dir, imageMode: "hardlink" }) });
    expect(report.failures).toEqual([]);
  });

  for (const sabotage of ["drop-box", "shift-pixel", "absolute-path"] as const) {
    it(`notices a sabotaged writer (${sabotage})`, async () => {
      const report = await checkWriterContract(adapter, { sabotage });
      expect(report.failures).not.toEqual([]);
    });
  }
});
