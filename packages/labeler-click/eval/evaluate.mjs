// Synthetic GUI screenshots with known element boxes; clicks inside the
// elements; compares the smart and fixed modes of the built labeler.
// Usage: pnpm run build && pnpm run eval  [-- --screens 50 --seed 7]
import { contentId, iou, seededRandom } from "@qontinui/export-core";
import sharp from "sharp";
import { clickLabeler } from "../dist/index.js";

const args = process.argv.slice(2);
const arg = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const SCREENS = arg("screens", 50);
const CLICKS_PER_SCREEN = arg("clicks", 3);
const SEED = arg("seed", 7);
// --noise N adds uniform per-pixel noise in [-N, N] (sensor/compression-like), to test robustness.
const NOISE = arg("noise", 0);
const W = 1280;
const H = 720;

// Seeded (mulberry32), so the eval is reproducible.
const rand = seededRandom(SEED);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (c) => `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, "0")).join("")}`;
const shade = (c, d) => c.map((v) => v + d);

const THEMES = [
  { bg: [243, 243, 243], panel: [[255, 255, 255], [230, 233, 238], [250, 247, 240]], text: [40, 40, 40], field: [255, 255, 255], border: [180, 180, 180] },
  { bg: [255, 255, 255], panel: [[240, 242, 245], [225, 230, 236]], text: [30, 30, 30], field: [255, 255, 255], border: [200, 200, 200] },
  { bg: [43, 43, 43], panel: [[60, 63, 65], [30, 31, 34]], text: [220, 220, 220], field: [69, 73, 74], border: [100, 100, 100] },
];
const BUTTON_COLOURS = [[0, 120, 212], [16, 124, 16], [209, 52, 56], [255, 185, 0], [92, 45, 145], [0, 153, 188], [225, 225, 225], [96, 94, 92]];
const WORDS = ["OK", "Cancel", "Save", "Open file", "Submit", "Next", "Log in", "Apply", "Search", "Settings", "Delete", "Export"];

function textLike(x, y, w, h, colour) {
  // Either real SVG text or glyph-like bars (text-like noise).
  if (rand() < 0.5) {
    const size = Math.max(9, Math.min(16, Math.floor(h * 0.5)));
    return `<text x="${x + w / 2}" y="${y + h / 2 + size * 0.35}" font-family="sans-serif" font-size="${size}" text-anchor="middle" fill="${hex(colour)}">${pick(WORDS)}</text>`;
  }
  const gh = Math.max(5, Math.floor(h * 0.35));
  const n = int(3, Math.max(3, Math.floor(w / 12)));
  let gx = x + Math.floor(w * 0.2);
  const gy = y + Math.floor((h - gh) / 2);
  let out = "";
  for (let i = 0; i < n && gx < x + w * 0.8; i++) {
    const gw = int(2, 6);
    out += `<rect x="${gx}" y="${gy + int(0, 2)}" width="${gw}" height="${gh - int(0, 2)}" fill="${hex(colour)}"/>`;
    gx += gw + int(1, 4);
  }
  return out;
}

function overlaps(a, b, gap = 6) {
  return a[0] < b[0] + b[2] + gap && b[0] < a[0] + a[2] + gap && a[1] < b[1] + b[3] + gap && b[1] < a[1] + a[3] + gap;
}

