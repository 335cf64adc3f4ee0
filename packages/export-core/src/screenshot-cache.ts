import { checkResolvedData, resolveFile } from "./image-resolver.js";
import { ScreenshotBufferPool } from "./screenshot-buffer-pool.js";
import type { ResolvedImage } from "./plugins.js";
import type { ScreenshotAccess } from "./source-screenshots.js";

/** The empty buffer a resolved image carries once its bytes are not to be used. */
export const NO_BYTES = Buffer.alloc(0);

export interface CachedResolution {
  image: ResolvedImage;
  /** False when the screenshot was resolved earlier in this run (writers have prepared its id). */
  fresh: boolean;
  /** Bytes actually read from the source for this record. */
  bytesRead: number;
  /**
   * Call once the record is done with `image.bytes` (stored and labelled). A buffer the source
   * handed over as its own (`ScreenshotFile.owned`) is freed when its last record lets it go.
   */
  release(): void;
}

export interface ScreenshotCacheOptions {
  maxPixels: number;
  /** Whether some labeler looks at the pixels (then a repeated screenshot is read again, but not hashed again). */
  needPixels: boolean;
  /** Check that each screenshot's data decodes before it is used (checkImageData). Default true. */
  checkImageData?: boolean;
  /** Images (by id) the writers already hold from an earlier export: their data is not checked again. */
  alreadyStored?: (imageId: string) => boolean;
  /** Resolutions shared while in flight (records of one screen arrive together). */
  recentLimit: number;
  /**
   * References remembered for the run (metadata only, no bytes; ~450 bytes each). Default 20,000:
   * a screenshot referenced again after 20,000 others is read and hashed again (same image, same id),
   * so memory stops growing with the run instead of reaching ~45 MB at 100,000 screenshots.
   */
  knownLimit?: number;
}

const DEFAULT_KNOWN_LIMIT = 20_000;

/** One read of a screenshot, shared by the records that ask for it while it is in `recent`. */
interface Reading {
  result: Promise<ResolvedImage>;
  /** Records that asked for it and have not released it. */
  holders: number;
  /** Still handed to records asking for the same reference. */
  shared: boolean;
  /** The source's buffer is ours: take its memory back when no record holds it and none can join. */
  owned: boolean;
  /** The file's ScreenshotFile.unchanged, kept with the image once it is known. */
  unchanged: (() => boolean) | undefined;
}

/** A screenshot resolved earlier in the run: its metadata (no bytes), and how to tell it is unchanged. */
interface Known {
  image: ResolvedImage;
  unchanged: (() => boolean) | undefined;
}

const NOTHING_TO_RELEASE = () => {};

/**
 * Resolves each screenshot of a run once. Records asking for a screenshot
 * while it is being read share that read. A reference resolved earlier is
 * checked, for every later record, against the stamp its read gave (device,
 * inode, size, mtime, ctime): by the file's own `unchanged` when the source
 * gives one (core's guard: one synchronous stat, nothing else), else by the
 * source's `screenshotStamp` (the whole guard, no read). When it is unchanged
 * its id, hash and size are reused, and its bytes are read again only if a
 * labeler needs pixels; a file changed, replaced or removed since is resolved
 * in full (and its problem reported). So a file rewritten during the export
 * is noticed by the first record that asks for it afterwards. Sources
 * without stamps share the last `recentLimit` resolutions, bytes included.
 * Memory: metadata of at most `knownLimit` references, bytes of the
 * screenshots records hold plus at most `recentLimit` more. The memory of
 * owned buffers goes back to a pool as soon as their records are done, for
 * the next screenshot to be read into.
 */
export class ScreenshotCache {
  private readonly recent = new Map<string, Reading>();
  private readonly known = new Map<string, Known>();
  /** Content hashes whose data was checked and decodes (the oldest forgotten past knownLimit). */
  private readonly decodable = new Set<string>();
  private readonly pool = new ScreenshotBufferPool();
  private readonly allocate = (size: number) => this.pool.take(size);

  constructor(
    private readonly source: ScreenshotAccess,
    private readonly options: ScreenshotCacheOptions,
  ) {}

