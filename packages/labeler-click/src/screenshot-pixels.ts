import type { ResolvedImage } from "@qontinui/export-core";
import { PngRows, pngLayout, pngMemory, type RowMemory } from "./png-rows.js";
import type { Raster } from "./raster.js";

/** The screenshot's bytes could not be decoded (smart mode falls back to the fixed box and reports it). */
export class PixelDecodeError extends Error {
  override readonly name = "PixelDecodeError";
}

/** One screenshot's pixels, decoded as far as asked for. */
interface DecodedScreen {
  rows(y0: number, y1: number): Promise<Raster>;
  close(): void;
}

type Sharp = typeof import("sharp").default;
let sharpModule: Promise<Sharp> | undefined;

/** sharp, loaded when the first screenshot this package cannot decode itself needs it (not at start-up). */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/** Every other image (JPEG, WebP, palette or greyscale PNG, …): decoded whole by sharp, once. */
class SharpScreen implements DecodedScreen {
  private readonly decoded: Promise<Raster>;

  constructor(image: ResolvedImage) {
    // Started now, while the label call that handed the bytes over is waiting for it.
    this.decoded = decodeWhole(image);
    this.decoded.catch(() => {});
  }

  async rows(y0: number, y1: number): Promise<Raster> {
    const whole = await this.decoded;
    return { ...whole, top: y0, height: y1 - y0, origin: y0 * whole.rowBytes };
  }

  close(): void {}
}

/** RGB pixels of the whole image (greyscale is expanded, alpha dropped). */
async function decodeWhole(image: ResolvedImage): Promise<Raster> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image.bytes, { failOn: "error" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  if (width !== image.width || height !== image.height) throw new Error(`decoded ${width}×${height}, expected ${image.width}×${image.height}`);
  let rgb: Uint8Array = data;
  if (info.channels !== 3) {
    // Greyscale (1 band) or anything else: the first band, or the first three.
    rgb = new Uint8Array(width * height * 3);
    const n = width * height;
    const ch = info.channels;
    for (let i = 0; i < n; i++) {
      const o = i * ch;
      rgb[i * 3] = data[o]!;
      rgb[i * 3 + 1] = data[ch >= 3 ? o + 1 : o]!;
      rgb[i * 3 + 2] = data[ch >= 3 ? o + 2 : o]!;
    }
  }
  return { left: 0, top: 0, width, height, data: rgb, origin: 0, rowBytes: width * 3, pixelBytes: 3, imageWidth: width, imageHeight: height };
}

/**
 * Memory PNGs are decoded in, kept for the next ones (fresh memory costs a
 * page fault per 4 KiB first touched: more than inflating into it) by every
 * labeler of this thread, and let go after a while unused.
 */
const spareMemory = {
  spare: [] as RowMemory[],
  timer: undefined as NodeJS.Timeout | undefined,
  /** As many as can be in use at once (the screenshots of an export in flight, and the ones kept) are worth keeping. */
  most: 16,
  idleMs: 5000,
  take(need: { input: number; raw: number }): RowMemory {
    let at = -1;
    for (const [i, m] of this.spare.entries()) if (m.raw.length >= need.raw && (at < 0 || m.raw.length < this.spare[at]!.raw.length)) at = i;
    const memory: RowMemory = at >= 0 ? this.spare.splice(at, 1)[0]! : { input: Buffer.allocUnsafe(0), raw: Buffer.allocUnsafe(need.raw) };
    // Compressed sizes vary more: grown with room to spare.
    if (memory.input.length < need.input) memory.input = Buffer.allocUnsafe(Math.ceil(need.input * 1.5));
    return memory;
  },
  give(memory: RowMemory): void {
    this.spare.push(memory);
    // The smallest go first.
    if (this.spare.length > this.most) this.spare.splice(this.spare.reduce((k, m, i, a) => (m.raw.length < a[k]!.raw.length ? i : k), 0), 1)[0]!.inflate?.destroy();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      for (const m of this.spare.splice(0)) m.inflate?.destroy();
      this.timer = undefined;
    }, this.idleMs).unref();
  },
};

/**
 * Decoded pixels of the screenshots of one export, shared by every click on
 * them: each screenshot is decoded once, as far down as its clicks need (a
 * PNG by this package, its zlib stream inflated on the thread pool and its
 * rows turned into RGB when first asked for; any other image whole by sharp,
 * loaded then). The last `maxScreens` screenshots are kept (by content hash):
 * the pipeline labels a screenshot's records together, so a few suffice. The
 * memory a PNG is decoded in is reused for the next one.
 */
export class ScreenshotPixels {
  private readonly screens = new Map<string, DecodedScreen>();
  /** Screenshots decoded (started), for tests and the eval. */
  decodes = 0;

  constructor(private readonly maxScreens = 4) {}

  /** Full-width rows [y0, y1) of `image` (inside it). Rejects with PixelDecodeError when the bytes cannot be decoded. */
  async rows(image: ResolvedImage, y0: number, y1: number): Promise<Raster> {
    const key = image.sha256 || image.id;
    let screen = this.screens.get(key);
    if (screen) {
      // Most recently used last.
      this.screens.delete(key);
      this.screens.set(key, screen);
    } else {
      screen = this.open(image);
      this.decodes++;
      this.screens.set(key, screen);
      if (this.screens.size > this.maxScreens) {
        const oldest = this.screens.keys().next().value as string;
        this.screens.get(oldest)!.close();
        this.screens.delete(oldest);
      }
    }
    try {
      return await screen.rows(y0, y1);
    } catch (e) {
      throw e instanceof PixelDecodeError ? e : new PixelDecodeError(e instanceof Error ? e.message : String(e));
    }
  }

  private open(image: ResolvedImage): DecodedScreen {
    const layout = pngLayout(image.bytes);
    if (!layout || layout.width !== image.width || layout.height !== image.height) return new SharpScreen(image);
    return new PngRows(layout, spareMemory.take(pngMemory(layout)), (m) => spareMemory.give(m));
  }
}
