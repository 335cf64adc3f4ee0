import zlib from "node:zlib";
import type { ImageFormat } from "./image-format.js";
import { countInflatedCopy, countInflatedRows, type InflateCount, type RowPlan } from "./png-inflate.js";

export type ImageDataResult = { ok: true } | { ok: false; message: string };

/** inspectImageData on this thread (zlib inflating synchronously into one reused buffer): where no image worker runs. */
export function checkImageDataHere(bytes: Buffer, format: ImageFormat): ImageDataResult {
  return inspectImageData(crc32Of(), bytes, format, (data, expected, passes) => countHere(data, expected, passes));
}

let here: Buffer | undefined;
function countHere(data: readonly Buffer[], expected: number, passes: RowPlan[]): InflateCount {
  here ??= Buffer.allocUnsafe(256 * 1024);
  return countInflatedRows(zlib, data, expected, passes, here) ?? countInflatedCopy(zlib, Buffer.concat(data), expected, passes);
}

/** zlib.crc32 came with Node 20.15: on older Node 20 the CRCs are not checked (zlib still checks the data's Adler-32). */
export function crc32Of(): ((data: Uint8Array) => number) | undefined {
  return (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
}

/**
 * Whether an image's data is whole enough to decode, beyond the header and
 * container checks of readImageInfo, at a fraction of a decode's cost:
 *
 * - PNG: IHDR's fields are a valid combination, a palette image has its PLTE,
 *   the IDAT chunks are consecutive, the critical chunks' CRCs are right, and
 *   the IDAT data inflates (zlib; the output is counted into one reused
 *   buffer, never held) to at least the bytes the header needs
 *   (height × (1 + row bytes), per Adam7 pass when interlaced) with a valid
 *   filter byte (0-4) at the start of every row. A PNG whose chunks and CRCs
 *   are right but whose data inflates to 100 bytes for a 4000×4000 header fails
 *   here; every decoder would refuse it.
 * - JPEG: the marker structure from SOI to EOI (every segment's length inside
 *   the file, a frame header before the first scan, at least one scan), and
 *   for baseline (Huffman, sequential) frames at least the scan bytes the
 *   frame's blocks need: every 8×8 block codes at least a DC and an end of
 *   block, one bit each at the least.
 * - WebP and GIF: the container checks of readImageInfo only.
 *
 * Synchronous, with the CRC and the inflating counter given (see countInflatedRows). Self-contained
 * (no outer names): it is also the image worker's source text (image-worker.ts, where checkImageData
 * runs it).
 */
export function inspectImageData(
  crc32: ((data: Uint8Array) => number) | undefined,
  buf: Buffer,
  format: string,
  count: (data: readonly Buffer[], expected: number, passes: RowPlan[]) => InflateCount,
): ImageDataResult {
  if (format === "png") return checkPng();
  if (format === "jpeg") return checkJpeg();
  return { ok: true };

  function checkPng(): ImageDataResult {
    /** Bit depths allowed for each PNG colour type, and its samples per pixel. */
    const colourTypes: Record<number, { depths: number[]; samples: number }> = {
      0: { depths: [1, 2, 4, 8, 16], samples: 1 },
      2: { depths: [8, 16], samples: 3 },
      3: { depths: [1, 2, 4, 8], samples: 1 },
      4: { depths: [8, 16], samples: 2 },
      6: { depths: [8, 16], samples: 4 },
    };
    let pos = 8;
    let header: { width: number; height: number; depth: number; colour: number; interlaced: boolean } | undefined;
    let sawPalette = false;
    const idat: Buffer[] = [];
    let idatEnded = false;
    while (pos + 12 <= buf.length) {
      const length = buf.readUInt32BE(pos);
      const type = buf.toString("latin1", pos + 4, pos + 8);
      const end = pos + 12 + length;
      if (end > buf.length) return { ok: false, message: `PNG chunk ${type} runs past the end of the file` };
      // Critical chunks (an upper-case first letter) must be whole: decoders refuse a wrong CRC there.
      const critical = (buf[pos + 4]! & 0x20) === 0;
      if (critical && crc32 && crc32(buf.subarray(pos + 4, pos + 8 + length)) !== buf.readUInt32BE(pos + 8 + length)) {
        return { ok: false, message: `PNG chunk ${type} at byte ${pos} has a wrong CRC (the file is damaged)` };
      }
      const data = buf.subarray(pos + 8, pos + 8 + length);
      if (type === "IHDR") {
        if (length !== 13) return { ok: false, message: `PNG IHDR is ${length} bytes, not 13` };
        const colour = data[9]!;
        const depth = data[8]!;
        const allowed = colourTypes[colour];
        if (!allowed || !allowed.depths.includes(depth)) return { ok: false, message: `PNG colour type ${colour} with bit depth ${depth} is not a valid combination` };
        if (data[10] !== 0 || data[11] !== 0 || data[12]! > 1) return { ok: false, message: `PNG IHDR declares compression ${data[10]}, filter ${data[11]}, interlace ${data[12]}: not PNG's` };
        header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth, colour, interlaced: data[12] === 1 };
      } else if (type === "PLTE") {
        sawPalette = true;
      } else if (type === "IDAT") {
        if (idatEnded) return { ok: false, message: "PNG image data (IDAT) is split by another chunk" };
        if (header?.colour === 3 && !sawPalette) return { ok: false, message: "PNG palette image without a palette (PLTE) before its data" };
        idat.push(data);
      } else if (type === "IEND") {
        break;
      } else if (idat.length > 0) {
        idatEnded = true;
      }
      pos = end;
    }
    if (!header) return { ok: false, message: "PNG without IHDR" };
    if (idat.length === 0) return { ok: false, message: "PNG without image data (IDAT)" };
    const bitsPerPixel = header.depth * colourTypes[header.colour]!.samples;
    // The rows of each pass (one pass unless interlaced): how many, and their length with the filter byte.
    const stride = (w: number) => 1 + Math.ceil((w * bitsPerPixel) / 8);
    const passes: RowPlan[] = [];
    if (!header.interlaced) {
      passes.push({ rows: header.height, stride: stride(header.width) });
    } else {
      const adam7 = [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ] as const;
      for (const [x0, y0, dx, dy] of adam7) {
        const w = Math.ceil((header.width - x0) / dx);
        const h = Math.ceil((header.height - y0) / dy);
        if (w > 0 && h > 0) passes.push({ rows: h, stride: stride(w) });
      }
    }
    let expected = 0;
    for (const p of passes) expected += p.rows * p.stride;
    const got = count(idat, expected, passes);
    if (got.badFilter !== undefined) return { ok: false, message: `PNG row ${got.badFilter.row} starts with filter type ${got.badFilter.value} (0-4 only): the image data is damaged` };
    if (got.bytes < expected) {
      const why = got.error ? ` before zlib failed (${got.error})` : "";
      return { ok: false, message: `PNG image data inflates to ${got.bytes} bytes${why}; its ${header.width}×${header.height} header needs ${expected}` };
    }
    return { ok: true };
  }

  function checkJpeg(): ImageDataResult {
  /** SOFn markers that start a frame (C4 DHT, C8 JPG and CC DAC are not frames). */
  const isFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    let pos = 2;
    let frame: { baseline: boolean; width: number; height: number; components: { h: number; v: number }[] } | undefined;
    let scans = 0;
    let scanBytes = 0;
    for (;;) {
      if (pos + 2 > buf.length) return { ok: false, message: "JPEG ends before its end-of-image marker" };
      if (buf[pos] !== 0xff) return { ok: false, message: `JPEG has no marker at byte ${pos} (damaged segment lengths)` };
      const marker = buf[pos + 1]!;
      if (marker === 0xff) {
        pos++; // fill byte
        continue;
      }
      if (marker === 0xd9) break;
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        pos += 2;
        continue;
      }
      if (pos + 4 > buf.length) return { ok: false, message: "JPEG ends inside a segment header" };
      const length = buf.readUInt16BE(pos + 2);
      const end = pos + 2 + length;
      if (length < 2 || end > buf.length) return { ok: false, message: `JPEG segment ${marker.toString(16)} at byte ${pos} runs past the end of the file` };
      if (isFrame(marker)) {
        const n = buf[pos + 9] ?? 0;
        if (length !== 8 + 3 * n || n === 0) return { ok: false, message: `JPEG frame header of ${length} bytes for ${n} components` };
        const components = [];
        for (let i = 0; i < n; i++) {
          const hv = buf[pos + 11 + 3 * i]!;
          const h = hv >> 4;
          const v = hv & 15;
          if (h < 1 || h > 4 || v < 1 || v > 4) return { ok: false, message: `JPEG component ${i} has sampling ${h}×${v}` };
          components.push({ h, v });
        }
        frame = { baseline: marker === 0xc0 || marker === 0xc1, height: buf.readUInt16BE(pos + 5), width: buf.readUInt16BE(pos + 7), components };
        pos = end;
        continue;
      }
      if (marker === 0xda) {
        if (!frame) return { ok: false, message: "JPEG scan before any frame header" };
        scans++;
        // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart marker.
        let at = end;
        for (;;) {
          const ff = buf.indexOf(0xff, at);
          if (ff < 0 || ff + 1 >= buf.length) return { ok: false, message: "JPEG scan data runs to the end of the file (no end-of-image marker)" };
          const next = buf[ff + 1]!;
          if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
            at = ff + (next === 0xff ? 1 : 2);
            continue;
          }
          scanBytes += ff - end;
          pos = ff;
          break;
        }
        continue;
      }
      pos = end;
    }
    if (!frame) return { ok: false, message: "JPEG without a frame header" };
    if (scans === 0) return { ok: false, message: "JPEG without image data (no scan)" };
    if (frame.baseline) {
      const hMax = Math.max(...frame.components.map((c) => c.h));
      const vMax = Math.max(...frame.components.map((c) => c.v));
      let blocks = 0;
      for (const c of frame.components) blocks += Math.ceil(Math.ceil((frame.width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((frame.height * c.v) / vMax) / 8);
      const least = Math.ceil((blocks * 2) / 8);
      if (scanBytes < least) return { ok: false, message: `JPEG scan data is ${scanBytes} bytes; its ${frame.width}×${frame.height} frame (${blocks} blocks) needs at least ${least}` };
    }
    return { ok: true };
  }
}
