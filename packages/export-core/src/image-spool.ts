import { promises as fs } from "node:fs";
import path from "node:path";
import type { DatasetImage } from "./dataset-image.js";

/**
 * A pipeline writer's scratch store of DatasetImages, one small JSON file per
 * image, so a converter writing at close time does not hold the run in
 * memory. A record whose image is already spooled adds its boxes to it (the
 * same screenshot seen by several actions is one image).
 */
export class ImageSpool {
  private readonly entries = new Map<string, number[]>();

  constructor(readonly dir: string) {}

  async open(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Ids with the category ids of their boxes, for splitting. */
  ids(): { id: string; categories: number[] }[] {
    return [...this.entries].map(([id, categories]) => ({ id, categories }));
  }

  async add(image: DatasetImage): Promise<void> {
    const file = path.join(this.dir, `${image.id}.json`);
    let stored = image;
    const known = this.entries.get(image.id);
    if (known) {
      const previous = JSON.parse(await fs.readFile(file, "utf8")) as DatasetImage;
      // Same rule as the intermediate writer: a box (bbox + category) is kept once per image.
      const seen = new Set(previous.annotations.map((a) => `${JSON.stringify(a.bbox)}|${a.categoryId}`));
      const added = image.annotations.filter((a) => {
        const k = `${JSON.stringify(a.bbox)}|${a.categoryId}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      stored = { ...previous, annotations: [...previous.annotations, ...added] };
    }
    await fs.writeFile(file, JSON.stringify(stored));
    this.entries.set(image.id, stored.annotations.map((a) => a.categoryId));
  }

  async *images(): AsyncGenerator<DatasetImage> {
    for (const id of this.entries.keys()) {
      yield JSON.parse(await fs.readFile(path.join(this.dir, `${id}.json`), "utf8")) as DatasetImage;
    }
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
