import { resolveImage } from "./image-resolver.js";
import type { ResolvedImage, Source } from "./plugins.js";

const NO_BYTES = Buffer.alloc(0);

export interface CachedResolution {
  image: ResolvedImage;
  /** False when the screenshot was resolved earlier in this run (writers have prepared its id). */
  fresh: boolean;
  /** Bytes actually read from the source for this record. */
  bytesRead: number;
}

export interface ScreenshotCacheOptions {
  maxPixels: number;
  /** Whether some labeler looks at the pixels (then a repeated screenshot is read again, but not hashed again). */
  needPixels: boolean;
  /** Resolutions shared while in flight (records of one screen arrive together). */
  recentLimit: number;
  /** References remembered for the run (metadata only, no bytes). Default 100,000. */
  knownLimit?: number;
}

/**
 * Resolves each screenshot of a run once. A reference resolved earlier is
 * checked with the source's `screenshotStamp` (device, inode, size, mtime:
 * no read); when it is unchanged its id, hash and size are reused, and its
 * bytes are read again only if a labeler needs pixels. Sources without
 * stamps, and changed files, are resolved in full. Memory: metadata of at
 * most `knownLimit` references, bytes of at most `recentLimit` in flight.
 */
export class ScreenshotCache {
  private readonly recent = new Map<string, Promise<ResolvedImage>>();
  private readonly known = new Map<string, ResolvedImage>();

  constructor(
    private readonly source: Source,
    private readonly options: ScreenshotCacheOptions,
  ) {}

  async resolve(ref: string): Promise<CachedResolution> {
    const reused = await this.reuse(ref);
    if (reused) return reused;
    let p = this.recent.get(ref);
    const shared = p !== undefined;
    if (!p) {
      p = resolveImage(this.source, ref, this.options.maxPixels);
      this.recent.set(ref, p);
      p.catch(() => this.recent.delete(ref));
      if (this.recent.size > this.options.recentLimit) this.recent.delete(this.recent.keys().next().value!);
    }
    const image = await p;
    if (image.stamp) this.remember(ref, image);
    return { image, fresh: true, bytesRead: shared ? 0 : image.byteLength };
  }

  private remember(ref: string, image: ResolvedImage): void {
    this.known.delete(ref);
    this.known.set(ref, { ...image, bytes: NO_BYTES });
    if (this.known.size > (this.options.knownLimit ?? 100_000)) this.known.delete(this.known.keys().next().value!);
  }

  private async reuse(ref: string): Promise<CachedResolution | undefined> {
    const k = this.known.get(ref);
    if (!k || !this.source.screenshotStamp) return undefined;
    try {
      const now = await this.source.screenshotStamp(ref);
      if (now.stamp !== k.stamp || now.path !== k.sourcePath) return undefined;
      if (!this.options.needPixels) return { image: k, fresh: false, bytesRead: 0 };
      const file = await this.source.readScreenshot(ref);
      if (file.stamp !== k.stamp || file.bytes.length !== k.byteLength) return undefined;
      return { image: { ...k, bytes: file.bytes }, fresh: false, bytesRead: file.bytes.length };
    } catch {
      return undefined; // resolved in full below, which reports the problem by its reason
    }
  }
}
