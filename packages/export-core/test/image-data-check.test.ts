import zlib, { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { checkImageData, readImageInfo } from "../src/index.js";
import { checkImageDataHere } from "../src/image-data-check.js";
import { countInflatedCopy, countInflatedRows } from "../src/png-inflate.js";
import { encodePng, pngChunk as chunk } from "../src/testing/index.js";


/** A PNG whose every chunk and CRC is right, with the IHDR and image data given. */
function png(width: number, height: number, raw: Buffer, { depth = 8, colour = 2, interlace = 0, palette = false } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  ihdr[12] = interlace;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(palette ? [chunk("PLTE", Buffer.alloc(12, 200))] : []),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Adam7 rows of an RGB image: each pass's rows, filter byte 0. */
function adam7Raw(width: number, height: number): Buffer {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  const rows: Buffer[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0!) / dx!);
    const h = Math.ceil((height - y0!) / dy!);
    if (w <= 0 || h <= 0) continue;
    for (let y = 0; y < h; y++) rows.push(Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, y)]));
  }
  return Buffer.concat(rows);
}

async function verdict(bytes: Buffer): Promise<string> {
  const info = readImageInfo(bytes);
  if (!info.ok) return `header: ${info.message}`;
  const data = await checkImageData(bytes, info.info.format);
  return data.ok ? "ok" : data.message;
}

