import zlib from "node:zlib";
import { seededRandom } from "@qontinui/export-core";
import sharp, { type PngOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { PngRows, pngLayout, pngMemory, type RowMemory } from "../src/png-rows.js";
import { offsetOf, type Raster } from "../src/raster.js";

/** A screen-like image: flat panels, text-like noise strips and a photo-like tile, so PNG filters of every kind are chosen. */
async function rawImage(width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  const rand = seededRandom(7);
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      const panel = x < width / 3 ? 240 : y < height / 2 ? 30 + ((x + y) % 50) : 200 - (y % 7);
      const noisy = y % 23 < 9 && x % 41 < 30 ? Math.floor(rand() * 255) : panel;
      data[o] = noisy;
      data[o + 1] = (noisy * 3 + x) & 255;
      data[o + 2] = (noisy + y) & 255;
      if (channels === 4) data[o + 3] = 255;
    }
  }
  return data;
}

async function png(width: number, height: number, channels: 3 | 4, options: PngOptions): Promise<Buffer> {
  return sharp(await rawImage(width, height, channels), { raw: { width, height, channels } }).png(options).toBuffer();
}

function memoryFor(bytes: Buffer): RowMemory {
  const need = pngMemory(pngLayout(bytes)!);
  return { input: Buffer.alloc(need.input), raw: Buffer.alloc(need.raw) };
}

/** The filter type of every scanline, as the PNG stores it. */
function filterTypes(bytes: Buffer): Set<number> {
  const layout = pngLayout(bytes)!;
  const raw = zlib.inflateSync(Buffer.concat(layout.compressed));
  const stride = 1 + layout.width * layout.channels;
  const types = new Set<number>();
  for (let y = 0; y < layout.height; y++) types.add(raw[y * stride]!);
  return types;
}

function rgbAt(r: Raster, x: number, y: number): number[] {
  const o = offsetOf(r, x, y);
  return [r.data[o]!, r.data[o + 1]!, r.data[o + 2]!];
}

describe("PngRows: PNG screenshots decoded by the package", () => {
  for (const [name, channels, options] of [
    ["RGBA, no filters (what sharp and many tools write)", 4, { adaptiveFiltering: false }],
    ["RGBA, every filter type", 4, { adaptiveFiltering: true }],
    ["RGB, every filter type", 3, { adaptiveFiltering: true, compressionLevel: 9 }],
  ] as const) {
    it(`gives the same pixels as sharp: ${name}, rows asked for in any order`, async () => {
      const [width, height] = [301, 157];
      const bytes = await png(width, height, channels, options);
      // Sub, Up, Average and Paeth: every filter that reads a neighbour.
      if (options.adaptiveFiltering) for (const type of [1, 2, 3, 4]) expect(filterTypes(bytes)).toContain(type);
      const { data } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const rows = new PngRows(pngLayout(bytes)!, memoryFor(bytes));
      // A band low down first (its rows above are unfiltered as far as they are needed), then the top, then all.
      for (const [y0, y1] of [[90, 120], [0, 40], [0, height]] as const) {
        const r = await rows.rows(y0, y1);
        expect(r).toMatchObject({ left: 0, top: y0, width, height: y1 - y0, imageWidth: width, imageHeight: height, pixelBytes: channels });
        for (let y = y0; y < y1; y++) {
          for (let x = 0; x < width; x++) {
            const o = (y * width + x) * 3;
            if (rgbAt(r, x, y).join() !== [data[o], data[o + 1], data[o + 2]].join()) throw new Error(`${name}: pixel ${x},${y} differs`);
          }
        }
      }
    });
  }

  it("inflates only as far down as asked, and goes on from there when asked for more", async () => {
    const bytes = await png(640, 2000, 4, { adaptiveFiltering: false });
    const rows = new PngRows(pngLayout(bytes)!, memoryFor(bytes));
    await rows.rows(0, 100);
    const first = rows.rowsInflated;
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThan(1000);
    await rows.rows(1500, 1600);
    expect(rows.rowsInflated).toBeGreaterThanOrEqual(1600);
  });

  it("works in the memory it is lent (no copy of the rows) and hands it back once closed and served", async () => {
    const bytes = await png(320, 200, 4, {});
    const memory = memoryFor(bytes);
    let back: RowMemory | undefined;
    const rows = new PngRows(pngLayout(bytes)!, memory, (m) => (back = m));
    const r = await rows.rows(10, 20);
    expect(r.data.buffer).toBe(memory.raw.buffer);
    rows.close();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(back?.raw.buffer).toBe(memory.raw.buffer);
    expect(back?.input.buffer).toBe(memory.input.buffer);
  });

  it("rejects rows beyond corrupt or truncated data", async () => {
    const bytes = await png(320, 200, 4, {});
    const layout = pngLayout(bytes)!;
    const whole = Buffer.concat(layout.compressed);
    const truncated = { ...layout, compressed: [whole.subarray(0, whole.length >> 2)] };
    await expect(new PngRows(truncated, memoryFor(bytes)).rows(0, 200)).rejects.toThrow(/ends after|unexpected end/i);
    const corrupt = Buffer.from(whole);
    corrupt.fill(0xff, 2, 64);
    await expect(new PngRows({ ...layout, compressed: [corrupt] }, memoryFor(bytes)).rows(0, 200)).rejects.toThrow();
  });

  it("leaves every other image to sharp: JPEG, palette, greyscale, 16 bits, interlaced, with an ICC profile", async () => {
    const base = sharp(await rawImage(64, 32, 3), { raw: { width: 64, height: 32, channels: 3 } });
    expect(pngLayout(await base.clone().png().toBuffer())).toMatchObject({ width: 64, height: 32, channels: 3 });
    for (const other of [
      await base.clone().jpeg().toBuffer(),
      await base.clone().png({ palette: true }).toBuffer(),
      await base.clone().toColourspace("b-w").png().toBuffer(),
      await base.clone().toColourspace("rgb16").png().toBuffer(),
      await base.clone().png({ progressive: true }).toBuffer(),
      await base.clone().withIccProfile("p3").png().toBuffer(),
      Buffer.from("not an image"),
    ]) {
      expect(pngLayout(other)).toBeUndefined();
    }
  });
});
