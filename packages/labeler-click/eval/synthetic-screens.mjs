// Synthetic GUI screenshots with known element rectangles, for the click
// labeler's evaluation (eval/evaluate.mjs) and its tests. Everything is drawn
// from a seed: the same (seed, index) gives the same PNG bytes and elements.
//
// A screen is a background (flat, gradient or textured, painted pixel by pixel),
// panels (flat, gradient or textured rectangles), then an SVG overlay with
// buttons (label text or glyph-like bars), bordered text fields (with free text
// labels next to them, which are not elements), tile icons (a coloured rounded
// square with a white glyph) and glyph icons (a plain filled shape).
import { seededRandom } from "@qontinui/export-core";
import sharp from "sharp";

export const SCREEN_WIDTH = 1280;
export const SCREEN_HEIGHT = 720;
export const BACKGROUND_KINDS = ["flat", "gradient", "textured"];
export const ELEMENT_KINDS = ["panel", "button", "field", "tile_icon", "glyph_icon"];

const THEMES = [
  { name: "light", bg: [243, 243, 243], panel: [[255, 255, 255], [230, 233, 238], [250, 247, 240]], text: [40, 40, 40], field: [255, 255, 255], border: [180, 180, 180] },
  { name: "white", bg: [255, 255, 255], panel: [[240, 242, 245], [225, 230, 236]], text: [30, 30, 30], field: [255, 255, 255], border: [200, 200, 200] },
  { name: "dark", bg: [43, 43, 43], panel: [[60, 63, 65], [30, 31, 34]], text: [220, 220, 220], field: [69, 73, 74], border: [100, 100, 100] },
  { name: "slate", bg: [32, 44, 62], panel: [[44, 58, 80], [24, 33, 48]], text: [225, 230, 240], field: [55, 70, 94], border: [90, 110, 140] },
];
const BUTTON_COLOURS = [[0, 120, 212], [16, 124, 16], [209, 52, 56], [255, 185, 0], [92, 45, 145], [0, 153, 188], [225, 225, 225], [96, 94, 92]];
const ICON_COLOURS = [[0, 120, 212], [16, 124, 16], [209, 52, 56], [230, 120, 0], [92, 45, 145], [0, 153, 188], [200, 30, 120], [70, 70, 70]];
const WORDS = ["OK", "Cancel", "Save", "Open file", "Submit", "Next", "Log in", "Apply", "Search", "Settings", "Delete", "Export"];
const LABELS = ["Name", "Email", "Password", "Search", "User name", "Address", "City", "Phone", "Project", "Filter"];
const TEXTURES = ["noise", "stripes", "checker", "dots"];
const GLYPH_SHAPES = ["circle", "diamond", "triangle", "plus"];
const TILE_GLYPHS = ["circle", "plus", "triangle", "ring", "bars", "square"];

/** A 32-bit mix of the seed, the screen index and a stream tag, so every screen (and its clicks) has its own stream. */
function streamSeed(seed, index, tag) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(tag, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function random(seed, index, tag) {
  const rand = seededRandom(streamSeed(seed, index, tag));
  return {
    rand,
    int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(rand() * xs.length)],
    chance: (p) => rand() < p,
  };
}

const clampByte = (v) => Math.max(0, Math.min(255, Math.round(v)));
const hex = (c) => `#${c.map((v) => clampByte(v).toString(16).padStart(2, "0")).join("")}`;
const shade = (c, d) => c.map((v) => clampByte(v + d));
const lum = (c) => c[0] * 0.299 + c[1] * 0.587 + c[2] * 0.114;
const escapeXml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function overlaps(a, b, gap = 6) {
  return a[0] < b[0] + b[2] + gap && b[0] < a[0] + a[2] + gap && a[1] < b[1] + b[3] + gap && b[1] < a[1] + a[3] + gap;
}

function inside(box, outer, margin) {
  return box[0] >= outer[0] + margin && box[1] >= outer[1] + margin && box[0] + box[2] <= outer[0] + outer[2] - margin && box[1] + box[3] <= outer[1] + outer[3] - margin;
}

// ---------------------------------------------------------------------------
// Pixel fills (background and panels)
// ---------------------------------------------------------------------------

