import { type Annotation, contentId, type ExecutionRecord, parseRecord, type ResolvedImage, seededRandom } from "@qontinui/export-core";
import sharp from "sharp";
import { clickLabeler } from "../src/index.js";

export function record(fields: Record<string, unknown>): ExecutionRecord {
  const parsed = parseRecord({ action_id: "a1", action_type: "CLICK", ...fields });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

export function resolved(bytes: Buffer, width: number, height: number): ResolvedImage {
  return { ...contentId(bytes), format: "png", extension: ".png", width, height, channels: 3, byteLength: bytes.length, sourcePath: "shot.png", bytes };
}

type Rgb = [number, number, number];

/** A PNG screenshot: an RGB background painted pixel by pixel, with SVG elements drawn over it. */
export async function screenshot(width: number, height: number, background: (x: number, y: number) => Rgb, svgBody: string): Promise<ResolvedImage> {
  const pixels = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = background(x, y);
      const o = (y * width + x) * 3;
      pixels[o] = r;
      pixels[o + 1] = g;
      pixels[o + 2] = b;
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBody}</svg>`;
  const bytes = await sharp(Buffer.from(pixels.buffer), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return resolved(bytes, width, height);
}

export const flat =
  (c: Rgb) =>
  (): Rgb =>
    c;

/** A linear gradient from `from` (left) to `to` (right) over `width` px. */
export const horizontalGradient =
  (from: Rgb, to: Rgb, width: number) =>
  (x: number): Rgb =>
    from.map((v, i) => v + ((to[i]! - v) * x) / (width - 1)) as Rgb;

/** Seeded per-pixel grey noise of ±amplitude around `base`. */
export function noiseTexture(base: Rgb, amplitude: number, seed: number): (x: number, y: number) => Rgb {
  const rand = seededRandom(seed);
  return () => {
    const d = (rand() * 2 - 1) * amplitude;
    return base.map((v) => v + d) as Rgb;
  };
}

/** Fine horizontal stripes: every `period`-th row is `step` darker. */
export const stripes =
  (base: Rgb, period: number, step: number) =>
  (_x: number, y: number): Rgb =>
    base.map((v) => v - (y % period === 0 ? step : 0)) as Rgb;

/** The drawn extent (alpha ≥ 0.3) of an SVG body rendered alone: the true box of content without a shape of its own. */
export async function inkBox(width: number, height: number, svgBody: string): Promise<[number, number, number, number]> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBody}</svg>`;
  const { data } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3]! < 77) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/** Labels one click in smart mode; the single box it gives. */
export async function smartBox(image: ResolvedImage, x: number, y: number): Promise<Annotation> {
  const boxes = await clickLabeler({ mode: "smart", threads: 0 }).label(record({ clicked_location: { x, y } }), image, { report: () => {} });
  if (boxes.length !== 1) throw new Error(`expected one box, got ${boxes.length}`);
  return boxes[0]!;
}

export function inference(a: Annotation): { strategy: string; reason?: string; border_contrast?: number; fill_ratio?: number; content_box?: number[]; isolation?: number } {
  return a.metadata?.inference_metadata as { strategy: string; reason?: string; border_contrast?: number; fill_ratio?: number; content_box?: number[]; isolation?: number };
}
