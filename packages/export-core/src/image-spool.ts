import { promises as fs } from "node:fs";
import path from "node:path";
import type { DatasetImage } from "./dataset-image.js";
import { mapAhead } from "./map-ahead.js";

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

  /** Written back in batches, so consecutive records of one screenshot never touch the disk twice. */
  private pending = new Map<string, DatasetImage>();
  private static readonly BATCH = 64;

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private async read(id: string): Promise<DatasetImage> {
    return this.pending.get(id) ?? (JSON.parse(await fs.readFile(this.file(id), "utf8")) as DatasetImage);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    await Promise.all([...batch].map(([id, image]) => fs.writeFile(this.file(id), JSON.stringify(image))));
  }

  async add(image: DatasetImage): Promise<void> {
    let stored = image;
    const known = this.entries.get(image.id);
    if (known) {
      const previous = await this.read(image.id);
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
    this.pending.set(image.id, stored);
    this.entries.set(image.id, stored.annotations.map((a) => a.categoryId));
    if (this.pending.size >= ImageSpool.BATCH) await this.flush();
  }

  /** Every spooled image, read back one at a time (with a few reads in flight). */
  async *images(): AsyncGenerator<DatasetImage> {
    await this.flush();
    yield* mapAhead([...this.entries.keys()], (id) => this.read(id));
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