/** A fill for a rectangle: flat colour, linear gradient, or a texture. */
function makeFill(kind, base, r, { strong }) {
  if (kind === "flat") return { type: "flat", color: base };
  if (kind === "gradient") {
    // A screen-wide gradient spans a large colour range; a panel's is gentler.
    const span = strong ? r.int(50, 110) : r.int(20, 50);
    const dir = lum(base) > 128 ? -1 : 1;
    const to = base.map((v) => v + dir * span * (0.6 + 0.4 * r.rand()) + r.int(-15, 15));
    return { type: "gradient", from: base, to: to.map(clampByte), angle: r.rand() * 2 * Math.PI };
  }
  const pattern = r.pick(TEXTURES);
  const dir = lum(base) > 128 ? -1 : 1;
  return {
    type: "texture",
    pattern,
    base,
    amplitude: r.int(8, 20), // noise: ± per pixel
    contrast: dir * r.int(12, 40), // stripes, checker, dots: the pattern's colour step
    period: r.int(2, 5),
    cell: r.int(1, 3),
    dot: r.int(1, 2),
    orientation: r.pick(["horizontal", "vertical", "diagonal"]),
    grain: r.int(0, 4), // fine noise on top of the pattern
    noiseSeed: r.int(1, 2 ** 30),
  };
}

/** Paints `fill` into an RGB buffer over the rectangle `box`. */
function paint(buf, width, box, fill) {
  const [x0, y0, w, h] = box;
  // Uint8ClampedArray rounds and clamps on assignment.
  const px = new Uint8ClampedArray(buf.buffer, buf.byteOffset, buf.length);
  if (fill.type === "flat") {
    const [a, b, c] = fill.color;
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0, o = (y * width + x0) * 3; x < x0 + w; x++, o += 3) {
        px[o] = a;
        px[o + 1] = b;
        px[o + 2] = c;
      }
    }
    return;
  }
  if (fill.type === "gradient") {
    const dx = Math.cos(fill.angle);
    const dy = Math.sin(fill.angle);
    const span = Math.abs(w * dx) + Math.abs(h * dy) || 1;
    const cx = x0 + w / 2;
    const cy = y0 + h / 2;
    const [f0, f1, f2] = fill.from;
    const [d0, d1, d2] = fill.to.map((v, i) => v - fill.from[i]);
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0, o = (y * width + x0) * 3; x < x0 + w; x++, o += 3) {
        const t = Math.max(0, Math.min(1, ((x - cx) * dx + (y - cy) * dy) / span + 0.5));
        px[o] = f0 + d0 * t;
        px[o + 1] = f1 + d1 * t;
        px[o + 2] = f2 + d2 * t;
      }
    }
    return;
  }
  const noise = seededRandom(fill.noiseSeed);
  const [a, b, c] = fill.base;
  const { pattern, orientation, period, cell, dot, contrast, amplitude, grain } = fill;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0, o = (y * width + x0) * 3; x < x0 + w; x++, o += 3) {
      let d;
      if (pattern === "noise") d = (noise() * 2 - 1) * amplitude;
      else {
        let on;
        if (pattern === "stripes") on = (orientation === "horizontal" ? y : orientation === "vertical" ? x : x + y) % period === 0;
        else if (pattern === "checker") on = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0;
        else on = x % (period + 2) < dot && y % (period + 2) < dot;
        d = (on ? contrast : 0) + (noise() * 2 - 1) * grain;
      }
      px[o] = a + d;
      px[o + 1] = b + d;
      px[o + 2] = c + d;
    }
  }
}

// ---------------------------------------------------------------------------
// SVG overlay (widgets, icons, text)
// ---------------------------------------------------------------------------

function textLike(r, x, y, w, h, colour) {
  // Either real SVG text or glyph-like bars (text-like noise).
  if (r.chance(0.5)) {
    const size = Math.max(9, Math.min(16, Math.floor(h * 0.5)));
    return `<text x="${x + w / 2}" y="${y + h / 2 + size * 0.35}" font-family="sans-serif" font-size="${size}" text-anchor="middle" fill="${hex(colour)}">${escapeXml(r.pick(WORDS))}</text>`;
  }
  const gh = Math.max(5, Math.floor(h * 0.35));
  const n = r.int(3, Math.max(3, Math.floor(w / 12)));
  let gx = x + Math.floor(w * 0.2);
  const gy = y + Math.floor((h - gh) / 2);
  let out = "";
  for (let i = 0; i < n && gx < x + w * 0.8; i++) {
    const gw = r.int(2, 6);
    out += `<rect x="${gx}" y="${gy + r.int(0, 2)}" width="${gw}" height="${gh - r.int(0, 2)}" fill="${hex(colour)}"/>`;
    gx += gw + r.int(1, 4);
  }
  return out;
}

