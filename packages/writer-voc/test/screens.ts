import { seededRandom } from "@qontinui/export-core";
import sharp from "sharp";

/** The same screen for the same seed. */
const random = seededRandom;

type Rgb = readonly [number, number, number];

const ACCENTS: readonly Rgb[] = [
  [70, 130, 220],
  [220, 120, 60],
  [90, 170, 100],
];
const LIGHTS: readonly Rgb[] = [
  [230, 80, 70],
  [240, 190, 60],
  [90, 190, 90],
];

/** An RGB canvas with the few drawing operations a desktop screenshot needs. */
class Canvas {
  readonly pixels: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = Buffer.alloc(width * height * 3);
  }

  blend(x: number, y: number, c: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    for (let k = 0; k < 3; k++) this.pixels[i + k] = Math.round(this.pixels[i + k]! * (1 - alpha) + c[k]! * alpha);
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx++) this.blend(xx, yy, c);
    }
  }

  frame(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.rect(x, y, w, 1, c);
    this.rect(x, y + h - 1, w, 1, c);
    this.rect(x, y, 1, h, c);
    this.rect(x + w - 1, y, 1, h, c);
  }
}

/** Glyph-like coverage masks (7×12, anti-aliased vertical stems and flat bars): text without a font. */
function glyphs(rand: () => number, count: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let g = 0; g < count; g++) {
    const m = new Float32Array(7 * 12);
    const strokes = 2 + Math.floor(rand() * 3);
    for (let s = 0; s < strokes; s++) {
      if (rand() < 0.5) {
        const at = 0.5 + rand() * 5.5; // a stem at a sub-pixel column
        const top = 1 + Math.floor(rand() * 5);
        const bottom = Math.min(11, top + 4 + Math.floor(rand() * 6));
        for (let y = top; y <= bottom; y++) for (let x = 0; x < 7; x++) m[y * 7 + x] = Math.max(m[y * 7 + x]!, Math.max(0, 1 - Math.abs(x - at) / 1.2));
      } else {
        const y = 2 + Math.floor(rand() * 9);
        const left = Math.floor(rand() * 3);
        const right = Math.min(6, left + 2 + Math.floor(rand() * 4));
        for (let x = left; x <= right; x++) m[y * 7 + x] = 1;
      }
    }
    out.push(m);
  }
  return out;
}

function text(c: Canvas, font: Float32Array[], rand: () => number, x: number, y: number, maxWidth: number, colour: Rgb): void {
  let cx = x;
  while (cx < x + maxWidth - 8) {
    if (rand() < 0.16) {
      cx += 5; // a space
      continue;
    }
    const g = font[Math.floor(rand() * font.length)]!;
    for (let gy = 0; gy < 12; gy++) for (let gx = 0; gx < 7; gx++) if (g[gy * 7 + gx]! > 0) c.blend(cx + gx, y + gy, colour, g[gy * 7 + gx]!);
    cx += 8;
  }
}

/**
 * A desktop screenshot: wallpaper, a window with title bar, sidebar list,
 * paragraphs of text, buttons, input fields and a photo, and a taskbar.
 * Deterministic for a seed; at 1920×1080 the PNG is several hundred KB, like
 * a real one.
 */
