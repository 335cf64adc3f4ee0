import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Category, ConvertInput, DatasetImage, LabeledAnnotation } from "@qontinui/export-core";
import { splitAssignment, type SplitOptions } from "@qontinui/export-core";

export async function tempDir(prefix = "qx-voc-"): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

export function box(categoryName: string, categoryId: number, bbox: [number, number, number, number], extra: Partial<LabeledAnnotation> = {}): LabeledAnnotation {
  return { bbox, categoryName, categoryId, confidence: 1, source: "template_matching", verified: false, ...extra };
}

/** A ConvertInput over images held in memory. */
export function memoryInput(categories: Category[], images: DatasetImage[], split?: SplitOptions): ConvertInput {
  return {
    categories,
    imageCount: images.length,
    async *images() {
      yield* images;
    },
    ...splitAssignment(images.map((i) => ({ id: i.id })), split),
    datasetVersion: "1.0.0",
  };
}