/** SVG for a filled shape inscribed in the square [x, y, s, s]. */
function shapeSvg(shape, x, y, s, colour) {
  const c = hex(colour);
  const mx = x + s / 2;
  const my = y + s / 2;
  if (shape === "circle") return `<circle cx="${mx}" cy="${my}" r="${s / 2}" fill="${c}"/>`;
  if (shape === "diamond") return `<polygon points="${mx},${y} ${x + s},${my} ${mx},${y + s} ${x},${my}" fill="${c}"/>`;
  if (shape === "triangle") return `<polygon points="${x},${y} ${x + s},${my} ${x},${y + s}" fill="${c}"/>`;
  const t = Math.max(3, Math.round(s * 0.36));
  const o = (s - t) / 2;
  return `<rect x="${x + o}" y="${y}" width="${t}" height="${s}" fill="${c}"/><rect x="${x}" y="${y + o}" width="${s}" height="${t}" fill="${c}"/>`;
}

/** The white glyph of a tile icon, centred in the tile [x, y, s, s]. */
function tileGlyphSvg(glyph, x, y, s, g) {
  const gs = Math.max(6, Math.round(s * g));
  const gx = x + (s - gs) / 2;
  const gy = y + (s - gs) / 2;
  const white = "#ffffff";
  const stroke = Math.max(1.5, s / 14);
  if (glyph === "ring") return `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${gs / 2 - stroke / 2}" fill="none" stroke="${white}" stroke-width="${stroke}"/>`;
  if (glyph === "square") return `<rect x="${gx + stroke / 2}" y="${gy + stroke / 2}" width="${gs - stroke}" height="${gs - stroke}" fill="none" stroke="${white}" stroke-width="${stroke}"/>`;
  if (glyph === "bars") {
    const bh = Math.max(1.5, gs / 6);
    return [0, 0.5, 1].map((f) => `<rect x="${gx}" y="${gy + f * (gs - bh)}" width="${gs}" height="${bh}" fill="${white}"/>`).join("");
  }
  return shapeSvg(glyph, gx, gy, gs, [255, 255, 255]);
}

/** Is (px, py) (pixel centre) inside the glyph shape inscribed in [x, y, s, s], at least `margin` px from its outline? */
function inShape(shape, x, y, s, px, py, margin) {
  const u = px + 0.5 - x;
  const v = py + 0.5 - y;
  const h = s / 2;
  if (shape === "circle") return Math.hypot(u - h, v - h) <= h - margin;
  if (shape === "diamond") return Math.abs(u - h) + Math.abs(v - h) <= h - margin * Math.SQRT2;
  if (shape === "triangle") return u >= margin && Math.abs(v - h) <= (h * (s - u)) / s - margin * 1.12;
  const t = Math.max(3, Math.round(s * 0.36));
  const o = (s - t) / 2;
  const inBar = (a, b) => a >= o + margin && a <= o + t - margin && b >= margin && b <= s - margin;
  return inBar(u, v) || inBar(v, u);
}

/** Is (px, py) inside the rounded rectangle [x, y, w, h] with corner radius rx? */
function inRoundedRect(box, rx, px, py) {
  const [x, y, w, h] = box;
  const u = px + 0.5;
  const v = py + 0.5;
  if (u < x || v < y || u > x + w || v > y + h) return false;
  if (!rx) return true;
  const cx = Math.min(Math.max(u, x + rx), x + w - rx);
  const cy = Math.min(Math.max(v, y + rx), y + h - rx);
  return Math.hypot(u - cx, v - cy) <= rx - 0.5;
}

// ---------------------------------------------------------------------------
// Screens
// ---------------------------------------------------------------------------

/**
 * One synthetic screenshot. The background kind rotates with the index
 * (flat, gradient, textured, flat, …) so every kind gets a fair share.
 * `noise` adds uniform per-pixel noise in [-noise, noise] to the whole image.
 *
 * Returns `{ index, seed, width, height, png, background, texture, theme, elements }`;
 * each element is `{ kind, box: [x, y, w, h], depth, rx?, shape?, fill? }` (depth 0:
 * panels, 1: widgets and icons; `fill` is a panel's own fill kind). Types: synthetic-screens.d.mts.
 */