  async resolve(ref: string): Promise<CachedResolution> {
    const k = this.known.get(ref);
    if (k) {
      const reused = k.unchanged ? await this.reuseChecked(ref, k, k.unchanged()) : await this.reuseAfterStamp(ref, k);
      if (reused) return reused;
    }
    let reading = this.recent.get(ref);
    const joined = reading !== undefined;
    reading ??= this.startReading(ref);
    reading.holders++;
    let image: ResolvedImage;
    try {
      image = await reading.result;
    } catch (e) {
      reading.holders--;
      throw e;
    }
    const held = reading;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.holders--;
      this.freeIfDone(held);
    };
    return { image, fresh: true, bytesRead: joined ? 0 : image.byteLength, release };
  }

  private startReading(ref: string): Reading {
    const reading: Reading = { result: Promise.resolve(undefined as unknown as ResolvedImage), holders: 0, shared: true, owned: false, unchanged: undefined };
    reading.result = this.source.read(ref, this.allocate).then(async (file) => {
      reading.owned = file.owned === true;
      reading.unchanged = file.unchanged;
      const image = resolveFile(file, ref, this.options.maxPixels);
      // Once per distinct content, before any writer stores it: a later record of the same file (unchanged),
      // or another file with the same bytes (an automation saving the same screen again), is not checked again;
      // nor is an image a writer already holds from an earlier export (a re-run, a resume).
      if (this.options.checkImageData !== false && !this.decodable.has(image.sha256) && this.options.alreadyStored?.(image.id) !== true) {
        await checkResolvedData(image, ref);
        this.decodable.add(image.sha256);
        if (this.decodable.size > (this.options.knownLimit ?? DEFAULT_KNOWN_LIMIT)) this.decodable.delete(this.decodable.values().next().value!);
      }
      return image;
    });
    this.recent.set(ref, reading);
    reading.result.then(
      (image) => {
        // A stamped screenshot is known from now on (checked by stamp, no bytes held): later
        // records do not share this read, and its bytes go with the records holding them.
        if (image.stamp) {
          this.remember(ref, image, reading.unchanged);
          this.unshare(ref, reading);
        }
      },
      () => this.unshare(ref, reading),
    );
    if (this.recent.size > this.options.recentLimit) {
      const [oldest, old] = this.recent.entries().next().value!;
      this.unshare(oldest, old);
    }
    return reading;
  }

  private unshare(ref: string, reading: Reading): void {
    if (this.recent.get(ref) === reading) this.recent.delete(ref);
    reading.shared = false;
    this.freeIfDone(reading);
  }

  private freeIfDone(reading: Reading): void {
    if (reading.shared || reading.holders > 0 || !reading.owned) return;
    reading.owned = false;
    reading.result.then((image) => this.pool.give(image.bytes), () => {});
  }

  private remember(ref: string, image: ResolvedImage, unchanged: (() => boolean) | undefined): void {
    this.known.delete(ref);
    this.known.set(ref, { image: { ...image, bytes: NO_BYTES }, unchanged });
    if (this.known.size > (this.options.knownLimit ?? DEFAULT_KNOWN_LIMIT)) this.known.delete(this.known.keys().next().value!);
  }

  /** A known screenshot by the source's stamp check (the whole guard, no read): for files without `unchanged`. */
  private async reuseAfterStamp(ref: string, k: Known): Promise<CachedResolution | undefined> {
    if (!this.source.stamp) return undefined;
    try {
      const now = await this.source.stamp(ref);
      return await this.reuseChecked(ref, k, now.stamp === k.image.stamp && now.path === k.image.sourcePath);
    } catch {
      return undefined; // resolved in full, which reports the problem by its reason
    }
  }

  /** A known, unchanged screenshot: its metadata as is, or, when a labeler needs pixels, its bytes read again (not hashed). */
  private reuseChecked(ref: string, k: Known, unchanged: boolean): CachedResolution | undefined | Promise<CachedResolution | undefined> {
    if (!unchanged) return undefined;
    if (!this.options.needPixels) return { image: k.image, fresh: false, bytesRead: 0, release: NOTHING_TO_RELEASE };
    return this.readAgain(ref, k);
  }

  private async readAgain(ref: string, k: Known): Promise<CachedResolution | undefined> {
    try {
      const file = await this.source.read(ref, this.allocate);
      if (file.stamp !== k.image.stamp || file.bytes.length !== k.image.byteLength) return undefined;
      const bytes = file.bytes;
      return { image: { ...k.image, bytes }, fresh: false, bytesRead: bytes.length, release: () => file.owned === true && this.pool.give(bytes) };
    } catch {
      return undefined;
    }
  }
}