export function drawScreen(width: number, height: number, seed: number): Canvas {
  const rand = random(seed);
  const c = new Canvas(width, height);
  // Wallpaper: a gradient with a little grain.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = (rand() - 0.5) * 10;
      c.pixels[i] = Math.max(0, Math.min(255, 30 + (y / height) * 60 + n));
      c.pixels[i + 1] = Math.max(0, Math.min(255, 70 + (x / width) * 50 + n));
      c.pixels[i + 2] = Math.max(0, Math.min(255, 120 + (seed * 17) % 80 + n));
    }
  }
  const font = glyphs(rand, 64);
  const wx = Math.round(width * 0.04);
  const wy = Math.round(height * 0.04);
  const ww = width - 2 * wx;
  const wh = height - 2 * wy - 48;
  c.rect(wx, wy, ww, wh, [250, 250, 250]);
  c.frame(wx, wy, ww, wh, [120, 120, 130]);
  c.rect(wx, wy, ww, 32, [52, 56, 70]); // title bar
  text(c, font, rand, wx + 12, wy + 10, 300, [235, 235, 240]);
  for (let b = 0; b < 3; b++) c.rect(wx + ww - 30 - b * 30, wy + 10, 14, 14, LIGHTS[b]!);
  c.rect(wx, wy + 32, ww, 26, [236, 236, 240]); // menu bar
  for (let m = 0; m < 6; m++) text(c, font, rand, wx + 12 + m * 80, wy + 39, 60, [40, 40, 50]);
  const side = Math.round(ww * 0.16);
  c.rect(wx, wy + 58, side, wh - 58, [228, 230, 236]); // sidebar
  for (let row = 0, y = wy + 70; y < wy + wh - 30; row++, y += 28) {
    if (row === 3) c.rect(wx + 4, y - 6, side - 8, 26, [200, 215, 245]);
    c.rect(wx + 12, y, 14, 14, ACCENTS[row % 3]!);
    text(c, font, rand, wx + 34, y + 1, side - 50, [30, 30, 40]);
  }
  // Content: heading, paragraphs, a form with fields and buttons, a photo.
  const cx = wx + side + 24;
  const cw = ww - side - 48;
  text(c, font, rand, cx, wy + 76, Math.round(cw * 0.5), [10, 10, 20]);
  let y = wy + 110;
  for (let p = 0; p < 3; p++) {
    for (let l = 0; l < 5; l++, y += 18) text(c, font, rand, cx, y, Math.round(cw * 0.55 - rand() * 80), [60, 60, 70]);
    y += 14;
  }
  for (let f = 0; f < 4; f++, y += 44) {
    text(c, font, rand, cx, y + 8, 120, [50, 50, 60]);
    c.rect(cx + 140, y, 360, 30, [255, 255, 255]);
    c.frame(cx + 140, y, 360, 30, [170, 170, 180]);
    text(c, font, rand, cx + 148, y + 9, 200, [90, 90, 100]);
  }
  for (let b = 0; b < 3; b++) {
    c.rect(cx + b * 140, y + 10, 120, 34, b === 0 ? [40, 110, 230] : [225, 225, 230]);
    text(c, font, rand, cx + b * 140 + 20, y + 21, 80, b === 0 ? [255, 255, 255] : [30, 30, 40]);
  }
  // A photo: smooth colour fields with texture.
  const px = cx + Math.round(cw * 0.6);
  const pw = Math.round(cw * 0.38);
  const ph = Math.round(pw * 0.5625);
  for (let yy = 0; yy < ph; yy++) {
    for (let xx = 0; xx < pw; xx++) {
      const v = Math.sin(xx / 23 + seed) * 40 + Math.cos(yy / 17) * 40 + (rand() - 0.5) * 24;
      c.blend(px + xx, wy + 80 + yy, [Math.max(0, Math.min(255, 120 + v)), Math.max(0, Math.min(255, 140 + v * 0.6)), Math.max(0, Math.min(255, 90 - v * 0.4))]);
    }
  }
  // Taskbar.
  c.rect(0, height - 48, width, 48, [24, 26, 32]);
  for (let i = 0; i < 9; i++) c.rect(12 + i * 52, height - 40, 32, 32, ACCENTS[i % 3]!);
  text(c, font, rand, width - 120, height - 30, 100, [220, 220, 225]);
  return c;
}

/** A GUI screenshot as PNG bytes. */
export async function screenPng(width: number, height: number, seed: number): Promise<Buffer> {
  const c = drawScreen(width, height, seed);
  return sharp(c.pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A GUI screenshot as JPEG bytes (what some runners save, even behind a .png name). */
export async function screenJpeg(width: number, height: number, seed: number, quality = 85): Promise<Buffer> {
  const c = drawScreen(width, height, seed);
  return sharp(c.pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}
