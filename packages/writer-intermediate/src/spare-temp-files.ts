import { promises as fs } from "node:fs";
import { tempPathFor, writeFileAtomicSync } from "@qontinui/export-core";

/** How a spare's name starts (tempPathFor of `<dir>/spare`): recovery counts them apart from half-written files. */
export const SPARE_PREFIX = ".spare.";

/**
 * Empty temp files made ahead, in the background, for files to be written later in one burst (the
 * annotation files, at close). Making a file is the costly part of writing a small one: on ext4 a
 * new inode took 0.1-0.3 ms of system time (the bench's 2-core VM, depending on the hour: 400 creates
 * 43-130 ms, 400 hard links 8 ms), so the close of an export with 400 images spent 150-230 ms
 * creating files, one after another, while nothing else ran. Made ahead in libuv's pool, they are made while
 * the export still has records to work on; at close a file is written into a spare (no new inode)
 * and renamed over its target, whole or not at all as before. Spares are named like every temp file
 * (`.<name>.<random>.tmp`, TEMP_FILE_PATTERN), so a crash leaves nothing recovery does not remove.
 */
export class SpareTempFiles {
  private readonly ready: string[] = [];
  private making = 0;
  private failed = false;

  constructor(private readonly dir: string) {}

  /** Starts making one more spare (never fails the export: without spares, files are made when written). */
  add(): void {
    if (this.failed) return;
    const tmp = tempPathFor(`${this.dir}/spare`);
    this.making++;
    fs.open(tmp, "wx")
      .then((handle) => handle.close())
      .then(
        () => void this.ready.push(tmp),
        async () => {
          // Not made (or made and not closed): no more spares; none left behind.
          this.failed = true;
          await fs.rm(tmp, { force: true }).catch(() => {});
        },
      )
      .finally(() => {
        this.making--;
      });
  }

  /**
   * Writes `data` to `target` whole (temp file, then rename): into a spare when one is ready, else
   * into a temp file made now. Synchronous, as writeFileAtomicSync.
   */
  writeSync(target: string, data: string | Uint8Array): void {
    const spare = this.ready.pop();
    writeFileAtomicSync(target, data, spare ? { temp: spare } : {});
  }

  /** Waits for the spares being made, then removes every one not used. */
  async dispose(): Promise<void> {
    while (this.making > 0) await new Promise((resolve) => setImmediate(resolve));
    const left = this.ready.splice(0);
    await Promise.all(left.map((tmp) => fs.rm(tmp, { force: true })));
  }
}
