/**
 * The contract suites as vitest tests, so a format's contract test is one call:
 * `import { describeWriterContract } from "@qontinui/export-core/testing/vitest"`.
 * Apart from `./testing` because it imports vitest (an optional peer dependency).
 */
import { describe, expect, it } from "vitest";
import { checkWriterContract, contractDataset, type ContractDataset, type WriterContractAdapter } from "./writer-contract.js";

const SABOTAGES = ["drop-box", "shift-pixel", "absolute-path"] as const;

/** Images and boxes a faithful writer reads back from `dataset`. */
function expectedCounts(dataset: ContractDataset, keepsEmptyImages: boolean): { images: number; boxes: number } {
  const boxes = new Map<string, Set<string>>();
  for (const image of dataset.images) boxes.set(image.name, new Set());
  for (const r of dataset.records) for (const b of r.boxes) boxes.get(r.image)!.add(`${b.categoryName}|${b.bbox.join(",")}`);
  let images = 0;
  let total = 0;
  for (const set of boxes.values()) {
    if (set.size > 0 || keepsEmptyImages) images++;
    total += set.size;
  }
  return { images, boxes: total };
}

/**
 * Registers the writer contract for `adapter` as a vitest suite: the contract
 * dataset round-trips through an output moved to a path with spaces and
 * non-ASCII (every image and box read back, nothing absolute), and the
 * contract notices a writer that drops a box, shifts one by a pixel or writes
 * an absolute path.
 */
export function describeWriterContract(adapter: WriterContractAdapter): void {
  describe(`${adapter.name}: the writer contract`, () => {
    it("round-trips the contract dataset through an output moved to a path with spaces and non-ASCII", async () => {
      const report = await checkWriterContract(adapter);
      expect(report.failures).toEqual([]);
      const want = expectedCounts(contractDataset(), adapter.keepsEmptyImages !== false);
      expect(report.imagesChecked).toBe(want.images);
      expect(report.boxesChecked).toBe(want.boxes);
    });

    it.each(SABOTAGES)("notices a writer that does %s", async (sabotage) => {
      const report = await checkWriterContract(adapter, { sabotage });
      expect(report.failures.length).toBeGreaterThan(0);
    });
  });
}
