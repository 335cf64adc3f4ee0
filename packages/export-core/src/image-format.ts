/**
 * Image facts read from the file's header, without decoding pixels: the
 * format, the size, and (for PNG) whether the chunk structure is whole. This
 * is what lets an export run near the disk's speed.
 */
export type ImageFormat = "png" | "jpeg" | "webp" | "gif";

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA); VOC's `depth` uses channels without alpha. */
  channels: number;
}

export type ImageInfoResult = { ok: true; info: ImageInfo } | { ok: false; message: string };

export const IMAGE_EXTENSIONS: Record<ImageFormat, string> = {
  png: ".png",
  jpeg: ".jpg",
  webp: ".webp",
  gif: ".gif",
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads format and size from an image's bytes and checks that the container is whole. */
export function readImageInfo(bytes: Uint8Array): ImageInfoResult {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0) return { ok: false, message: "the file is empty (0 bytes)" };
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) return readPng(buf);
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return readJpeg(buf);
  if (buf.length >= 12 && buf.toString("latin1", 0, 4) === "RIFF" && buf.toString("latin1", 8, 12) === "WEBP") return readWebp(buf);
  if (buf.length >= 10 && (buf.toString("latin1", 0, 6) === "GIF87a" || buf.toString("latin1", 0, 6) === "GIF89a")) {
    return ok("gif", buf.readUInt16LE(6), buf.readUInt16LE(8), 4);
  }
  return { ok: false, message: "not a PNG, JPEG, WebP or GIF file (unknown signature)" };
}

function ok(format: ImageFormat, width: number, height: number, channels: number): ImageInfoResult {
  if (!(width > 0 && height > 0)) return { ok: false, message: `${format} declares a size of ${width}×${height}` };
  return { ok: true, info: { format, width, height, channels } };
}

/** Walks every chunk: a truncated file or a missing IEND is refused. */
function readPng(buf: Buffer): ImageInfoResult {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  let sawIhdr = false;
  let sawIdat = false;
  while (pos + 8 <= buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > buf.length) return { ok: false, message: `truncated PNG: chunk ${type} runs past the end of the file` };
    if (!sawIhdr) {
      if (type !== "IHDR" || length < 13) return { ok: false, message: "corrupt PNG: the first chunk is not IHDR" };
      width = buf.readUInt32BE(pos + 8);
      height = buf.readUInt32BE(pos + 12);
      const colorType = buf[pos + 17];
      channels = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 6 ? 4 : colorType === 3 ? 3 : 3;
      sawIhdr = true;
    } else if (type === "IDAT") {
      sawIdat = true;
    } else if (type === "IEND") {
      if (!sawIdat) return { ok: false, message: "corrupt PNG: no image data (IDAT)" };
      return ok("png", width, height, channels);
    }
    pos = end;
  }
  return { ok: false, message: sawIhdr ? "truncated PNG: no IEND chunk" : "truncated PNG header" };
}

function readJpeg(buf: Buffer): ImageInfoResult {
  let pos = 2;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) return { ok: false, message: "corrupt JPEG: bad marker" };
    const marker = buf[pos + 1] as number;
    if (marker === 0xff) {
      pos += 1;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const length = buf.readUInt16BE(pos + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (pos + 10 > buf.length) break;
      const height = buf.readUInt16BE(pos + 5);
      const width = buf.readUInt16BE(pos + 7);
      const components = buf[pos + 9] as number;
      // A whole JPEG ends with EOI; a cut one is refused like a cut PNG.
      const tail = buf.subarray(Math.max(0, buf.length - 64));
      if (tail.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0) return { ok: false, message: "truncated JPEG: no end-of-image marker" };
      return ok("jpeg", width, height, components);
    }
    pos += 2 + length;
  }
  return { ok: false, message: "truncated JPEG: no frame header" };
}

function readWebp(buf: Buffer): ImageInfoResult {
  const riffSize = buf.readUInt32LE(4);
  if (riffSize + 8 > buf.length) return { ok: false, message: "truncated WebP: file shorter than its RIFF size" };
  const chunk = buf.toString("latin1", 12, 16);
  if (chunk === "VP8X" && buf.length >= 30) {
    const width = 1 + buf.readUIntLE(24, 3);
    const height = 1 + buf.readUIntLE(27, 3);
    const alpha = ((buf[20] as number) & 0x10) !== 0;
    return ok("webp", width, height, alpha ? 4 : 3);
  }
  if (chunk === "VP8 " && buf.length >= 30) {
    return ok("webp", buf.readUInt16LE(26) & 0x3fff, buf.readUInt16LE(28) & 0x3fff, 3);
  }
  if (chunk === "VP8L" && buf.length >= 25) {
    const b = buf.readUInt32LE(21);
    return ok("webp", (b & 0x3fff) + 1, ((b >> 14) & 0x3fff) + 1, 4);
  }
  return { ok: false, message: "corrupt WebP: unknown chunk" };
}
