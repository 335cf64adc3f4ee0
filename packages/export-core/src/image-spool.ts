import { promises as fs } from "node:fs";
import path from "node:path";
import { boxIdentity } from "./annotation.js";
import { appendWhole } from "./atomic-write.js";
import type { DatasetImage } from "./dataset-image.js";
import { mapAhead } from "./map-ahead.js";
import { createDirectory } from "./output-dir.js";
import { mergeRecordContext, type RecordContext } from "./record.js";
import { SpoolIndex } from "./spool-index.js";

// Lines wait in memory until this much text is pending: small, so they die young instead of
// living through collections into the old generation (1 MB kept ~1,000 records of text alive).
const FLUSH_AT = 64 * 1024;

/** Folds `next`'s record context into `image`'s (see mergeRecordContext): one rule for an image several records share. */
function mergeContext(image: DatasetImage, next: DatasetImage): void {
  // The spool holds recordContext()s (datasetImageOf): RecordContext in all but type.
  if (!image.context || !next.context) return;
  const merged = mergeRecordContext(image.context as RecordContext, next.context as RecordContext);
  image.context = merged;
  image.activeStates = merged.active_states;
}

/**
 * A pipeline writer's scratch store of DatasetImages: one append-only file,
 * a line per record, so a converter writing at close time does not hold the
 * run in memory. Memory keeps, per image, where its lines are and its
 * category ids (for the split), in typed arrays (SpoolIndex). The records
 * of one screenshot usually come one after another: they are merged in
 * memory and spooled as one line. At
 * close the lines of each image are read back and merged: the same screenshot
 * seen by several actions is one image, and a box (bbox + category) is kept
 * once, as the intermediate writer does.
 */
export class ImageSpool {
  private readonly index = new SpoolIndex();
  private handle: fs.FileHandle | undefined;
  private buffer = "";
  private size = 0;
  /** Bytes of the spool file on disk (the rest of `size` waits in `buffer`). */
  private written = 0;
  /** The image of the latest records, merged, spooled when a record of another image comes. */
  private current: { image: DatasetImage; boxes: Set<string> } | undefined;

  constructor(readonly dir: string) {}

  private get file(): string {
    return path.join(this.dir, "images.jsonl");
  }

  async open(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await createDirectory(this.dir, "spool directory");
    this.handle = await fs.open(this.file, "w+");
  }

  /** Ids with the category ids of their boxes, for splitting. */
  ids(): { id: string; categories: number[] }[] {
    this.spoolCurrent();
    return Array.from(this.index.ids(), (id) => ({ id, categories: this.index.categories(id) }));
  }

  async add(image: DatasetImage): Promise<void> {
    const current = this.current;
    if (current?.image.id === image.id) {
      mergeContext(current.image, image);
      for (const a of image.annotations) {
        const k = boxIdentity(a.bbox, a.categoryId);
        if (current.boxes.has(k)) continue;
        current.boxes.add(k);
        current.image.annotations.push(a);
      }
      return;
    }
    this.spoolCurrent();
    this.current = { image: { ...image, annotations: [...image.annotations] }, boxes: new Set(image.annotations.map((a) => boxIdentity(a.bbox, a.categoryId))) };
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  private spoolCurrent(): void {
    if (!this.current) return;
    const { image } = this.current;
    this.current = undefined;
    const line = `${JSON.stringify(image)}\n`;
    const length = Buffer.byteLength(line);
    this.index.add(
      image.id,
      this.size,
      length,
      image.annotations.map((a) => a.categoryId),
    );
    this.size += length;
    this.buffer += line;
  }

  private async flush(): Promise<void> {
    if (!this.handle) throw new Error("ImageSpool: add() before open()");
    if (this.buffer === "") return;
    const text = Buffer.from(this.buffer);
    this.buffer = "";
    // Whole or not at all: a short write on a full disk would leave every later line at the wrong offset.
    await appendWhole(this.handle, text, this.written);
    this.written += text.length;
  }

  private async read(id: string): Promise<DatasetImage> {
    let merged: DatasetImage | undefined;
    let seen: Set<string> | undefined;
    for (const { offset, length } of this.index.segments(id)) {
      const buf = Buffer.alloc(length);
      await this.handle!.read(buf, 0, length, offset);
      const image = JSON.parse(buf.toString("utf8")) as DatasetImage;
      if (!merged) {
        merged = image;
        continue;
      }
      mergeContext(merged, image);
      seen ??= new Set(merged.annotations.map((a) => boxIdentity(a.bbox, a.categoryId)));
      for (const a of image.annotations) {
        const k = boxIdentity(a.bbox, a.categoryId);
        if (seen.has(k)) continue;
        seen.add(k);
        merged.annotations.push(a);
      }
    }
    return merged!;
  }

  /** Every spooled image once, with the boxes of all its records, a few reads in flight. */
  async *images(): AsyncGenerator<DatasetImage> {
    this.spoolCurrent();
    await this.flush();
    yield* mapAhead([...this.index.ids()], (id) => this.read(id));
  }

  async remove(): Promise<void> {
    this.current = undefined;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
