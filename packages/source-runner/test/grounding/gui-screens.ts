import { createHash } from "node:crypto";
import sharp from "sharp";

export type Box = [number, number, number, number];

/** A GUI element drawn on a screen, as a grounding line lists it (plus the fill it was drawn with). */
export interface DrawnElement {
  role: string;
  text?: string;
  bbox: Box;
  interactable?: boolean;
  /** The element's solid fill, unique on its screen: its box can be found exactly in the pixels. */
  fill: [number, number, number];
}

export interface Screen {
  width: number;
  height: number;
  png: Buffer;
  /** First 16 hex of the SHA-256 of the PNG bytes: the writer's image_hash and file name. */
  hash: string;
  elements: DrawnElement[];
}

/**
 * A full-size GUI-like screen: title bar, toolbar buttons, a sidebar of
 * links, a form of text boxes and a checkbox, and (on wide screens) a button
 * far right, each a solid rectangle with a label, plus a "photo" panel of
 * noise (so the PNG weighs what a real screenshot does, well over 64 KiB).
 * `seed` changes the colours and the noise, so every screen has its own hash.
 */
export async function guiScreen(width: number, height: number, seed: number): Promise<Screen> {
  const elements: DrawnElement[] = [];
  const fill = (): [number, number, number] => {
    const i = elements.length;
    // r is unique per element (and never a background colour); g and b vary with the seed.
    return [200 - i * 5, (60 + seed * 23) % 160 + 40, (90 + i * 3 + seed * 7) % 150 + 50];
  };
  const add = (role: string, bbox: Box, text?: string, interactable = true) => elements.push({ role, bbox, interactable, fill: fill(), ...(text !== undefined ? { text } : {}) });

  ["File", "Edit", "View", "Run", "Help"].forEach((t, i) => add("button", [16 + i * 96, 48, 84, 28], t));
  ["Home", "Projects", "Runs", "Datasets", "Settings", "Account"].forEach((t, i) => add(i % 2 ? "menuitem" : "link", [16, 100 + i * 44, 200, 34], t));
  ["Name", "Email", "Workspace", "Region"].forEach((t, i) => add("textbox", [260, 100 + i * 64, 360, 36], t));
  add("checkbox", [260, 360, 20, 20], undefined);
  add("statictext", [290, 360, 180, 20], "Remember me", false);
  if (width >= 1920) add("button", [1700, 100, 180, 40], "Sign out");

  const photo = { left: Math.round(width * 0.55), top: Math.round(height * 0.55), width: Math.round(width * 0.4), height: Math.round(height * 0.35) };
  const hex = (c: [number, number, number]) => `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
  const rects = elements
    .map((e) => {
      const [x, y, w, h] = e.bbox;
      const label = e.text && e.role !== "checkbox" ? `<text x="${x + w / 2}" y="${y + h / 2 + 4}" font-family="sans-serif" font-size="${Math.min(13, h - 8)}" fill="#ffffff" text-anchor="middle">${e.text}</text>` : "";
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${hex(e.fill)}" shape-rendering="crispEdges"/>${label}`;
    })
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#f5f6f8"/><stop offset="1" stop-color="#e8ebf0"/></linearGradient></defs>
<rect width="${width}" height="${height}" fill="url(#g)"/>
<rect width="${width}" height="36" fill="#1f2937" shape-rendering="crispEdges"/>
<text x="16" y="24" font-family="sans-serif" font-size="14" fill="#e5e7eb">qontinui — screen ${seed}</text>
<rect x="0" y="${height - 24}" width="${width}" height="24" fill="#d1d5db" shape-rendering="crispEdges"/>
${rects}</svg>`;

  // The photo panel: seeded noise, away from every element.
  const noise = Buffer.alloc(photo.width * photo.height * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < noise.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    noise[i] = state & 0xff;
  }
  const png = await sharp(Buffer.from(svg))
    .composite([{ input: noise, raw: { width: photo.width, height: photo.height, channels: 3 }, left: photo.left, top: photo.top }])
    .removeAlpha()
    .png()
    .toBuffer();
  return { width, height, png, hash: imageHash(png), elements };
}

export function imageHash(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** The elements as a grounding line writes them (compact: no null keys, no fill). */
export function lineElements(elements: DrawnElement[], withText = true): Record<string, unknown>[] {
  return elements.map((e) => ({ role: e.role, ...(withText && e.text !== undefined ? { text: e.text } : {}), bbox: e.bbox, ...(e.interactable !== undefined ? { interactable: e.interactable } : {}) }));
}

/** Decoded RGB pixels of a PNG. */
export async function pixels(png: Buffer): Promise<{ width: number; height: number; at(x: number, y: number): [number, number, number] }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const o = (y * info.width + x) * info.channels;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    },
  };
}

/**
 * Whether `bbox` is exactly the rectangle drawn with `fill`: its four corner
 * pixels have the fill, and the pixels just outside each edge do not.
 */
export function boxFitsFill(img: Awaited<ReturnType<typeof pixels>>, bbox: Box, fill: [number, number, number]): boolean {
  const [x, y, w, h] = bbox;
  const is = (px: number, py: number) => {
    if (px < 0 || py < 0 || px >= img.width || py >= img.height) return false;
    const c = img.at(px, py);
    return c[0] === fill[0] && c[1] === fill[1] && c[2] === fill[2];
  };
  const inside = is(x, y) && is(x + w - 1, y) && is(x, y + h - 1) && is(x + w - 1, y + h - 1);
  const midX = x + Math.floor(w / 2);
  const midY = y + Math.floor(h / 2);
  const outside = !is(x - 1, midY) && !is(x + w, midY) && !is(midX, y - 1) && !is(midX, y + h);
  return inside && outside;
}
