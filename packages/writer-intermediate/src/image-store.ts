import { promises as fs } from "node:fs";
import { type ResolvedImage, tempPathFor, writeFileAtomicSync } from "@qontinui/export-core";
import type { DatasetPaths } from "@qontinui/intermediate-format";
import { Lanes } from "./lanes.js";

export type ImageMode = "copy" | "hardlink" | "auto";

/**
 * images/<id>.<ext>: each screenshot placed once, whole (a hard link, a
 * copy-on-write clone, or the bytes already read, through a temp file), even
 * when several records holding it are in flight.
 */
export class ImageStore {
  private readonly stored = new Set<string>();
  private readonly storing = new Map<string, Promise<void>>();
  // Files created at once in images/ (see Lanes: more only spin on the directory's lock). 5000-record
  // bench export with the outputs of earlier exports just removed: unbounded 1.75x the floor, these
  // lanes (4 here, 2 for annotation files) 1.58x; on a filesystem without recently removed files, the same.
  private readonly lanes = new Lanes(4);
  private cloneWorks: boolean | undefined;

  /** `listed` tells whether the record index already names an image (asked when it is placed). */
  constructor(
    private readonly paths: DatasetPaths,
    private readonly mode: ImageMode,
    private readonly listed: (imageId: string) => boolean,
  ) {}

  /** Stores the image unless this session already did. */
  async place(image: ResolvedImage): Promise<void> {
    if (this.stored.has(image.id)) return;
    let p = this.storing.get(image.id);
    if (!p) {
      p = this.lanes.run(() => this.store(image)).then(
        () => {
          this.stored.add(image.id);
          this.storing.delete(image.id);
        },
        (e: unknown) => {
          this.storing.delete(image.id);
          throw e;
        },
      );
      this.storing.set(image.id, p);
    }
    await p;
  }

  private async store(image: ResolvedImage): Promise<void> {
    const dest = this.paths.imageFile(image.id + image.extension);
    // Only an image the index knows can already be stored; a file a crash left behind holds the
    // same bytes under the same name, so writing it again is harmless. Saves a stat per new image.
    if (this.listed(image.id)) {
      try {
        await fs.access(dest);
        return;
      } catch {
        /* listed but missing: store it again */
      }
    }
    if (this.mode !== "copy") {
      try {
        await fs.link(image.sourcePath, dest);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return;
        // Across filesystems (EXDEV) or where links are not allowed: copy instead.
      }
    }
    if (this.cloneWorks !== false) {
      const tmp = tempPathFor(dest);
      try {
        await fs.copyFile(image.sourcePath, tmp, fs.constants.COPYFILE_FICLONE_FORCE);
        await fs.rename(tmp, dest);
        this.cloneWorks = true;
        return;
      } catch {
        await fs.rm(tmp, { force: true });
        this.cloneWorks = false;
      }
    }
    // The bytes were read once for hashing: write them, no second read. They come with prepare (the
    // pipeline lets them go before write): an image first seen in write without them is an error,
    // never an empty file. Written with system calls on this thread: into the page cache that takes
    // less of the export's time than the same calls through libuv's thread pool (measured with the
    // bench's figure 7: the pool's promises and wake-ups cost more than the copy), and a copyFile in
    // the pool, which would take the copy off this thread, measured no faster on two cores.
    if (image.bytes.length !== image.byteLength) {
      throw new Error(`intermediate writer: image ${image.id} came without its ${image.byteLength} bytes; store images in prepare (the pipeline calls it for every new image)`);
    }
    writeFileAtomicSync(dest, image.bytes);
  }
}
