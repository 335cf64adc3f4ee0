import { promises as fs } from "node:fs";
import path from "node:path";
import type { ReadBackImage } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
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

describeWriterContract({ name: "intermediate writer", createWriter: (dir) => intermediateWriter({ outDir: dir }), read: readIntermediate });
