/**
 * Screenshots for the contract: full-size 1920×1080 screens drawn with sharp
 * (an optional peer dependency, loaded only here), as PNG and JPEG.
 */

export interface ContractImages {
  png: Buffer;
  jpeg: Buffer;
}

/** A small deterministic generator (mulberry32): the same seed draws the same screen. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGB pixels of a desktop: a gradient, a title bar, windows with buttons, and a photo-like noisy panel. */
export function drawScreen(width: number, height: number, seed: number): Buffer {
  const next = random(seed);
  const px = Buffer.alloc(width * height * 3);
  const fill = (x0: number, y0: number, w: number, h: number, rgb: [number, number, number]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) px.set(rgb, (y * width + x) * 3);
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) px.set([(x * 255) / width, (y * 255) / height, 128 + (seed % 100)], (y * width + x) * 3);
  fill(0, 0, width, 40, [32, 32, 40]);
  for (let w = 0; w < 6; w++) {
    const x = Math.floor(next() * (width - 500));
    const y = 40 + Math.floor(next() * (height - 400));
    fill(x, y, 480, 340, [240, 240, 240]);
    fill(x, y, 480, 28, [60, 90, 200]);
    for (let b = 0; b < 4; b++) fill(x + 20 + b * 110, y + 280, 96, 36, [200, 200, 210]);
  }
  const nx = Math.floor(width / 2);
  const ny = Math.floor(height / 2);
  for (let y = ny; y < Math.min(height, ny + 360); y++)
    for (let x = nx; x < Math.min(width, nx + 640); x++) px.set([next() * 255, next() * 255, next() * 255], (y * width + x) * 3);
  return px;
}

/** A 1920×1080 screen as PNG and as JPEG; `seed` makes different bytes. */
export async function contractImages(seed = 1): Promise<ContractImages> {
  let sharp: (typeof import("sharp"))["default"];
  try {
    sharp = (await import("sharp")).default;
  } catch {
    throw new Error("the blob store contract draws its screenshots with sharp: add sharp as a devDependency (pnpm add -D sharp)");
  }
  const raw = { raw: { width: 1920, height: 1080, channels: 3 as const } };
  const pixels = drawScreen(1920, 1080, seed);
  const [png, jpeg] = await Promise.all([sharp(pixels, raw).png().toBuffer(), sharp(pixels, raw).jpeg({ quality: 85 }).toBuffer()]);
  return { png, jpeg };
}
