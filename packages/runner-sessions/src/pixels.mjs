// Pixel work on raw RGB buffers: a screen is rendered once from SVG, then every variant
// (debug visual, grounding capture with the pointer) is a copy with a few pixels changed,
// encoded straight from memory.
import sharp from "sharp";

const CHANNELS = 3;
/** Per-pixel grain of the photo regions: ±GRAIN per channel (a power of two). */
const GRAIN = 16;

/** Renders a laid-out screen to raw RGB and paints its photo regions. */
export async function renderRaw(layout, width, height) {
  const { data, info } = await sharp(layout.svg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== CHANNELS) {
    throw new Error(`rendered ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  for (const photo of layout.photos) paintPhoto(data, width, height, photo);
  return data;
}

/** xorshift32 over a seed: cheap per-pixel grain that is the same on every platform. */
function grain(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Bilinear value noise on a gw×gh grid of random values, one grid per channel. */
function valueNoise(rnd, gw, gh, amplitude) {
  return Array.from({ length: 3 }, () => Float32Array.from({ length: gw * gh }, () => (rnd() * 2 - 1) * amplitude));
}

/**
 * A photo-like picture: a sky/ground gradient, two octaves of value noise, a few soft blobs and
 * grain. Pictures are what make real screenshots heavy (a flat GUI compresses to nothing).
 * Written for speed: noise is interpolated once per row and column, blobs only where they are.
 */
export function paintPhoto(data, width, height, { x, y, w, h, seed }, grainAmplitude = GRAIN) {
  const next = grain(seed);
  const rnd = () => next() / 4294967296;
  const octaves = [
    { gw: 9, gh: 7, grid: valueNoise(rnd, 9, 7, 45) },
    { gw: 33, gh: 23, grid: valueNoise(rnd, 33, 23, 28) },
  ];
  const horizon = 0.35 + rnd() * 0.35;
  const sky = [90 + rnd() * 80, 130 + rnd() * 70, 190 + rnd() * 60];
  const ground = [60 + rnd() * 90, 80 + rnd() * 80, 40 + rnd() * 60];
  const blobs = Array.from({ length: 5 }, () => ({ cx: rnd() * w, cy: rnd() * h, r: (0.08 + rnd() * 0.2) * Math.min(w, h), c: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  const mask = grainAmplitude * 2 - 1;
  const x0 = Math.max(0, x);
  const x1 = Math.min(width, x + w);
  const y1 = Math.min(height, y + h);
  const cols = x1 - x0;
  if (cols <= 0) return;
  // Per column: grid cell and weight of each octave.
  const colCell = octaves.map(({ gw }) => {
    const ix = new Int32Array(cols);
    const fx = new Float32Array(cols);
    for (let i = 0; i < cols; i++) {
      const gx = ((x0 + i - x) / Math.max(1, w - 1)) * (gw - 1);
      ix[i] = Math.min(gw - 2, Math.floor(gx));
      fx[i] = gx - ix[i];
    }
    return { ix, fx };
  });
  const rowValues = octaves.map(({ gw }) => Array.from({ length: 3 }, () => new Float32Array(gw)));
  const line = new Float32Array(cols * 3);
  for (let py = Math.max(0, y); py < y1; py++) {
    const v = (py - y) / Math.max(1, h - 1);
    const base = v < horizon ? sky : ground;
    const shade = v < horizon ? 0.75 + 0.35 * (v / horizon) : 1.05 - 0.45 * ((v - horizon) / (1 - horizon));
    for (let i = 0, j = 0; i < cols; i++, j += 3) {
      line[j] = base[0] * shade;
      line[j + 1] = base[1] * shade;
      line[j + 2] = base[2] * shade;
    }
    octaves.forEach(({ gw, gh, grid }, k) => {
      const gy = v * (gh - 1);
      const iy = Math.min(gh - 2, Math.floor(gy));
      const fy = gy - iy;
      const rv = rowValues[k];
      for (let c = 0; c < 3; c++) {
        const g = grid[c];
        for (let gx = 0; gx < gw; gx++) rv[c][gx] = g[iy * gw + gx] * (1 - fy) + g[(iy + 1) * gw + gx] * fy;
      }
      const { ix, fx } = colCell[k];
      for (let c = 0; c < 3; c++) {
        const r = rv[c];
        for (let i = 0, j = c; i < cols; i++, j += 3) line[j] += r[ix[i]] * (1 - fx[i]) + r[ix[i] + 1] * fx[i];
      }
    });
    for (const blob of blobs) {
      const dy = py - y - blob.cy;
      if (Math.abs(dy) >= blob.r) continue;
      const half = Math.sqrt(blob.r * blob.r - dy * dy);
      const from = Math.max(0, Math.ceil(x + blob.cx - half) - x0);
      const to = Math.min(cols, Math.floor(x + blob.cx + half) - x0 + 1);
      for (let i = from; i < to; i++) {
        const dx = x0 + i - x - blob.cx;
        const d2 = (dx * dx + dy * dy) / (blob.r * blob.r);
        if (d2 >= 1) continue;
        const j = i * 3;
        line[j] = line[j] * d2 + blob.c[0] * (1 - d2);
        line[j + 1] = line[j + 1] * d2 + blob.c[1] * (1 - d2);
        line[j + 2] = line[j + 2] * d2 + blob.c[2] * (1 - d2);
      }
    }
    let o = (py * width + x0) * CHANNELS;
    for (let i = 0, j = 0; i < cols; i++, j += 3, o += 3) {
      const r = next();
      let n = line[j] + (r & mask) - grainAmplitude;
      data[o] = n < 0 ? 0 : n > 255 ? 255 : n;
      n = line[j + 1] + ((r >>> 8) & mask) - grainAmplitude;
      data[o + 1] = n < 0 ? 0 : n > 255 ? 255 : n;
      n = line[j + 2] + ((r >>> 16) & mask) - grainAmplitude;
      data[o + 2] = n < 0 ? 0 : n > 255 ? 255 : n;
    }
  }
}

/**
 * Draws a rectangle outline (thickness t) into `raw` itself and returns a function that puts
 * the old pixels back: a debug visual costs no copy of the frame.
 */
export function drawRectangle(raw, width, height, box, color, t = 2) {
  const saved = [];
  const fill = (x0, y0, x1, y1) => {
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(width, x1);
    y1 = Math.min(height, y1);
    for (let yy = y0; yy < y1; yy++) {
      const start = (yy * width + x0) * CHANNELS;
      const end = (yy * width + x1) * CHANNELS;
      if (end <= start) continue;
      saved.push([start, Buffer.from(raw.subarray(start, end))]);
      for (let o = start; o < end; o += CHANNELS) {
        raw[o] = color[0];
        raw[o + 1] = color[1];
        raw[o + 2] = color[2];
      }
    }
  };
  const { x, y, w, h } = box;
  fill(x - t, y - t, x + w + t, y);
  fill(x - t, y + h, x + w + t, y + h + t);
  fill(x - t, y, x, y + h);
  fill(x + w, y, x + w + t, y + h);
  return () => {
    for (let i = saved.length - 1; i >= 0; i--) saved[i][1].copy(raw, saved[i][0]);
  };
}

/** The rectangle of a frame around the whole image: how a debug visual says "not found". */
export const frameBox = (width, height, t) => ({ x: t, y: t, w: width - 2 * t, h: height - 2 * t });

/** A copy where the columns from `clip` on show the empty browser area of a narrow viewport. */
export function outsideViewport(raw, width, height, clip) {
  const out = Buffer.from(raw);
  for (let y = 0; y < height; y++) {
    for (let o = (y * width + clip) * CHANNELS, end = (y + 1) * width * CHANNELS; o < end; o++) out[o] = 0xe4;
  }
  return out;
}

// A mouse pointer, 12x19, as rows of "." (outside), "o" (outline) and "x" (fill).
const POINTER = [
  "o...........",
  "oo..........",
  "oxo.........",
  "oxxo........",
  "oxxxo.......",
  "oxxxxo......",
  "oxxxxxo.....",
  "oxxxxxxo....",
  "oxxxxxxxo...",
  "oxxxxxxxxo..",
  "oxxxxxxxxxo.",
  "oxxxxxxoooo.",
  "oxxxoxxo....",
  "oxxoooxxo...",
  "oxo..oxxo...",
  "oo....oxxo..",
  "o.....oxxo..",
  ".......oxxo.",
  ".......ooo..",
];

/** A copy with the mouse pointer drawn with its tip at (x, y), scaled by `scale`. */
export function withPointer(raw, width, height, x, y, scale = 1) {
  const out = Buffer.from(raw);
  const s = Math.max(1, Math.round(scale));
  POINTER.forEach((row, ry) => {
    for (let rx = 0; rx < row.length; rx++) {
      const ch = row[rx];
      if (ch === ".") continue;
      const v = ch === "o" ? 0 : 255;
      for (let dy = 0; dy < s; dy++) {
        for (let dx = 0; dx < s; dx++) {
          const px = x + rx * s + dx;
          const py = y + ry * s + dy;
          if (px < 0 || py < 0 || px >= width || py >= height) continue;
          const o = (py * width + px) * CHANNELS;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
        }
      }
    }
  });
  return out;
}

const rawInput = (width, height) => ({ raw: { width, height, channels: CHANNELS } });

/** Full-size JPEG q85, as the library sends screenshots since Dec 2025. */
export const encodeJpeg = (raw, width, height) => sharp(raw, rawInput(width, height)).jpeg({ quality: 85 }).toBuffer();

/**
 * PNG as a screen grabber writes it. Level 1 without adaptive filtering keeps a 3,000-frame
 * session fast; the bytes are a valid RGB PNG all the same.
 */
export const encodePng = (raw, width, height, compressionLevel = 1) => sharp(raw, rawInput(width, height)).png({ compressionLevel, adaptiveFiltering: false }).toBuffer();

/** imagehash.average_hash: 8x8 grey, each pixel above the mean is a 1 bit; 16 hex digits. */
export async function averageHash(raw, width, height) {
  const grey = await sharp(raw, rawInput(width, height)).greyscale().resize(8, 8, { fit: "fill", kernel: "lanczos3" }).raw().toBuffer();
  const mean = grey.reduce((a, b) => a + b, 0) / grey.length;
  let hex = "";
  for (let i = 0; i < 64; i += 4) hex += (((grey[i] > mean) << 3) | ((grey[i + 1] > mean) << 2) | ((grey[i + 2] > mean) << 1) | (grey[i + 3] > mean ? 1 : 0)).toString(16);
  return hex;
}

/** The old runner's thumbnail: a PNG with a 200 px long side. */
export function thumbnailSize(width, height) {
  return width >= height ? { width: 200, height: Math.max(1, Math.round((200 * height) / width)) } : { width: Math.max(1, Math.round((200 * width) / height)), height: 200 };
}

export function encodeThumbnail(raw, width, height) {
  const size = thumbnailSize(width, height);
  return sharp(raw, rawInput(width, height)).resize(size.width, size.height, { fit: "fill" }).png({ compressionLevel: 6 }).toBuffer();
}