export async function syntheticScreen(seed, index, { noise = 0 } = {}) {
  const r = random(seed, index, 1);
  const W = SCREEN_WIDTH;
  const H = SCREEN_HEIGHT;
  const background = BACKGROUND_KINDS[index % BACKGROUND_KINDS.length];
  const theme = r.pick(THEMES);
  const pixels = Buffer.alloc(W * H * 3);
  const bgFill = makeFill(background, theme.bg, r, { strong: true });
  paint(pixels, W, [0, 0, W, H], bgFill);

  const elements = [];
  const occupied = []; // widget, icon and label boxes: nothing else is drawn over them
  let defs = "";
  let body = "";

  // Panels (containers), not overlapping; their fill follows the screen's kind half of the time.
  const panels = [];
  const panelCount = r.int(1, 3);
  for (let tries = 0; panels.length < panelCount && tries < 50; tries++) {
    const box = [r.int(0, W - 250), r.int(0, H - 200), r.int(250, 560), r.int(200, 420)];
    box[2] = Math.min(box[2], W - box[0]);
    box[3] = Math.min(box[3], H - box[1]);
    if (panels.some((p) => overlaps(p, box, 10))) continue;
    panels.push(box);
    const fillKind = background !== "flat" && r.chance(background === "gradient" ? 0.5 : 0.25) ? background : "flat";
    paint(pixels, W, box, makeFill(fillKind, r.pick(theme.panel), r, { strong: false }));
    if (r.chance(0.5)) body += `<rect x="${box[0] + 0.5}" y="${box[1] + 0.5}" width="${box[2] - 1}" height="${box[3] - 1}" fill="none" stroke="${hex(theme.border)}" stroke-width="1"/>`;
    elements.push({ kind: "panel", box, depth: 0, fill: fillKind });
  }

  /** A free spot for a w×h box (inside one panel or clear of all panels), or undefined. */
  const place = (w, h, extra = () => true) => {
    for (let tries = 0; tries < 60; tries++) {
      const box = [r.int(4, W - w - 4), r.int(4, H - h - 4), w, h];
      if (occupied.some((o) => overlaps(o, box))) continue;
      if (panels.some((p) => overlaps(p, box, 0) && !inside(box, p, 4))) continue;
      if (!extra(box)) continue;
      return box;
    }
    return undefined;
  };

  // Buttons and text fields (with a free text label left of the field, or above it).
  const widgetCount = r.int(6, 14);
  for (let n = 0, tries = 0; n < widgetCount && tries < 40; tries++) {
    const kind = r.chance(0.6) ? "button" : "field";
    const w = kind === "button" ? r.int(50, 200) : r.int(140, 360);
    const h = kind === "button" ? r.int(22, 48) : r.int(22, 36);
    let label;
    const box = place(w, h, (b) => {
      if (kind !== "field" || !r.chance(0.7)) return true;
      const text = r.pick(LABELS);
      const size = r.int(11, 14);
      const tw = Math.ceil(text.length * size * 0.6);
      const left = [b[0] - tw - 10, b[1] + Math.floor((h - size) / 2), tw, size + 4];
      const above = [b[0], b[1] - size - 8, tw, size + 4];
      for (const spot of [left, above]) {
        if (spot[0] < 2 || spot[1] < 2) continue;
        if (occupied.some((o) => overlaps(o, spot, 4))) continue;
        if (panels.some((p) => overlaps(p, spot, 0) && !inside(spot, p, 2))) continue;
        label = { text, size, spot };
        return true;
      }
      return true;
    });
    if (box === undefined) continue;
    n++;
    occupied.push(box);
    const [x, y] = box;
    const rx = r.chance(0.5) ? r.int(2, 6) : 0;
    if (kind === "button") {
      const c = r.pick(BUTTON_COLOURS);
      let fill = hex(c);
      if (r.chance(0.3)) {
        const id = `g${index}_${elements.length}`;
        defs += `<linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(shade(c, 25))}"/><stop offset="1" stop-color="${hex(shade(c, -25))}"/></linearGradient>`;
        fill = `url(#${id})`;
      }
      const border = r.chance(0.4) ? ` stroke="${hex(shade(c, -50))}" stroke-width="1"` : "";
      body += `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" fill="${fill}"${border}/>`;
      body += textLike(r, x, y, w, h, lum(c) > 150 ? [20, 20, 20] : [255, 255, 255]);
    } else {
      body += `<rect x="${x + 0.5}" y="${y + 0.5}" width="${w - 1}" height="${h - 1}" rx="${rx}" fill="${hex(theme.field)}" stroke="${hex(theme.border)}" stroke-width="1"/>`;
      const dim = shade(theme.text, lum(theme.field) > 128 ? 80 : -60);
      // Placeholder text, left-aligned inside the field.
      if (r.chance(0.7)) body += textLike(r, x + 2, y, w * 0.5, h, dim);
      if (label) {
        occupied.push(label.spot);
        const [lx, ly, lw] = label.spot;
        body += `<text x="${lx + lw}" y="${ly + label.size}" font-family="sans-serif" font-size="${label.size}" text-anchor="end" fill="${hex(theme.text)}">${escapeXml(label.text)}</text>`;
      }
    }
    elements.push({ kind, box, depth: 1, rx });
  }

  // Icons: tiles (coloured rounded square, white glyph) and glyphs (a plain filled shape).
  const iconCount = r.int(3, 8);
  for (let n = 0, tries = 0; n < iconCount && tries < 30; tries++) {
    const kind = r.chance(0.5) ? "tile_icon" : "glyph_icon";
    const s = kind === "tile_icon" ? r.int(16, 48) : r.int(16, 40);
    const box = place(s, s);
    if (box === undefined) continue;
    n++;
    occupied.push(box);
    const [x, y] = box;
    if (kind === "tile_icon") {
      const rx = r.int(2, Math.max(2, Math.floor(s / 4)));
      body += `<rect x="${x}" y="${y}" width="${s}" height="${s}" rx="${rx}" fill="${hex(r.pick(ICON_COLOURS))}"/>`;
      body += tileGlyphSvg(r.pick(TILE_GLYPHS), x, y, s, 0.45 + 0.2 * r.rand());
      elements.push({ kind, box, depth: 1, rx });
    } else {
      const shape = r.pick(GLYPH_SHAPES);
      // Dark glyphs on light screens, light ones on dark screens, or an accent colour.
      const accents = ICON_COLOURS.filter((c) => Math.abs(lum(c) - lum(theme.bg)) >= 40);
      const colour = r.chance(0.5) ? r.pick(accents) : lum(theme.bg) > 128 ? [50, 50, 55] : [235, 235, 240];
      body += shapeSvg(shape, x, y, s, colour);
      elements.push({ kind, box, depth: 1, shape });
    }
  }

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs>${defs}</defs>${body}</svg>`;
  let raw = await sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  if (noise > 0) {
    const nr = seededRandom(streamSeed(seed, index, 2));
    raw = Buffer.from(raw);
    for (let i = 0; i < raw.length; i++) raw[i] = clampByte(raw[i] + Math.round((nr() * 2 - 1) * noise));
  }
  const png = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const texture = bgFill.type === "texture" ? bgFill.pattern : undefined;
  return { index, seed, width: W, height: H, png, background, texture, theme: theme.name, elements };
}

/** The innermost element under (x, y): the deepest one whose box holds the point. */
export function elementAt(elements, x, y) {
  let best;
  for (const e of elements) {
    const [ex, ey, ew, eh] = e.box;
    if (x >= ex && y >= ey && x < ex + ew && y < ey + eh && (best === undefined || e.depth > best.depth)) best = e;
  }
  return best;
}

/**
 * `count` clicks on a screen, each `{ x, y, element }` with the innermost
 * element under the point as the truth. A click picks an element at random
 * and a point inside it (not in a rounded-off corner); on a glyph icon, a
 * point of the shape in the central half of its box, as a person clicks an
 * icon. Seeded by (seed, screen index), independent of the screen's drawing.
 */
export function sampleClicks(screen, count, seed = screen.seed) {
  const r = random(seed, screen.index, 3);
  const clicks = [];
  for (let c = 0; c < count; c++) {
    const target = r.pick(screen.elements);
    const [x0, y0, w, h] = target.box;
    let x = 0;
    let y = 0;
    for (let tries = 0; tries < 200; tries++) {
      if (target.kind === "glyph_icon") {
        x = x0 + Math.floor(w / 4) + r.int(0, Math.max(0, Math.ceil(w / 2) - 1));
        y = y0 + Math.floor(h / 4) + r.int(0, Math.max(0, Math.ceil(h / 2) - 1));
        if (inShape(target.shape, x0, y0, w, x, y, 1)) break;
      } else {
        x = x0 + r.int(1, w - 2);
        y = y0 + r.int(1, h - 2);
        if (inRoundedRect(target.box, target.rx ?? 0, x, y)) break;
      }
    }
    clicks.push({ x, y, element: elementAt(screen.elements, x, y) });
  }
  return clicks;
}