describe("checkImageData: a PNG is stored only when its data decodes", () => {
  it("passes whole PNGs: RGB, grey 1-bit, palette, Adam7-interlaced, several IDAT chunks", async () => {
    expect(await verdict(encodePng(37, 11))).toBe("ok");
    expect(await verdict(png(13, 5, Buffer.concat(Array.from({ length: 5 }, () => Buffer.from([0, 0xaa, 0x55]))), { depth: 1, colour: 0 }))).toBe("ok");
    expect(await verdict(png(4, 4, Buffer.alloc(4 * 5, 0), { colour: 3, palette: true }))).toBe("ok");
    expect(await verdict(png(21, 13, adam7Raw(21, 13), { interlace: 1 }))).toBe("ok");
    const whole = encodePng(64, 64);
    const idat = whole.subarray(33, whole.length - 12);
    const data = idat.subarray(8, idat.length - 4);
    const split = Buffer.concat([whole.subarray(0, 33), chunk("IDAT", data.subarray(0, 10)), chunk("IDAT", data.subarray(10)), whole.subarray(whole.length - 12)]);
    expect(await verdict(split)).toBe("ok");
  });

  it("full-size screenshots: a 1920×1080 PNG whose data is in 8 KiB IDAT chunks (as libpng writes it) passes, in the worker and here; one whose last chunks are lost does not", async () => {
    const whole = encodePng(1920, 1080);
    expect(whole.length).toBeGreaterThan(64 * 1024);
    const data = whole.subarray(41, whole.length - 16);
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length; at += 8192) parts.push(chunk("IDAT", data.subarray(at, at + 8192)));
    expect(parts.length).toBeGreaterThan(8);
    const split = Buffer.concat([whole.subarray(0, 33), ...parts, whole.subarray(whole.length - 12)]);
    expect(await verdict(split)).toBe("ok");
    expect(checkImageDataHere(split, "png")).toEqual({ ok: true });
    // The file whole in structure (IEND, every CRC right) but its last IDAT chunks gone: the data stops short.
    const lost = Buffer.concat([whole.subarray(0, 33), ...parts.slice(0, parts.length >> 1), whole.subarray(whole.length - 12)]);
    expect(await verdict(lost)).toMatch(/^PNG image data inflates to \d+ bytes; its 1920×1080 header needs 6221880$/);
    expect(checkImageDataHere(lost, "png")).toEqual(await checkImageData(lost, "png"));
  });

  it("refuses a 4000×4000 header whose data inflates to 100 bytes, though every chunk and CRC is right", async () => {
    const bomb = png(4000, 4000, Buffer.alloc(100));
    expect(readImageInfo(bomb).ok).toBe(true);
    expect(await verdict(bomb)).toMatch(/inflates to 100 bytes; its 4000×4000 header needs 48004000/);
  });

  it("refuses damaged data: a row filter byte over 4, a wrong IDAT CRC, data cut short, a palette image without PLTE, IDAT split by another chunk", async () => {
    const rows = Buffer.concat(Array.from({ length: 4 }, (_, y) => Buffer.concat([Buffer.from([y === 2 ? 9 : 0]), Buffer.alloc(12, 7)])));
    expect(await verdict(png(4, 4, rows))).toMatch(/row 2 starts with filter type 9/);
    const badCrc = encodePng(8, 8);
    badCrc[badCrc.length - 13]! ^= 0xff;
    expect(await verdict(badCrc)).toMatch(/IDAT .* wrong CRC/);
    const raw = Buffer.alloc(20 * 61, 0);
    const full = deflateSync(raw);
    const cut = Buffer.concat([png(20, 20, raw).subarray(0, 33), chunk("IDAT", full.subarray(0, full.length - 8)), chunk("IEND", Buffer.alloc(0))]);
    expect(await verdict(cut)).toMatch(/inflates to \d+ bytes/);
    expect(await verdict(png(4, 4, Buffer.alloc(20), { colour: 3 }))).toMatch(/without a palette/);
    expect(await verdict(png(4, 4, Buffer.alloc(20), { colour: 2, depth: 4 }))).toMatch(/not a valid combination/);
    const whole = encodePng(64, 64);
    const data = whole.subarray(41, whole.length - 16);
    const interrupted = Buffer.concat([whole.subarray(0, 33), chunk("IDAT", data.subarray(0, 10)), chunk("tEXt", Buffer.from("a\0b")), chunk("IDAT", data.subarray(10)), whole.subarray(whole.length - 12)]);
    expect(await verdict(interrupted)).toMatch(/split by another chunk/);
  });

  it("stops inflating at the size the header needs: data that would inflate to far more costs what the image costs", async () => {
    // 64 MB of zeros deflate to ~300 KB; the header asks for 10×10 (310 bytes).
    const huge = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 1 });
    const ihdr = png(10, 10, Buffer.alloc(0)).subarray(0, 33);
    const bytes = Buffer.concat([ihdr, chunk("IDAT", huge), chunk("IEND", Buffer.alloc(0))]);
    expect(await verdict(bytes)).toBe("ok");
    // The count stops within one output buffer of what the header needs, not at 64 MB (no timing: the bytes inflated).
    const out = Buffer.alloc(4096);
    expect(countInflatedRows(zlib, [huge], 310, [{ rows: 10, stride: 31 }], out)!.bytes).toBeLessThanOrEqual(310 + out.length);
  });

  it("checks in the worker thread and in process alike, and never touches the zlib handle after an error", async () => {
    const raw = Buffer.concat(Array.from({ length: 300 }, (_, y) => Buffer.concat([Buffer.from([y % 5]), Buffer.alloc(600, y)])));
    const data = deflateSync(raw);
    const passes = [{ rows: 300, stride: 601 }];
    const whole = { bytes: raw.length };
    expect(countInflatedRows(zlib, data, raw.length, passes, Buffer.alloc(4096))).toEqual(whole);
    expect(countInflatedCopy(zlib, data, raw.length, passes)).toEqual(whole);
    const good = png(200, 300, raw);
    expect(await checkImageData(good, "png")).toEqual({ ok: true });
    expect(checkImageDataHere(good, "png")).toEqual({ ok: true });
    const damaged = Buffer.from(data);
    damaged[2]! ^= 0xff;
    damaged[3]! ^= 0xff;
    const broken = countInflatedRows(zlib, damaged, raw.length, passes, Buffer.alloc(4096));
    expect(broken?.error).toMatch(/invalid|incorrect|too many|distance/);
    expect(countInflatedCopy(zlib, damaged, raw.length, passes).error).toBe(broken?.error);
    const bad = Buffer.concat([good.subarray(0, 33), chunk("IDAT", damaged), chunk("IEND", Buffer.alloc(0))]);
    const here = checkImageDataHere(bad, "png");
    expect(here.ok).toBe(false);
    expect(await checkImageData(bad, "png")).toEqual(here);
    const cut = countInflatedRows(zlib, data.subarray(0, data.length >> 1), raw.length, passes, Buffer.alloc(4096));
    expect(cut!.bytes).toBeLessThan(raw.length);
    expect(cut!.error).toBeUndefined();
    expect(countInflatedCopy(zlib, data.subarray(0, data.length >> 1), raw.length, passes).bytes).toBe(cut!.bytes);
  });
});
