import { promises as fs } from "node:fs";
import path from "node:path";
import { checkWriterContract, type ReadBackImage } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { intermediateWriter } from "../src/index.js";

/** Reads the layout with plain JSON, not the package's reader: manifest → annotation files → boxes. */
async function readIntermediate(dir: string): Promise<ReadBackImage[]> {
  const lines = (await fs.readFile(path.join(dir, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean);
  const seen = new Set<string>();
  const out: ReadBackImage[] = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as { id: string; image: string; annotations: string };
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    const ann = JSON.parse(await fs.readFile(path.join(dir, entry.annotations), "utf8")) as {
      image_width: number;
      image_height: number;
      annotations: { bbox: [number, number, number, number]; category_name: string }[];
    };
    out.push({
      file: entry.image,
      width: ann.image_width,
      height: ann.image_height,
      boxes: ann.annotations.map((a) => ({ categoryName: a.category_name, bbox: a.bbox })),
    });
  }
  return out;
}

const adapter = { name: "intermediate", createWriter: (dir: string) => intermediateWriter({ outDir: dir }), read: readIntermediate };

describe("intermediate writer: the writer contract", () => {
  it("round-trips the contract dataset through a moved directory", async () => {
    const report = await checkWriterContract(adapter);
    expect(report.failures).toEqual([]);
    expect(report.boxesChecked).toBe(9);
  });

  it.each(["drop-box", "shift-pixel", "absolute-path"] as const)("the contract notices %s", async (sabotage) => {
    expect((await checkWriterContract(adapter, { sabotage })).failures.length).toBeGreaterThan(0);
  });
});
