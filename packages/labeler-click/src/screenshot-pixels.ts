import type { ResolvedImage } from "@qontinui/export-core";
import sharp from "sharp";
import { covers, type Raster, type Rect, rasterRect, union } from "./raster.js";

/** The screenshot's bytes could not be decoded (smart mode falls back to the fixed box and reports it). */
export class PixelDecodeError extends Error {
  override readonly name = "PixelDecodeError";
}

interface Waiting {
  rect: Rect;
  resolve: (r: Raster) => void;
  reject: (e: unknown) => void;
}

interface Screen {
  /** Rectangles already decoded (newest last). */
  decoded: Raster[];
  /** Requests of this turn, decoded together. */
  waiting: Waiting[];
  scheduled: boolean;
}

/**
 * Decoded pixels of the screenshots of one export, shared by every click on
 * them. A click asks for a rectangle around itself; the requests for one
 * screenshot made in the same turn of the event loop (the pipeline labels the
 * records of one screenshot together) are decoded by one `sharp` call, as the
 * smallest rectangle holding them all: a PNG must be inflated from its first
 * row anyway, and what costs beyond that is each pixel put out. Later requests
 * inside a decoded rectangle reuse it. The last `maxScreens` screenshots are
 * kept (by content hash), so memory stays bounded.
 */
export class ScreenshotPixels {
  private readonly screens = new Map<string, Screen>();
  /** Decodes done, for tests and the eval. */
  decodes = 0;

  constructor(private readonly maxScreens = 12) {}

  /** Pixels of `rect` (image pixels, inside the image) of `image`. Rejects when the bytes cannot be decoded. */
  pixels(image: ResolvedImage, rect: Rect): Promise<Raster> {
    const key = image.sha256 || image.id;
    let screen = this.screens.get(key);
    if (screen) {
      // Most recently used last.
      this.screens.delete(key);
      this.screens.set(key, screen);
      const done = screen.decoded.find((r) => covers(rasterRect(r), rect));
      if (done) return Promise.resolve(done);
    } else {
      screen = { decoded: [], waiting: [], scheduled: false };
      this.screens.set(key, screen);
      if (this.screens.size > this.maxScreens) this.screens.delete(this.screens.keys().next().value as string);
    }
    const s = screen;
    return new Promise<Raster>((resolve, reject) => {
      s.waiting.push({ rect, resolve, reject });
      if (s.scheduled) return;
      s.scheduled = true;
      // The bytes stay valid: every waiting label call holds them until it settles.
      setImmediate(() => void this.decodeWaiting(s, image));
    });
  }

  private async decodeWaiting(screen: Screen, image: ResolvedImage): Promise<void> {
    const waiting = screen.waiting.splice(0);
    screen.scheduled = false;
    const rect = waiting.map((w) => w.rect).reduce(union);
    try {
      const raster = await decodeRect(image, rect);
      this.decodes++;
      screen.decoded.push(raster);
      if (screen.decoded.length > 3) screen.decoded.shift();
      for (const w of waiting) w.resolve(raster);
    } catch (e) {
      const error = new PixelDecodeError(e instanceof Error ? e.message : String(e));
      for (const w of waiting) w.reject(error);
    }
  }
}

/** RGB pixels of `rect` of the image (greyscale is expanded, alpha dropped). */
export async function decodeRect(image: ResolvedImage, rect: Rect): Promise<Raster> {
  const width = rect.x1 - rect.x0;
  const height = rect.y1 - rect.y0;
  let pipeline = sharp(image.bytes, { failOn: "error" });
  if (width !== image.width || height !== image.height) pipeline = pipeline.extract({ left: rect.x0, top: rect.y0, width, height });
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) throw new Error(`decoded ${info.width}×${info.height}, expected ${width}×${height}`);
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
  return { left: rect.x0, top: rect.y0, width, height, data: rgb, imageWidth: image.width, imageHeight: image.height };
}