function screen(index) {
  const theme = pick(THEMES);
  const elements = []; // { kind, box, depth }
  let defs = "";
  let body = `<rect x="0" y="0" width="${W}" height="${H}" fill="${hex(theme.bg)}"/>`;
  // Panels (containers), placed first, not overlapping.
  const panels = [];
  for (let i = 0, tries = 0; i < int(1, 3) && tries < 50; tries++) {
    const box = [int(0, W - 250), int(0, H - 200), int(250, 560), int(200, 420)];
    box[2] = Math.min(box[2], W - box[0]);
    box[3] = Math.min(box[3], H - box[1]);
    if (panels.some((p) => overlaps(p, box, 10))) continue;
    panels.push(box);
    const fill = pick(theme.panel);
    const bordered = rand() < 0.5;
    body += `<rect x="${box[0]}" y="${box[1]}" width="${box[2]}" height="${box[3]}" fill="${hex(fill)}"${bordered ? ` stroke="${hex(theme.border)}" stroke-width="1"` : ""}/>`;
    elements.push({ kind: "panel", box, depth: 0 });
    i++;
  }
  // Widgets: buttons and text fields, on panels or the background, not overlapping each other or straddling panel edges.
  const widgets = [];
  for (let tries = 0; widgets.length < int(6, 14) && tries < 400; tries++) {
    const kind = rand() < 0.6 ? "button" : "field";
    const w = kind === "button" ? int(50, 200) : int(140, 360);
    const h = kind === "button" ? int(22, 48) : int(22, 36);
    const box = [int(4, W - w - 4), int(4, H - h - 4), w, h];
    if (widgets.some((o) => overlaps(o.box, box))) continue;
    if (panels.some((p) => overlaps(p, box, 0) && !(box[0] >= p[0] + 4 && box[1] >= p[1] + 4 && box[0] + w <= p[0] + p[2] - 4 && box[1] + h <= p[1] + p[3] - 4))) continue;
    widgets.push({ kind, box });
    const [x, y] = box;
    const rx = rand() < 0.5 ? int(2, 6) : 0;
    if (kind === "button") {
      const c = pick(BUTTON_COLOURS);
      let fill = hex(c);
      if (rand() < 0.3) {
        const id = `g${index}_${widgets.length}`;
        defs += `<linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(shade(c, 25))}"/><stop offset="1" stop-color="${hex(shade(c, -25))}"/></linearGradient>`;
        fill = `url(#${id})`;
      }
      const border = rand() < 0.4 ? ` stroke="${hex(shade(c, -50))}" stroke-width="1"` : "";
      body += `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" fill="${fill}"${border}/>`;
      const light = c[0] * 0.3 + c[1] * 0.59 + c[2] * 0.11 > 150;
      body += textLike(x, y, w, h, light ? [20, 20, 20] : [255, 255, 255]);
    } else {
      body += `<rect x="${x + 0.5}" y="${y + 0.5}" width="${w - 1}" height="${h - 1}" rx="${rx}" fill="${hex(theme.field)}" stroke="${hex(theme.border)}" stroke-width="1"/>`;
      if (rand() < 0.7) body += textLike(x - w * 0.15, y, w * 0.6, h, shade(theme.text, theme.bg[0] > 128 ? 80 : -60));
    }
    elements.push({ kind, box, depth: 1 });
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs>${defs}</defs>${body}</svg>`;
  return { svg, elements };
}

function innermost(elements, x, y) {
  const inside = elements.filter((e) => x >= e.box[0] && y >= e.box[1] && x < e.box[0] + e.box[2] && y < e.box[1] + e.box[3]);
  inside.sort((a, b) => b.depth - a.depth);
  return inside[0];
}

const smart = clickLabeler({ mode: "smart" });
const fixed = clickLabeler({ mode: "fixed" });
const ctx = { report() {} };
const stats = { smart: { hits: 0, iou: 0, fallback: 0, strategies: {}, ms: 0 }, fixed: { hits: 0, iou: 0 } };
const byKind = {};
let clicks = 0;

for (let s = 0; s < SCREENS; s++) {
  const { svg, elements } = screen(s);
  let bytes = await sharp(Buffer.from(svg)).png().toBuffer();
  if (NOISE > 0) {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i] + Math.round((rand() * 2 - 1) * NOISE)));
    bytes = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toBuffer();
  }
  const image = { ...contentId(bytes), format: "png", extension: ".png", width: W, height: H, channels: 3, byteLength: bytes.length, sourcePath: `synthetic-${s}.png`, bytes };
  for (let c = 0; c < CLICKS_PER_SCREEN; c++) {
    const target = pick(elements);
    const [x, y] = [target.box[0] + int(1, target.box[2] - 2), target.box[1] + int(1, target.box[3] - 2)];
    const truth = innermost(elements, x, y);
    const record = { action_id: `${s}-${c}`, clicked_location: { x, y }, click_target_type: truth.kind, click_target: null };
    const t0 = performance.now();
    const [a] = await smart.label(record, image, ctx);
    stats.smart.ms += performance.now() - t0;
    const [b] = await fixed.label(record, image, ctx);
    const si = iou(a.bbox, truth.box);
    const fi = iou(b.bbox, truth.box);
    clicks++;
    const strategy = a.metadata?.inference_metadata?.strategy;
    stats.smart.strategies[strategy] = (stats.smart.strategies[strategy] ?? 0) + 1;
    if (a.source === "user_click_fallback") stats.smart.fallback++;
    if (si >= 0.5) stats.smart.hits++;
    stats.smart.iou += si;
    if (fi >= 0.5) stats.fixed.hits++;
    stats.fixed.iou += fi;
    const k = (byKind[truth.kind] ??= { n: 0, smartHits: 0, fixedHits: 0 });
    k.n++;
    if (si >= 0.5) k.smartHits++;
    if (fi >= 0.5) k.fixedHits++;
    if (process.env.EVAL_DUMP && si < 0.5) await sharp(bytes).toFile(`${process.env.EVAL_DUMP}/miss-${s}-${c}.png`);
    if (process.env.EVAL_DEBUG && si < 0.5) console.log(truth.kind, truth.box, [x, y], a.bbox.map(Math.round), strategy, a.metadata?.inference_metadata?.reason ?? "");
  }
}

const pct = (n) => `${((100 * n) / clicks).toFixed(1)}%`;
console.log(`click labeler eval: ${SCREENS} synthetic ${W}×${H} screenshots, ${clicks} clicks (seed ${SEED}, noise ±${NOISE})`);
console.log(`  smart: IoU≥0.5 on ${stats.smart.hits}/${clicks} (${pct(stats.smart.hits)}), mean IoU ${(stats.smart.iou / clicks).toFixed(3)}, fallback rate ${pct(stats.smart.fallback)}, ${(stats.smart.ms / clicks).toFixed(1)} ms/click`);
console.log(`  fixed: IoU≥0.5 on ${stats.fixed.hits}/${clicks} (${pct(stats.fixed.hits)}), mean IoU ${(stats.fixed.iou / clicks).toFixed(3)}`);
console.log(`  smart strategies: ${Object.entries(stats.smart.strategies).map(([k, v]) => `${k} ${v}`).join(", ")}`);
for (const [kind, k] of Object.entries(byKind)) console.log(`  ${kind}: ${k.n} clicks, smart ${k.smartHits}, fixed ${k.fixedHits}`);
