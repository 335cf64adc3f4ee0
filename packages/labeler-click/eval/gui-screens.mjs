// Realistic GUI screenshots with known click targets, for the click labeler's
// evaluation (eval/evaluate.mjs) and its tests. Everything is drawn from a
// seed: the same (seed, index) gives the same bytes, targets and clicks.
//
// A screen is a 1280×720 or 1920×1080 page drawn in SVG (sharp / librsvg, DejaVu
// fonts) at 100, 125 or 150 % scale, in one of several themes (light, dark,
// gradients, coloured chrome), from one of five layouts (login form, dashboard,
// settings, report table, mail client) with app bars, sidebars, nested cards,
// dense icon toolbars, paragraphs, charts and shadows; about half are saved as
// JPEG (quality 70-90). Each click has the element type and the true box of
// what was clicked (see "Box conventions" in the README):
//
// - an element with a visible shape of its own (a filled, bordered or
//   separator-bounded rectangle, a switch track) → that shape;
// - an element without one (a glyph icon, a text link, a plain tab label, a
//   borderless list item, a checkbox or radio with its label) → the extent of
//   what is drawn for it, measured by rendering the element alone
//   (alpha ≥ 0.3): the glyph, the text line, icon + text, box + label;
// - an empty-space click (a page, panel or card background at least 12
//   logical px from anything drawn) → no box: the labeler should give none,
//   or one with low confidence.
import { seededRandom } from "@qontinui/export-core";
import sharp from "sharp";

export const ELEMENT_TYPES = ["button", "text_box", "tab", "list_item", "icon", "link", "checkbox", "toggle", "empty_space"];
/** The open part's seed: tune and debug on this one. */
export const OPEN_SEED = 1;
/** The sealed part's seed: never tuned on, never inspected click by click; report its totals only. */
export const SEALED_SEED = 7_240_531;

const FONTS = [
  { family: "DejaVu Sans", k: 0.6 },
  { family: "DejaVu Sans", k: 0.6 },
  { family: "DejaVu Sans Condensed", k: 0.53 },
  { family: "DejaVu Serif", k: 0.6 },
  { family: "DejaVu Sans Mono", k: 0.61 },
];

const ACCENTS = ["#2563eb", "#4f46e5", "#16a34a", "#0d9488", "#dc2626", "#ea580c", "#7c3aed", "#db2777", "#0284c7", "#ca8a04"];

const THEMES = [
  { name: "light", dark: false, page: "#f3f4f6", surface: "#ffffff", sidebar: "#ffffff", appbar: "#ffffff", border: "#d0d5dd", divider: "#e5e7eb", text: "#1f2937", muted: "#6b7280", input: "#ffffff", soft: "#eef2f7" },
  { name: "white", dark: false, page: "#ffffff", surface: "#ffffff", sidebar: "#f7f7f8", appbar: "#ffffff", border: "#dcdcdf", divider: "#ececee", text: "#202124", muted: "#5f6368", input: "#ffffff", soft: "#f1f3f4" },
  { name: "dark", dark: true, page: "#1e1f22", surface: "#2b2d31", sidebar: "#232428", appbar: "#111214", border: "#4e5058", divider: "#3f4147", text: "#e3e5e8", muted: "#949ba4", input: "#1e1f22", soft: "#35373c" },
  { name: "midnight", dark: true, page: "#0d1117", surface: "#161b22", sidebar: "#010409", appbar: "#161b22", border: "#30363d", divider: "#21262d", text: "#c9d1d9", muted: "#8b949e", input: "#0d1117", soft: "#1f2630" },
  { name: "gradient-light", dark: false, gradient: true, page: "#eef2ff", page2: "#fdf2f8", surface: "#ffffff", sidebar: "#f8fafc", appbar: "@accent", border: "#cbd5e1", divider: "#e2e8f0", text: "#0f172a", muted: "#64748b", input: "#ffffff", soft: "#eef2ff" },
  { name: "gradient-dark", dark: true, gradient: true, page: "#0f172a", page2: "#312e81", surface: "#1e293b", sidebar: "#111827", appbar: "@accent", border: "#475569", divider: "#334155", text: "#e2e8f0", muted: "#94a3b8", input: "#0f172a", soft: "#273449" },
  { name: "coloured-chrome", dark: false, page: "#f5f5f5", surface: "#ffffff", sidebar: "@accentDark", appbar: "@accent", border: "#d4d4d8", divider: "#e4e4e7", text: "#18181b", muted: "#71717a", input: "#ffffff", soft: "#f0f0f3" },
];

const WORDS = "account activity analytics archive billing calendar campaign customer dashboard details documents download export files filters history inbox invoices members messages notes orders overview payments pending people preferences profile projects reports revenue sales security settings shared starred storage subscriptions summary support tasks teams templates trash updates usage users workspace".split(" ");
const VERBS = "Save Cancel Apply Submit Continue Export Import Upload Delete Archive Share Invite Publish Update Create Send Reply Forward Download Refresh Next Back Confirm Edit Open".split(" ");
const NAMES = "Olivia Liam Emma Noah Ava Lucas Mia Ethan Sofia Mason Chloe Leo Zoe Hugo Nora Arjun Mei Kenji Amara Diego".split(" ");
const SURNAMES = "Martin Chen Novak Kowalski Garcia Silva Müller Rossi Dubois Tanaka Okafor Singh Larsen Costa Ivanova".split(" ");
const SENTENCE = "the quarterly numbers are ready for review and the team would like your feedback before friday so please take a look at the attached summary when you have a moment we also updated the billing settings and moved older projects into the archive".split(" ");

const ICONS = {
  search: '<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5"/>',
  bell: '<path d="M6 9a6 6 0 0 1 12 0c0 6 2.5 8 2.5 8h-17S6 15 6 9z"/><path d="M10 20.5a2.2 2.2 0 0 0 4 0"/>',
  sun: '<circle cx="12" cy="12" r="4"/><path d="M12 2v2.5M12 19.5V22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M2 12h2.5M19.5 12H22M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8"/>',
  user: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"/>',
  menu: '<path d="M3 6h18M3 12h18M3 18h18"/>',
  more: '<circle cx="12" cy="5" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="12" cy="19" r="1"/>',
  moreH: '<circle cx="5" cy="12" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="19" cy="12" r="1"/>',
  plus: '<path d="M12 5v14M5 12h14"/>',
  close: '<path d="M18 6L6 18M6 6l12 12"/>',
  chevronDown: '<path d="M6 9l6 6 6-6"/>',
  chevronRight: '<path d="M9 6l6 6-6 6"/>',
  home: '<path d="M3 10.5L12 3l9 7.5"/><path d="M5 9.5V21h14V9.5"/>',
  trash: '<path d="M3 6h18"/><path d="M8 6V4h8v2"/><path d="M6 6l1 15h10l1-15"/>',
  edit: '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13.5 6.5l4 4"/>',
  star: '<path d="M12 2.5l2.9 6.3 6.9.7-5.2 4.6 1.5 6.8L12 17.4l-6.1 3.5 1.5-6.8-5.2-4.6 6.9-.7z"/>',
  heart: '<path d="M20.8 4.6a5.5 5.5 0 0 0-7.8 0L12 5.7l-1-1.1a5.5 5.5 0 0 0-7.8 7.8L12 21l8.8-8.6a5.5 5.5 0 0 0 0-7.8z"/>',
  download: '<path d="M12 3v12M7 10l5 5 5-5M4 21h16"/>',
  upload: '<path d="M12 21V9M7 14l5-5 5 5M4 3h16"/>',
  grid: '<rect x="3" y="3" width="7" height="7"/><rect x="14" y="3" width="7" height="7"/><rect x="3" y="14" width="7" height="7"/><rect x="14" y="14" width="7" height="7"/>',
  filter: '<path d="M3 4h18l-7 8v6l-4 2v-8z"/>',
  refresh: '<path d="M20 12a8 8 0 1 1-2.3-5.7"/><path d="M20 4v5h-5"/>',
  mail: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/>',
  calendar: '<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
  folder: '<path d="M3 6h6l2 2h10v11H3z"/>',
  file: '<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5"/>',
  eye: '<path d="M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>',
  lock: '<rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
  share: '<circle cx="18" cy="5" r="3"/><circle cx="6" cy="12" r="3"/><circle cx="18" cy="19" r="3"/><path d="M8.6 13.5l6.8 4M15.4 6.5l-6.8 4"/>',
  list: '<path d="M8 6h13M8 12h13M8 18h13M3 6h1M3 12h1M3 18h1"/>',
  chart: '<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>',
  copy: '<rect x="9" y="9" width="12" height="12" rx="2"/><path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1"/>',
  link: '<path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"/><path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"/>',
  archive: '<rect x="2" y="3" width="20" height="5"/><path d="M4 8v13h16V8M10 12h4"/>',
  send: '<path d="M22 2L11 13M22 2l-7 20-4-9-9-4z"/>',
  tag: '<path d="M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L2 12V2h10l8.6 8.6a2 2 0 0 1 0 2.8z"/><circle cx="7" cy="7" r="1"/>',
};
const ICON_NAMES = Object.keys(ICONS);
/** Filled glyphs (no stroke). */
const FILLED_ICONS = {
  starFilled: '<path d="M12 2.5l2.9 6.3 6.9.7-5.2 4.6 1.5 6.8L12 17.4l-6.1 3.5 1.5-6.8-5.2-4.6 6.9-.7z"/>',
  dot: '<circle cx="12" cy="12" r="6"/>',
  play: '<path d="M7 4l13 8-13 8z"/>',
  square: '<rect x="5" y="5" width="14" height="14" rx="2"/>',
  circleCheck: '<path fill-rule="evenodd" d="M12 2a10 10 0 1 1 0 20a10 10 0 1 1 0-20zM7 12.5l3.5 3.5L17 9.5l-1.4-1.4-5.1 5.1-2.1-2.1z"/>',
};
/** Font glyph icons of editor toolbars. */
const TEXT_ICONS = ["B", "I", "U", "S", "H1", "H2", "T", "¶", "Aa"];

// ---------------------------------------------------------------------------
// Seeded randomness and colours
// ---------------------------------------------------------------------------

function streamSeed(seed, index, tag) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(tag, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function random(seed, index, tag) {
  const rand = seededRandom(streamSeed(seed, index, tag));
  const r = {
    rand,
    int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    real: (lo, hi) => lo + rand() * (hi - lo),
    pick: (xs) => xs[Math.floor(rand() * xs.length)],
    chance: (p) => rand() < p,
    shuffle: (xs) => {
      const a = [...xs];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
    words: (n, list = WORDS) => Array.from({ length: n }, () => r.pick(list)).join(" "),
    title: (n) => {
      const w = r.words(n);
      return w[0].toUpperCase() + w.slice(1);
    },
  };
  return r;
}

const rgb = (h) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
const hex = (c) => `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, "0")).join("")}`;
const mix = (a, b, t) => hex(rgb(a).map((v, i) => v + (rgb(b)[i] - v) * t));
const lum = (h) => {
  const [r, g, b] = rgb(h);
  return 0.299 * r + 0.587 * g + 0.114 * b;
};
const onColour = (h) => (lum(h) > 150 ? "#111827" : "#ffffff");
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const round2 = (v) => Math.round(v * 100) / 100;

// ---------------------------------------------------------------------------
// Drawing surface: SVG parts, elements with their truth, occupied areas
// ---------------------------------------------------------------------------

class Canvas {
  constructor(r, { width, height, scale, theme, font, fontSize, accent }) {
    this.r = r;
    this.width = width;
    this.height = height;
    this.scale = scale;
    this.lw = Math.round(width / scale);
    this.lh = Math.round(height / scale);
    this.theme = theme;
    this.font = font;
    this.fs = fontSize;
    this.accent = accent;
    this.accentDark = mix(accent, "#000000", 0.45);
    this.parts = [];
    this.defs = new Set();
    /** Clickable elements: { type, style, box (logical) | ink (svg) + hint (logical), clickOn? }. */
    this.elements = [];
    /** Logical boxes of everything drawn on a background (empty-space clicks keep away from them). */
    this.occupied = [];
    /** Logical boxes of plain backgrounds (page, panels, cards) where empty-space clicks may land. */
    this.surfaces = [];
    this.gradients = 0;
  }
  colour(c) {
    if (c === "@accent") return this.accent;
    if (c === "@accentDark") return this.accentDark;
    return c;
  }
  add(svg) {
    this.parts.push(svg);
  }
  occupy(box) {
    this.occupied.push(box);
  }
  element(type, fields) {
    const e = { type, ...fields };
    this.elements.push(e);
    this.occupy(e.box ?? e.hint);
    return e;
  }
  gradient(from, to, vertical = true) {
    const id = `g${this.gradients++}`;
    this.defs.add(`<linearGradient id="${id}" x1="0" y1="0" x2="${vertical ? 0 : 1}" y2="${vertical ? 1 : 0}"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>`);
    return `url(#${id})`;
  }
  shadowFilter() {
    this.defs.add(`<filter id="shadow" x="-10%" y="-10%" width="120%" height="140%"><feDropShadow dx="0" dy="2" stdDeviation="3" flood-color="#000000" flood-opacity="${this.theme.dark ? 0.5 : 0.14}"/></filter>`);
    return "url(#shadow)";
  }
  rectSvg(x, y, w, h, { fill = "none", stroke, sw = 1, rx = 0, filter } = {}) {
    // Crisp 1-px strokes: the outline sits half a pixel inside the box.
    const inset = stroke ? sw / 2 : 0;
    return `<rect x="${round2(x + inset)}" y="${round2(y + inset)}" width="${round2(w - 2 * inset)}" height="${round2(h - 2 * inset)}" rx="${rx}" fill="${fill}"${stroke ? ` stroke="${stroke}" stroke-width="${sw}"` : ""}${filter ? ` filter="${filter}"` : ""}/>`;
  }
  rect(x, y, w, h, style) {
    this.add(this.rectSvg(x, y, w, h, style));
  }
  /** Approximate advance width of a string (layout only; truths are measured from pixels). */
  textWidth(s, size = this.fs, weight = "normal") {
    return s.length * size * this.font.k * (weight === "bold" ? 1.08 : 1);
  }
  /** `s` cut at a word so that it fits in `maxW`. */
  fit(s, maxW, size = this.fs, weight = "normal") {
    let out = s;
    while (out.includes(" ") && this.textWidth(out, size, weight) > maxW) out = out.slice(0, out.lastIndexOf(" "));
    return out;
  }
  textSvg(x, y, s, { size = this.fs, fill = this.theme.text, weight = "normal", anchor = "start", family = this.font.family, underline = false } = {}) {
    return `<text x="${round2(x)}" y="${round2(y)}" font-family="${family}" font-size="${size}" font-weight="${weight}" fill="${fill}"${anchor !== "start" ? ` text-anchor="${anchor}"` : ""}${underline ? ' text-decoration="underline"' : ""}>${esc(s)}</text>`;
  }
  /** Text whose vertical centre is `cy`; returns its svg and approximate box. */
  label(x, cy, s, opts = {}) {
    const size = opts.size ?? this.fs;
    const w = this.textWidth(s, size, opts.weight);
    const left = opts.anchor === "middle" ? x - w / 2 : opts.anchor === "end" ? x - w : x;
    const svg = this.textSvg(x, cy + size * 0.36, s, opts);
    return { svg, box: [left, cy - size * 0.62, w, size * 1.25] };
  }
  /** Draws a text and marks it occupied. */
  text(x, cy, s, opts) {
    const t = this.label(x, cy, s, opts);
    this.add(t.svg);
    this.occupy(t.box);
    return t;
  }
  iconSvg(name, x, y, size, colour, sw = 2) {
    if (FILLED_ICONS[name]) return `<g transform="translate(${round2(x)},${round2(y)}) scale(${round2(size / 24)})" fill="${colour}">${FILLED_ICONS[name]}</g>`;
    if (name.startsWith("text:")) {
      const s = name.slice(5);
      return `<text x="${round2(x + size / 2)}" y="${round2(y + size * 0.8)}" font-family="DejaVu Sans" font-weight="${s === "B" ? "bold" : "normal"}" font-style="${s === "I" ? "italic" : "normal"}" font-size="${round2(size * 0.95)}" text-anchor="middle" fill="${colour}"${s === "U" ? ' text-decoration="underline"' : ""}>${esc(s)}</text>`;
    }
    return `<g transform="translate(${round2(x)},${round2(y)}) scale(${round2(size / 24)})" fill="none" stroke="${colour}" stroke-width="${sw}" stroke-linecap="round" stroke-linejoin="round">${ICONS[name]}</g>`;
  }
  svg() {
    const defs = this.defs.size ? `<defs>${[...this.defs].join("")}</defs>` : "";
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}">${defs}<g transform="scale(${this.scale})">${this.parts.join("")}</g></svg>`;
  }
}

// ---------------------------------------------------------------------------
// Widgets: each draws itself, registers its element and occupied area
// ---------------------------------------------------------------------------

function buttonStyle(c, r) {
  return r.pick(["solid", "solid", "gradient", "outlined", "soft", "neutral", "pill"]);
}

/** A button; returns its box. */
function button(c, x, y, text, { style = buttonStyle(c, c.r), h = c.r.int(28, 40), icon, danger = false, minW = 0 } = {}) {
  const { r, theme } = c;
  const size = Math.min(c.fs, Math.floor(h * 0.45));
  const iconSize = icon ? Math.round(size * 1.15) : 0;
  const pad = r.int(12, 20);
  const w = Math.max(minW, Math.round(c.textWidth(text, size, "bold") + 2 * pad + (icon ? iconSize + 6 : 0)));
  const accent = danger ? "#dc2626" : c.accent;
  const rx = style === "pill" ? h / 2 : r.pick([0, 3, 4, 6, 8]);
  let fill;
  let stroke;
  let fg;
  if (style === "solid" || style === "pill") [fill, fg] = [accent, onColour(accent)];
  else if (style === "gradient") [fill, fg] = [c.gradient(mix(accent, "#ffffff", 0.18), mix(accent, "#000000", 0.18)), "#ffffff"];
  else if (style === "outlined") [fill, stroke, fg] = [theme.surface, accent, accent];
  else if (style === "soft") [fill, fg] = [mix(theme.surface, accent, theme.dark ? 0.3 : 0.14), theme.dark ? mix(accent, "#ffffff", 0.4) : accent];
  else [fill, stroke, fg] = [theme.dark ? mix(theme.surface, "#ffffff", 0.08) : mix(theme.surface, "#000000", 0.03), theme.border, theme.text];
  c.rect(x, y, w, h, { fill, stroke, rx });
  let tx = x + pad;
  if (icon) {
    c.add(c.iconSvg(icon, tx, y + (h - iconSize) / 2, iconSize, fg, 2));
    tx += iconSize + 6;
  }
  c.add(c.label(icon ? tx : x + w / 2, y + h / 2, text, { size, fill: fg, weight: "bold", anchor: icon ? "start" : "middle" }).svg);
  c.occupy([x, y, w, h]);
  c.element("button", { style, box: [x, y, w, h] });
  return [x, y, w, h];
}

/** A square icon button with a visible background (a tile): an icon element whose truth is its tile. */
function tileIcon(c, x, y, size, name) {
  const { r } = c;
  const filled = r.chance(0.6);
  const bg = filled ? c.accent : mix(c.theme.surface, c.accent, 0.15);
  c.rect(x, y, size, size, { fill: bg, rx: r.pick([4, 6, size / 2]) });
  const g = Math.round(size * 0.55);
  c.add(c.iconSvg(name, x + (size - g) / 2, y + (size - g) / 2, g, filled ? onColour(bg) : c.accent, 2));
  c.occupy([x, y, size, size]);
  c.element("icon", { style: "tile", box: [x, y, size, size] });
}

/** A glyph icon with no background of its own: truth is the glyph's drawn extent. */
function glyphIcon(c, x, y, size, name, colour, { target = true, style = "glyph" } = {}) {
  const sw = c.r.pick([1.5, 2, 2, 2.25]);
  const svg = c.iconSvg(name, x, y, size, colour, sw);
  c.add(svg);
  c.occupy([x, y, size, size]);
  if (target) c.element("icon", { style, ink: svg, hint: [x, y, size, size] });
  return svg;
}

function textBox(c, x, y, w, { h = c.r.int(30, 40), placeholder, value, style = c.r.pick(["bordered", "bordered", "filled", "rounded", "search"]) } = {}) {
  const { r, theme } = c;
  const size = Math.min(c.fs, Math.floor(h * 0.45));
  let rx = r.pick([0, 3, 4, 6]);
  let fill = theme.input;
  let stroke = theme.border;
  if (style === "filled") {
    fill = theme.dark ? mix(theme.surface, "#ffffff", 0.07) : mix(theme.surface, "#000000", 0.05);
    stroke = undefined;
  }
  if (style === "rounded" || style === "search") rx = h / 2;
  if (style === "search" && r.chance(0.5)) [fill, stroke] = [theme.dark ? mix(theme.surface, "#ffffff", 0.08) : mix(theme.surface, "#000000", 0.05), undefined];
  c.rect(x, y, w, h, { fill, stroke, rx });
  let tx = x + (rx > 6 ? h / 2 : 10);
  if (style === "search") {
    const g = Math.round(size * 1.1);
    c.add(c.iconSvg("search", tx - 2, y + (h - g) / 2, g, theme.muted, 2));
    tx += g + 4;
  }
  const s = value ?? placeholder ?? r.title(2);
  c.add(c.label(tx, y + h / 2, s, { size, fill: value ? theme.text : theme.muted }).svg);
  c.occupy([x, y, w, h]);
  c.element("text_box", { style, box: [x, y, w, h] });
  return [x, y, w, h];
}

/** A checkbox or radio, with or without a label: truth is box (+ label) as drawn. */
function checkbox(c, x, cy, text, { radio = c.r.chance(0.3), checked = c.r.chance(0.5), labelled = true } = {}) {
  const { r, theme } = c;
  const s = r.int(14, 18);
  const y = cy - s / 2;
  const parts = [];
  const accent = c.accent;
  if (radio) {
    if (checked) parts.push(`<circle cx="${x + s / 2}" cy="${cy}" r="${s / 2 - 0.75}" fill="${theme.input}" stroke="${accent}" stroke-width="1.5"/><circle cx="${x + s / 2}" cy="${cy}" r="${s / 4}" fill="${accent}"/>`);
    else parts.push(`<circle cx="${x + s / 2}" cy="${cy}" r="${s / 2 - 0.75}" fill="${theme.input}" stroke="${theme.dark ? theme.muted : theme.border}" stroke-width="1.5"/>`);
  } else {
    const rx = r.pick([2, 3, 4]);
    if (checked) {
      parts.push(c.rectSvg(x, y, s, s, { fill: accent, rx }));
      parts.push(`<path d="M${x + s * 0.22} ${cy + s * 0.02} l${s * 0.2} ${s * 0.2} l${s * 0.38} -${s * 0.4}" fill="none" stroke="${onColour(accent)}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`);
    } else parts.push(c.rectSvg(x, y, s, s, { fill: theme.input, stroke: theme.dark ? theme.muted : mix(theme.border, "#000000", 0.15), sw: 1.5, rx }));
  }
  let w = s;
  if (labelled) {
    const gap = r.int(6, 10);
    const t = c.label(x + s + gap, cy, text, { fill: theme.text });
    parts.push(t.svg);
    w = s + gap + t.box[2];
  }
  const svg = parts.join("");
  c.add(svg);
  c.occupy([x, cy - Math.max(s, c.fs * 1.25) / 2, w, Math.max(s, c.fs * 1.25)]);
  c.element("checkbox", { style: `${radio ? "radio" : "box"}${checked ? "-checked" : ""}${labelled ? "+label" : ""}`, ink: svg, hint: [x, cy - s, w, 2 * s], boxPart: [x, y, s, s] });
  return x + w;
}

/** A switch: truth is the track (and a knob overhanging it) as drawn, not its label. */
function toggle(c, x, cy, { on = c.r.chance(0.5) } = {}) {
  const { r, theme } = c;
  const style = r.pick(["ios", "ios", "outlined", "material"]);
  let svg;
  let w;
  let h;
  if (style === "material") {
    w = r.int(32, 36);
    h = 14;
    const k = 20;
    const kx = on ? x + w - k / 2 : x + k / 2;
    svg = `${c.rectSvg(x, cy - h / 2, w, h, { fill: on ? mix(c.accent, theme.surface, 0.5) : theme.dark ? "#5f6368" : "#bdc1c6", rx: h / 2 })}<circle cx="${kx}" cy="${cy}" r="${k / 2}" fill="${on ? c.accent : theme.dark ? "#dadce0" : "#ffffff"}" stroke="${theme.dark ? "none" : "#c4c7cc"}" stroke-width="0.75"/>`;
  } else {
    w = r.int(34, 46);
    h = Math.round(w * r.real(0.5, 0.6));
    const k = h - 6;
    const kx = on ? x + w - 3 - k / 2 : x + 3 + k / 2;
    if (style === "outlined" && !on) svg = `${c.rectSvg(x, cy - h / 2, w, h, { fill: theme.surface, stroke: theme.dark ? theme.muted : "#79747e", sw: 2, rx: h / 2 })}<circle cx="${kx}" cy="${cy}" r="${k / 2 - 2}" fill="${theme.dark ? theme.muted : "#79747e"}"/>`;
    else svg = `${c.rectSvg(x, cy - h / 2, w, h, { fill: on ? c.accent : theme.dark ? "#4e5058" : "#d1d5db", rx: h / 2 })}<circle cx="${kx}" cy="${cy}" r="${k / 2}" fill="#ffffff"/>`;
  }
  c.add(svg);
  c.occupy([x, cy - h / 2 - 3, w, h + 6]);
  c.element("toggle", { style: `${style}-${on ? "on" : "off"}`, ink: svg, hint: [x - 4, cy - 14, w + 8, 28] });
  return [x, cy - h / 2, w, h];
}

/** A switch with its label beside it (the label is not part of the switch's box). */
function labelledToggle(c, x, cy, text) {
  if (c.r.chance(0.5)) {
    const t = toggle(c, x, cy);
    c.text(t[0] + t[2] + c.r.int(8, 12), cy, text, { fill: c.theme.text });
  } else {
    c.text(x, cy, text, { fill: c.theme.text });
    toggle(c, x + c.textWidth(text) + c.r.int(10, 16), cy);
  }
}

/** A text link: truth is the text line as drawn. */
function link(c, x, cy, text, { size = c.fs, underline = c.r.chance(0.5), colour = c.theme.dark ? mix(c.accent, "#ffffff", 0.35) : c.accent, style = "standalone", weight = "normal" } = {}) {
  const t = c.label(x, cy, text, { size, fill: colour, underline, weight });
  c.add(t.svg);
  c.occupy(t.box);
  c.element("link", { style, ink: t.svg, hint: [t.box[0] - 4, t.box[1] - 4, t.box[2] + 8, t.box[3] + 8] });
  return t.box;
}

/** A paragraph with one inline link; returns its height. */
function paragraph(c, x, y, width, { lines = c.r.int(2, 4), withLink = true } = {}) {
  const { r, theme } = c;
  const lh = Math.round(c.fs * 1.5);
  const perLine = Math.floor(width / (c.fs * c.font.k));
  const linkLine = withLink ? r.int(0, lines - 1) : -1;
  for (let i = 0; i < lines; i++) {
    const cy = y + i * lh + lh / 2;
    let s = "";
    while (s.length < perLine - 12) s += `${r.pick(SENTENCE)} `;
    s = s.trim();
    if (i === lines - 1) s = s.slice(0, Math.floor(s.length * r.real(0.4, 0.8)));
    if (i === linkLine) {
      const words = s.split(" ");
      const cut = r.int(1, Math.max(1, words.length - 4));
      const before = `${words.slice(0, cut).join(" ")} `;
      const linkText = r.pick(["terms of service", "learn more", "this report", "view details", "privacy policy", "the documentation", "contact support"]);
      c.text(x, cy, before, { fill: theme.text });
      const lx = x + c.textWidth(before);
      const box = link(c, lx, cy, linkText, { style: "inline", underline: r.chance(0.7) });
      c.text(box[0] + box[2] + c.fs * 0.25, cy, words.slice(cut, cut + 3).join(" "), { fill: theme.text });
    } else c.text(x, cy, s, { fill: theme.text });
  }
  return lines * lh;
}

// ---------------------------------------------------------------------------
// Chrome: app bar and sidebar
// ---------------------------------------------------------------------------

function appBar(c, h) {
  const { r, theme } = c;
  const bg = c.colour(theme.appbar);
  const fg = lum(bg) > 150 ? theme.text : "#ffffff";
  const muted = lum(bg) > 150 ? theme.muted : mix(bg, "#ffffff", 0.7);
  const fill = theme.gradient && theme.appbar === "@accent" ? c.gradient(c.accent, mix(c.accent, "#000000", 0.3), false) : bg;
  c.rect(0, 0, c.lw, h, { fill });
  if (lum(bg) > 150) c.rect(0, h - 1, c.lw, 1, { fill: theme.divider });
  let x = 16;
  if (r.chance(0.5)) {
    glyphIcon(c, x, (h - 20) / 2, 20, "menu", fg, { style: "appbar" });
    x += 36;
  }
  const logo = r.pick(["Acme", "Northwind", "Contoso", "Lumen", "Orbit", "Quanta", "Helix"]);
  c.text(x, h / 2, logo, { size: c.fs + 3, weight: "bold", fill: fg });
  x += c.textWidth(logo, c.fs + 3, "bold") + 32;
  // Navigation: links or tabs in the bar.
  const navTabs = r.chance(0.5);
  const nav = r.shuffle(["Home", "Projects", "Reports", "Team", "Billing", "Docs", "Activity"]).slice(0, r.int(3, 5));
  for (const [i, n] of nav.entries()) {
    if (navTabs && i === 0) {
      const w = c.textWidth(n) + 24;
      const y = (h - 30) / 2;
      c.rect(x - 12, y, w, 30, { fill: lum(bg) > 150 ? theme.soft : mix(bg, "#ffffff", 0.18), rx: 6 });
      c.add(c.label(x, h / 2, n, { fill: fg }).svg);
      c.occupy([x - 12, y, w, 30]);
      c.element("tab", { style: "appbar-selected", box: [x - 12, y, w, 30] });
    } else if (navTabs) {
      const t = c.label(x, h / 2, n, { fill: muted });
      c.add(t.svg);
      c.occupy(t.box);
      c.element("tab", { style: "appbar", ink: t.svg, hint: [t.box[0] - 4, t.box[1] - 4, t.box[2] + 8, t.box[3] + 8] });
    } else link(c, x, h / 2, n, { colour: i === 0 ? fg : muted, underline: false, style: "nav" });
    x += c.textWidth(n) + r.int(24, 36);
  }
  // Right side: search, icons, avatar.
  let rx = c.lw - 16;
  const av = 30;
  rx -= av;
  c.add(`<circle cx="${rx + av / 2}" cy="${h / 2}" r="${av / 2}" fill="${mix(c.accent, "#ffffff", 0.5)}"/>`);
  c.text(rx + av / 2, h / 2, r.pick(NAMES)[0] + r.pick(SURNAMES)[0], { size: 11, weight: "bold", anchor: "middle", fill: "#1f2937" });
  c.occupy([rx, (h - av) / 2, av, av]);
  const icons = r.shuffle(["bell", "sun", "info", "mail", "grid", "settingsLike"]).slice(0, r.int(2, 4));
  for (const name of icons) {
    const s = r.pick([18, 20, 20, 22]);
    rx -= s + r.int(14, 22);
    glyphIcon(c, rx, (h - s) / 2, s, name === "settingsLike" ? "sun" : name, fg, { style: "appbar" });
  }
  if (x < rx - 260 && r.chance(0.7)) {
    const w = Math.min(320, rx - x - 40);
    textBox(c, rx - w - 24, (h - 32) / 2, w, { h: 32, style: "search", placeholder: "Search…" });
  }
}

function sidebar(c, x, y, w, h) {
  const { r, theme } = c;
  const bg = c.colour(theme.sidebar);
  const fg = lum(bg) > 150 ? theme.text : "#ffffff";
  const muted = lum(bg) > 150 ? theme.muted : mix(bg, "#ffffff", 0.65);
  c.rect(x, y, w, h, { fill: bg });
  if (lum(bg) > 150 && bg === theme.page) c.rect(x + w - 1, y, 1, h, { fill: theme.divider });
  else if (lum(bg) > 150) c.rect(x + w - 1, y, 1, h, { fill: theme.divider });
  c.surfaces.push([x, y, w, h]);
  const rowH = r.int(30, 38);
  const selStyle = r.pick(["rounded", "bar", "full"]);
  const withIcons = r.chance(0.75);
  let cy = y + 20;
  const sections = r.int(1, 2);
  let selectedDone = false;
  for (let s = 0; s < sections; s++) {
    if (r.chance(0.6)) {
      c.text(x + 16, cy + 8, r.title(1).toUpperCase(), { size: c.fs - 3, weight: "bold", fill: muted });
      cy += 26;
    }
    const n = r.int(3, 6);
    for (let i = 0; i < n && cy + rowH < y + h - 60; i++) {
      const text = c.fit(r.title(r.int(1, 2)), w - 110);
      const selected = !selectedDone && r.chance(0.3);
      const hovered = !selected && r.chance(0.08);
      const parts = [];
      const ix = x + 16 + (selStyle === "rounded" ? 4 : 0);
      const iconName = r.pick(["home", "folder", "file", "chart", "calendar", "user", "mail", "star", "archive", "tag", "lock", "list"]);
      const is = r.pick([16, 18, 20]);
      const rowY = cy;
      const rowCy = rowY + rowH / 2;
      let fillBox;
      if (selected || hovered) {
        fillBox = selStyle === "rounded" ? [x + 8, rowY, w - 16, rowH] : [x, rowY, w - 1, rowH];
        const fill = selected ? (lum(bg) > 150 ? mix(bg, c.accent, 0.14) : mix(bg, "#ffffff", 0.16)) : lum(bg) > 150 ? mix(bg, "#000000", 0.05) : mix(bg, "#ffffff", 0.08);
        c.rect(...fillBox, { fill, rx: selStyle === "rounded" ? 6 : 0 });
        if (selected && selStyle === "bar") c.rect(x, rowY, 3, rowH, { fill: c.accent });
        selectedDone ||= selected;
      }
      const colour = selected && lum(bg) > 150 ? c.accent : fg;
      if (withIcons) parts.push(c.iconSvg(iconName, ix, rowCy - is / 2, is, colour, 2));
      const t = c.label(ix + (withIcons ? is + 12 : 0), rowCy, text, { fill: colour, weight: selected ? "bold" : "normal" });
      parts.push(t.svg);
      if (r.chance(0.15)) {
        const n = String(r.int(1, 99));
        const bw = c.textWidth(n, c.fs - 3) + 12;
        const bx = x + w - 24 - bw;
        parts.push(c.rectSvg(bx, rowCy - 9, bw, 18, { fill: c.accent, rx: 9 }), c.label(bx + bw / 2, rowCy, n, { size: c.fs - 3, fill: "#ffffff", anchor: "middle" }).svg);
      }
      const svg = parts.join("");
      c.add(svg);
      c.occupy([ix, rowY + 4, w - (ix - x) - 16, rowH - 8]);
      if (fillBox) c.element("list_item", { style: selected ? `sidebar-selected-${selStyle}` : "sidebar-hover", box: fillBox });
      // Its box is the row its hover and selection fill shows (people click on its label).
      else c.element("list_item", { style: "sidebar", box: selStyle === "rounded" ? [x + 8, rowY, w - 16, rowH] : [x, rowY, w - 1, rowH], clickOn: { ink: svg, hint: [x, rowY, w, rowH] } });
      cy += rowH + r.int(0, 4);
    }
    cy += 16;
  }
}

// ---------------------------------------------------------------------------
// Content blocks
// ---------------------------------------------------------------------------

function card(c, x, y, w, h, { title } = {}) {
  const { r, theme } = c;
  const style = r.pick(["border", "shadow", "flat"]);
  const fill = theme.gradient && r.chance(0.3) ? c.gradient(theme.surface, mix(theme.surface, theme.dark ? "#ffffff" : "#000000", 0.04)) : theme.surface;
  c.rect(x, y, w, h, { fill, stroke: style === "border" || (style === "flat" && theme.surface === theme.page) ? theme.border : undefined, rx: r.pick([0, 4, 8, 12]), filter: style === "shadow" ? c.shadowFilter() : undefined });
  c.surfaces.push([x, y, w, h]);
  let top = y + 16;
  if (title) {
    c.text(x + 20, y + 24, title, { size: c.fs + 2, weight: "bold" });
    top = y + 46;
  }
  return top;
}

function tabs(c, x, y, maxW) {
  const { r, theme } = c;
  const style = r.pick(["underline", "underline", "boxed", "segmented"]);
  const names = r.shuffle(["Overview", "General", "Members", "Billing", "Security", "Activity", "Integrations", "Notifications", "Advanced"]).slice(0, r.int(3, 5));
  const sel = r.int(0, names.length - 1);
  const h = r.int(32, 40);
  let cx = x;
  if (style === "segmented") {
    const pad = 14;
    const widths = names.map((n) => c.textWidth(n) + 2 * pad);
    const total = widths.reduce((a, b) => a + b, 0) + 8;
    c.rect(x, y, total, h, { fill: theme.dark ? mix(theme.surface, "#ffffff", 0.08) : mix(theme.surface, "#000000", 0.06), rx: 8 });
    c.occupy([x, y, total, h]);
    cx = x + 4;
    for (const [i, n] of names.entries()) {
      if (i === sel) {
        c.rect(cx, y + 4, widths[i], h - 8, { fill: theme.surface, rx: 6, filter: r.chance(0.5) ? c.shadowFilter() : undefined, stroke: theme.dark ? theme.border : undefined });
        c.add(c.label(cx + widths[i] / 2, y + h / 2, n, { anchor: "middle", weight: "bold" }).svg);
        c.element("tab", { style: "segmented-selected", box: [cx, y + 4, widths[i], h - 8] });
      } else {
        const t = c.label(cx + widths[i] / 2, y + h / 2, n, { anchor: "middle", fill: theme.muted });
        c.add(t.svg);
        c.element("tab", { style: "segmented", ink: t.svg, hint: [cx, y, widths[i], h] });
      }
      cx += widths[i];
    }
    return h;
  }
  if (style === "boxed") {
    const pad = 16;
    for (const [i, n] of names.entries()) {
      const w = c.textWidth(n) + 2 * pad;
      if (cx + w > x + maxW) break;
      const fill = i === sel ? theme.surface : theme.dark ? mix(theme.page, "#ffffff", 0.06) : mix(theme.page, "#000000", 0.04);
      c.rect(cx, y, w, h, { fill, stroke: theme.border, rx: 0 });
      if (i === sel) c.rect(cx + 1, y + h - 1, w - 2, 2, { fill: theme.surface });
      c.add(c.label(cx + w / 2, y + h / 2, n, { anchor: "middle", fill: i === sel ? theme.text : theme.muted }).svg);
      c.occupy([cx, y, w, h]);
      c.element("tab", { style: i === sel ? "boxed-selected" : "boxed", box: [cx, y, w, h] });
      cx += w - 1;
    }
    c.rect(x, y + h, maxW, 1, { fill: theme.border });
    return h;
  }
  // Underline tabs: text only, the selected one underlined; a divider under the bar.
  const pad = r.int(12, 18);
  for (const [i, n] of names.entries()) {
    const tw = c.textWidth(n, c.fs, i === sel ? "bold" : "normal");
    const w = tw + 2 * pad;
    if (cx + w > x + maxW) break;
    const t = c.label(cx + pad, y + h / 2, n, { fill: i === sel ? c.accent : theme.muted, weight: i === sel ? "bold" : "normal" });
    let svg = t.svg;
    if (i === sel) svg += c.rectSvg(cx, y + h - 3, w, 3, { fill: c.accent, rx: 1.5 });
    c.add(svg);
    c.occupy([cx, y, w, h]);
    c.element("tab", { style: i === sel ? "underline-selected" : "underline", ink: svg, hint: [cx, y, w, h + 2] });
    cx += w;
  }
  c.rect(x, y + h, maxW, 1, { fill: theme.divider });
  return h;
}

function iconToolbar(c, x, y, maxW, { dense = c.r.chance(0.6) } = {}) {
  const { r, theme } = c;
  const size = dense ? r.pick([16, 18]) : r.pick([18, 20]);
  const gap = dense ? r.int(6, 12) : r.int(14, 22);
  const h = size + 16;
  let cx = x;
  const names = r.shuffle([...ICON_NAMES, ...(r.chance(0.4) ? TEXT_ICONS.map((t) => `text:${t}`) : [])]);
  let k = 0;
  const count = r.int(6, 12);
  for (let i = 0; i < count && cx + size < x + maxW; i++) {
    if (i > 0 && r.chance(0.15)) {
      c.rect(cx + gap / 2 - 4, y + 6, 1, h - 12, { fill: theme.divider });
      cx += 10;
    }
    const name = names[k++ % names.length];
    if (r.chance(0.08)) {
      // A pressed / hovered icon button: its background is visible.
      tileIcon(c, cx - 6, y + (h - size - 12) / 2, size + 12, name.startsWith("text:") ? "plus" : name);
      cx += size + 12 + gap - 6;
      continue;
    }
    glyphIcon(c, cx, y + (h - size) / 2, size, name, r.chance(0.8) ? theme.text : theme.muted, { style: dense ? "toolbar-dense" : "toolbar" });
    cx += size + gap;
  }
  return { h, right: cx };
}

function statCards(c, x, y, w) {
  const { r, theme } = c;
  const n = w > 900 ? 4 : 3;
  const gap = 16;
  const cw = (w - gap * (n - 1)) / n;
  const ch = r.int(96, 120);
  for (let i = 0; i < n; i++) {
    const cx = x + i * (cw + gap);
    card(c, cx, y, cw, ch);
    c.text(cx + 20, y + 26, r.title(1), { fill: theme.muted });
    c.text(cx + 20, y + 62, r.chance(0.5) ? `$${r.int(1, 99)},${r.int(100, 999)}` : String(r.int(100, 99999)), { size: c.fs + 12, weight: "bold" });
    if (r.chance(0.6)) c.text(cx + 20, y + ch - 18, `${r.chance(0.6) ? "+" : "−"}${r.int(1, 30)}.${r.int(0, 9)}% ${r.pick(["vs last month", "this week", "from yesterday"])}`, { size: c.fs - 2, fill: r.chance(0.5) ? "#16a34a" : theme.muted });
    if (r.chance(0.4)) glyphIcon(c, cx + cw - 36, y + 16, 20, r.pick(["chart", "user", "calendar", "star", "mail"]), theme.muted, { style: "card" });
  }
  return ch;
}

function chartCard(c, x, y, w, h) {
  const { r, theme } = c;
  const top = card(c, x, y, w, h, { title: r.title(2) });
  if (r.chance(0.7)) labelledToggle(c, x + w - 150, y + 24, r.pick(["Live", "Compare", "Smooth"]));
  const px = x + 50;
  const pw = w - 70;
  const py = top + 10;
  const ph = y + h - 30 - py;
  for (let i = 0; i <= 4; i++) {
    c.rect(px, py + (i * ph) / 4, pw, 1, { fill: theme.divider });
    c.text(x + 12, py + (i * ph) / 4, String((4 - i) * 25), { size: c.fs - 3, fill: theme.muted });
  }
  const pts = [];
  let v = r.real(0.3, 0.7);
  for (let i = 0; i <= 24; i++) {
    v = Math.max(0.05, Math.min(0.95, v + r.real(-0.15, 0.15)));
    pts.push(`${round2(px + (i * pw) / 24)},${round2(py + ph * (1 - v))}`);
  }
  c.add(`<polyline points="${pts.join(" ")}" fill="none" stroke="${c.accent}" stroke-width="2"/>`);
  c.occupy([px, py, pw, ph]);
  for (let i = 0; i < 6; i++) c.text(px + (i * pw) / 5, y + h - 16, r.pick(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul"]), { size: c.fs - 3, fill: theme.muted, anchor: "middle" });
}

/** A list card with separator lines between rows (the card ends with the last row): the rows are list items whose truth is the cell between separators. */
function separatorList(c, x, y, w, maxH) {
  const { r, theme } = c;
  const rowH = r.int(40, 52);
  const rows = Math.max(2, Math.min(6, Math.floor((maxH - 50) / rowH)));
  const h = 50 + rows * rowH;
  const top = card(c, x, y, w, h, { title: r.title(2) });
  let cy = top + 4;
  for (let i = 0; i < rows; i++) {
    c.rect(x, cy, w, 1, { fill: theme.divider });
    const rowCy = cy + rowH / 2;
    let tx = x + 20;
    if (r.chance(0.6)) {
      c.add(`<circle cx="${tx + 12}" cy="${rowCy}" r="12" fill="${mix(r.pick(ACCENTS), theme.surface, 0.3)}"/>`);
      c.text(tx + 12, rowCy, r.pick(NAMES)[0], { size: 11, fill: "#ffffff", anchor: "middle", weight: "bold" });
      tx += 36;
    }
    c.text(tx, rowCy, c.fit(`${r.pick(NAMES)} ${r.pick(SURNAMES)} — ${r.words(r.int(2, 4))}`, x + w - 100 - tx), { fill: theme.text });
    c.text(x + w - 20, rowCy, `${r.int(1, 59)} ${r.pick(["min", "h", "d"])} ago`, { size: c.fs - 2, fill: theme.muted, anchor: "end" });
    c.element("list_item", { style: "separated-row", box: [x, cy + 1, w, i === rows - 1 ? y + h - cy - 1 : rowH - 1] });
    cy += rowH;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Layouts
// ---------------------------------------------------------------------------

function layoutLogin(c) {
  const { r, theme } = c;
  const split = c.lw >= 1100 && r.chance(0.4);
  let areaX = 0;
  if (split) {
    const pw = Math.round(c.lw * 0.45);
    c.rect(0, 0, pw, c.lh, { fill: c.gradient(c.accent, mix(c.accent, "#000000", 0.5)) });
    c.text(48, c.lh / 2 - 20, r.pick(["Welcome back", "Plan. Track. Ship.", "All your work, one place"]), { size: c.fs + 14, weight: "bold", fill: "#ffffff" });
    c.text(48, c.lh / 2 + 20, r.words(6), { fill: mix(c.accent, "#ffffff", 0.75) });
    areaX = pw;
  }
  const w = r.int(340, 420);
  const x = Math.round(areaX + (c.lw - areaX - w) / 2);
  const h = r.int(440, 500);
  const y = Math.max(20, Math.round((c.lh - h) / 2));
  card(c, x, y, w, h);
  let cy = y + 40;
  c.text(x + 32, cy, r.pick(["Sign in", "Log in to your account", "Welcome back"]), { size: c.fs + 8, weight: "bold" });
  cy += 30;
  const inner = w - 64;
  for (const label of ["Email", "Password"]) {
    c.text(x + 32, cy + 8, label, { size: c.fs - 1, fill: theme.muted });
    cy += 20;
    textBox(c, x + 32, cy, inner, { h: 38, style: r.pick(["bordered", "bordered", "filled"]), placeholder: label === "Email" ? "name@company.com" : undefined, value: label === "Password" ? "••••••••" : undefined });
    cy += 52;
  }
  checkbox(c, x + 32, cy + 8, "Remember me", { radio: false });
  const forgot = "Forgot password?";
  link(c, x + 32 + inner - c.textWidth(forgot, c.fs - 1), cy + 8, forgot, { size: c.fs - 1 });
  cy += 36;
  button(c, x + 32, cy, "Sign in", { h: 40, style: r.pick(["solid", "gradient", "pill"]), minW: inner });
  cy += 56;
  c.rect(x + 32, cy, inner / 2 - 20, 1, { fill: theme.divider });
  c.text(x + w / 2, cy, "or", { size: c.fs - 2, fill: theme.muted, anchor: "middle" });
  c.rect(x + w / 2 + 20, cy, inner / 2 - 20, 1, { fill: theme.divider });
  cy += 18;
  button(c, x + 32, cy, r.pick(["Continue with SSO", "Sign in with Google", "Use a passkey"]), { h: 38, style: r.pick(["outlined", "neutral"]), minW: inner, icon: r.chance(0.5) ? "lock" : undefined });
  cy += 58;
  const pre = "No account? ";
  c.text(x + 32, cy, pre, { fill: theme.muted });
  link(c, x + 32 + c.textWidth(pre), cy, r.pick(["Sign up", "Create one", "Start a free trial"]), { style: "inline", weight: "bold" });
  if (y + h + 40 < c.lh) {
    let lx = x;
    for (const t of ["Privacy", "Terms", "Help"]) {
      link(c, lx, y + h + 24, t, { size: c.fs - 2, colour: theme.muted, underline: false, style: "footer" });
      lx += c.textWidth(t, c.fs - 2) + 20;
    }
  }
}

function contentFrame(c) {
  const { r, theme } = c;
  const hasBar = r.chance(0.85);
  const barH = hasBar ? r.int(48, 60) : 0;
  const hasSide = c.lw >= 1000 && r.chance(0.75);
  const sideW = hasSide ? r.int(200, 240) : 0;
  const pageFill = theme.gradient ? c.gradient(theme.page, theme.page2, false) : theme.page;
  c.rect(0, 0, c.lw, c.lh, { fill: pageFill });
  c.surfaces.push([0, 0, c.lw, c.lh]);
  if (hasBar) appBar(c, barH);
  if (hasSide) sidebar(c, 0, barH, sideW, c.lh - barH);
  return { x: sideW + 24, y: barH + 20, w: c.lw - sideW - 48, h: c.lh - barH - 40 };
}

function layoutDashboard(c) {
  const { r, theme } = c;
  const a = contentFrame(c);
  c.text(a.x, a.y + 12, r.title(1), { size: c.fs + 8, weight: "bold" });
  let bx = a.x + a.w;
  for (const [i, v] of ["New report", "Export"].entries()) {
    const w = c.textWidth(v, c.fs, "bold") + 34 + (i === 0 ? 22 : 0);
    bx -= w + 10;
    button(c, bx, a.y - 4, v, { h: 34, style: i === 0 ? r.pick(["solid", "gradient"]) : r.pick(["outlined", "neutral", "soft"]), icon: i === 0 && r.chance(0.6) ? "plus" : undefined });
  }
  let y = a.y + 44;
  const ch = statCards(c, a.x, y, a.w);
  y += ch + 20;
  const rest = a.y + a.h - y;
  const lw = Math.round(a.w * r.real(0.38, 0.46));
  chartCard(c, a.x, y, a.w - lw - 16, Math.min(rest, 320));
  separatorList(c, a.x + a.w - lw, y, lw, rest);
  if (y + 340 < a.y + a.h) {
    let lx = a.x;
    for (let i = 0; i < 3; i++) {
      const t = r.pick(["View all reports", "Manage team", "Open billing", "See changelog", "Invite people"]);
      link(c, lx, y + 340, t);
      lx += c.textWidth(t) + 28;
    }
  }
}

function layoutSettings(c) {
  const { r, theme } = c;
  const a = contentFrame(c);
  c.text(a.x, a.y + 12, "Settings", { size: c.fs + 8, weight: "bold" });
  let y = a.y + 36;
  y += tabs(c, a.x, y, Math.min(a.w, 720)) + 20;
  const cw = Math.min(a.w, 760);
  const ch = a.y + a.h - y;
  const top = card(c, a.x, y, cw, ch, { title: r.title(1) });
  let cy = top + 8;
  // Toggle rows: label + description on the left, switch on the right.
  const toggles = r.int(2, 3);
  for (let i = 0; i < toggles && cy + 50 < y + ch; i++) {
    c.text(a.x + 24, cy + 8, r.title(2), { weight: "bold" });
    c.text(a.x + 24, cy + 28, r.words(r.int(4, 8)), { size: c.fs - 2, fill: theme.muted });
    toggle(c, a.x + cw - 24 - 44, cy + 18);
    cy += 48;
    c.rect(a.x + 24, cy, cw - 48, 1, { fill: theme.divider });
    cy += 12;
  }
  // Checkboxes and radios, in one or two columns.
  const radio = r.chance(0.4);
  const n = r.int(3, 4);
  for (let i = 0; i < n && cy + 28 < y + ch - 60; i++) {
    checkbox(c, a.x + 24, cy + 10, r.title(r.int(2, 4)), { radio });
    if (cw > 600 && r.chance(0.5)) checkbox(c, a.x + cw / 2, cy + 10, r.title(r.int(2, 3)), { radio });
    cy += r.int(26, 32);
  }
  cy += 10;
  // A pair of text boxes with labels.
  if (cy + 70 < y + ch - 50) {
    const fw = (cw - 64) / 2;
    for (let i = 0; i < 2; i++) {
      const fx = a.x + 24 + i * (fw + 16);
      c.text(fx, cy + 8, r.title(1), { size: c.fs - 1, fill: theme.muted });
      textBox(c, fx, cy + 20, fw, { h: 34, value: r.chance(0.5) ? `${r.pick(NAMES)} ${r.pick(SURNAMES)}` : undefined });
    }
    cy += 66;
  }
  if (cy + 40 < y + ch) {
    const by = Math.min(y + ch - 52, cy + 8);
    button(c, a.x + cw - 24 - 90, by, "Save", { h: 34, style: r.pick(["solid", "gradient", "pill"]), minW: 90 });
    button(c, a.x + cw - 24 - 90 - 100, by, "Cancel", { h: 34, style: r.pick(["outlined", "neutral", "soft"]), minW: 90 });
  }
  // A help column on wide screens.
  if (a.w - cw > 240) {
    const hx = a.x + cw + 24;
    const hw = a.w - cw - 24;
    const top2 = card(c, hx, y, hw, 200, { title: "Help" });
    paragraph(c, hx + 20, top2, hw - 40, { lines: r.int(2, 4) });
    link(c, hx + 20, y + 176, r.pick(["Read the guide", "Contact support", "Learn more"]));
  }
}

function layoutReport(c) {
  const { r, theme } = c;
  const a = contentFrame(c);
  c.text(a.x, a.y + 12, r.pick(["Invoices", "Orders", "Customers", "Tickets", "Deployments"]), { size: c.fs + 8, weight: "bold" });
  let y = a.y + 34;
  // Toolbar: icons, a filter box and a button.
  const tb = iconToolbar(c, a.x, y, a.w * 0.55);
  const fw = Math.min(260, a.w - (tb.right - a.x) - 160);
  if (fw > 140) textBox(c, a.x + a.w - fw - 130, y + (tb.h - 32) / 2, fw, { h: 32, style: r.pick(["search", "bordered"]), placeholder: "Filter…" });
  button(c, a.x + a.w - 116, y + (tb.h - 32) / 2, r.pick(["Export", "Create", "Import"]), { h: 32, style: r.pick(["solid", "outlined", "gradient"]), minW: 116 });
  y += tb.h + 12;
  if (r.chance(0.6)) y += tabs(c, a.x, y, a.w * 0.7) + 14;
  if (r.chance(0.7)) {
    labelledToggle(c, a.x + a.w - 200, y - 30, r.pick(["Show archived", "Compact rows", "Only mine"]));
    if (y < a.y + 34 + 80) y += 20;
  }
  // Table.
  const rowH = r.int(34, 44);
  const rows = Math.max(3, Math.floor((a.y + a.h - y - 100) / rowH));
  const tw = a.w;
  card(c, a.x, y, tw, (rows + 1) * rowH + 2);
  const zebra = r.chance(0.4);
  const cols = [a.x + 52, a.x + 52 + tw * 0.16, a.x + 52 + tw * 0.42, a.x + 52 + tw * 0.6, a.x + tw - 140];
  const headCy = y + rowH / 2;
  for (const [i, h] of ["ID", "Customer", "Amount", "Status"].entries()) c.text(cols[i], headCy, h.toUpperCase(), { size: c.fs - 3, weight: "bold", fill: theme.muted });
  const headerBox = r.chance(0.5);
  if (headerBox) checkbox(c, a.x + 18, headCy, "", { radio: false, labelled: false, checked: false });
  for (let i = 0; i < rows; i++) {
    const ry = y + (i + 1) * rowH;
    if (zebra && i % 2 === 0) c.rect(a.x + 1, ry, tw - 2, rowH, { fill: theme.dark ? mix(theme.surface, "#ffffff", 0.03) : mix(theme.surface, "#000000", 0.025) });
    c.rect(a.x + 1, ry, tw - 2, 1, { fill: theme.divider });
    const cy = ry + rowH / 2;
    checkbox(c, a.x + 18, cy, "", { radio: false, labelled: false, checked: r.chance(0.3) });
    link(c, cols[0], cy, `${r.pick(["INV", "ORD", "TCK"])}-${r.int(10000, 99999)}`, { underline: false, style: "table" });
    c.text(cols[1], cy, `${r.pick(NAMES)} ${r.pick(SURNAMES)}`);
    c.text(cols[2], cy, `${r.int(10, 9999)}.${r.int(10, 99)} €`);
    const status = r.pick(["Paid", "Pending", "Overdue", "Draft"]);
    const sc = { Paid: "#16a34a", Pending: "#ca8a04", Overdue: "#dc2626", Draft: theme.muted }[status];
    const sw = c.textWidth(status, c.fs - 2) + 16;
    c.rect(cols[3], cy - 10, sw, 20, { fill: mix(theme.surface, sc, 0.18), rx: 10 });
    c.text(cols[3] + 8, cy, status, { size: c.fs - 2, fill: sc });
    glyphIcon(c, cols[4] + 40, cy - 8, 16, "edit", theme.muted, { style: "row-action" });
    glyphIcon(c, cols[4] + 72, cy - 8, 16, "trash", theme.muted, { style: "row-action" });
    glyphIcon(c, cols[4] + 104, cy - 8, 16, "more", theme.muted, { style: "row-action" });
  }
  const py = y + (rows + 1) * rowH + 14;
  if (py + 30 < c.lh) {
    let px = a.x + a.w;
    for (const p of ["Next", "3", "2", "1", "Previous"]) {
      const w = c.textWidth(p) + 24;
      px -= w + 6;
      const cur = p === "1";
      c.rect(px, py, w, 30, { fill: cur ? c.accent : theme.surface, stroke: cur ? undefined : theme.border, rx: 4 });
      c.add(c.label(px + w / 2, py + 15, p, { anchor: "middle", fill: cur ? "#ffffff" : theme.text }).svg);
      c.occupy([px, py, w, 30]);
      c.element("button", { style: "pagination", box: [px, py, w, 30] });
    }
    c.text(a.x, py + 15, `Showing 1–${rows} of ${r.int(40, 400)}`, { fill: theme.muted, size: c.fs - 1 });
  }
}

function layoutMail(c) {
  const { r, theme } = c;
  const a = contentFrame(c);
  const lw = Math.round(Math.min(360, a.w * 0.38));
  // Message list: a nested panel with rows (selected one filled), no outer gap.
  const listX = a.x - 24;
  const listY = a.y - 20;
  const listH = a.h + 40;
  const listBg = theme.dark ? mix(theme.page, "#ffffff", 0.03) : theme.surface;
  c.rect(listX, listY, lw, listH, { fill: listBg });
  c.rect(listX + lw, listY, 1, listH, { fill: theme.divider });
  c.surfaces.push([listX, listY, lw, listH]);
  textBox(c, listX + 12, listY + 12, lw - 24, { h: 32, style: "search", placeholder: "Search mail" });
  const rowH = r.int(58, 68);
  const sep = r.chance(0.6);
  let y = listY + 56;
  const sel = r.int(0, 3);
  for (let i = 0; y + rowH < listY + listH; i++) {
    const selected = i === sel;
    if (selected) c.rect(listX, y, lw, rowH, { fill: mix(listBg, c.accent, theme.dark ? 0.25 : 0.12) });
    if (sep) c.rect(listX, y + rowH - 1, lw, 1, { fill: theme.divider });
    c.text(listX + 16, y + 20, `${r.pick(NAMES)} ${r.pick(SURNAMES)}`, { weight: i % 3 === 0 ? "bold" : "normal" });
    c.text(listX + lw - 16, y + 20, `${r.int(1, 12)}:${r.int(10, 59)}`, { size: c.fs - 3, fill: theme.muted, anchor: "end" });
    c.text(listX + 16, y + 42, c.fit(r.title(r.int(3, 5)), lw - 40, c.fs - 2), { size: c.fs - 2, fill: theme.muted });
    if (selected || sep) c.element("list_item", { style: selected ? "mail-selected" : "mail-separated", box: [listX, y, lw, rowH - (sep ? 1 : 0)] });
    y += rowH;
  }
  // Reading pane: toolbar, heading, paragraphs with links, reply buttons.
  const px = listX + lw + 24;
  const pw = c.lw - px - 24;
  const tb = iconToolbar(c, px, a.y - 12, pw * 0.6, { dense: r.chance(0.5) });
  let cy = a.y - 12 + tb.h + 16;
  c.text(px, cy, r.title(r.int(3, 6)), { size: c.fs + 6, weight: "bold" });
  cy += 34;
  c.add(`<circle cx="${px + 18}" cy="${cy + 8}" r="18" fill="${mix(c.accent, theme.surface, 0.4)}"/>`);
  c.occupy([px, cy - 10, 36, 36]);
  c.text(px + 48, cy, `${r.pick(NAMES)} ${r.pick(SURNAMES)}`, { weight: "bold" });
  link(c, px + 48, cy + 20, `${r.pick(NAMES).toLowerCase()}@${r.pick(["acme", "contoso", "orbit"])}.com`, { size: c.fs - 2, underline: false, style: "email" });
  cy += 50;
  for (let k = 0; k < 2 && cy + 100 < c.lh - 60; k++) cy += paragraph(c, px, cy, Math.min(pw, 640), { lines: r.int(2, 4), withLink: k === 0 || r.chance(0.5) }) + 16;
  let bx = px;
  for (const v of ["Reply", "Forward"]) {
    const b = button(c, bx, cy + 10, v, { h: 34, style: r.pick(["outlined", "neutral", "soft", "solid"]), icon: r.chance(0.5) ? (v === "Reply" ? "send" : "share") : undefined });
    bx += b[2] + 12;
  }
  if (cy + 80 < c.lh) {
    const text = r.pick(["Mark as read", "Notify me of replies", "Always show images"]);
    if (r.chance(0.5)) checkbox(c, px, cy + 70, text, {});
    else labelledToggle(c, px, cy + 70, text);
  }
}

const LAYOUTS = { login: layoutLogin, dashboard: layoutDashboard, settings: layoutSettings, report: layoutReport, mail: layoutMail };
export const LAYOUT_NAMES = Object.keys(LAYOUTS);

// ---------------------------------------------------------------------------
// Truth measurement, clicks
// ---------------------------------------------------------------------------

/** The drawn extent (alpha ≥ 0.3) of an SVG snippet at the screen's scale, in image pixels; undefined if nothing is drawn. */
async function inkBox(c, svg, hint) {
  const s = c.scale;
  // Text widths are estimates: leave room around the hint.
  const padX = Math.ceil(8 + 0.3 * hint[2] * s);
  const padY = Math.ceil(8 + 0.3 * hint[3] * s);
  const x0 = Math.floor(hint[0] * s) - padX;
  const y0 = Math.floor(hint[1] * s) - padY;
  const w = Math.ceil(hint[2] * s) + 2 * padX;
  const h = Math.ceil(hint[3] * s) + 2 * padY;
  const defs = c.defs.size ? `<defs>${[...c.defs].join("")}</defs>` : "";
  const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${defs}<g transform="translate(${-x0},${-y0}) scale(${s})">${svg}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(doc)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(info.width * info.height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i * 4 + 3] >= 77 ? 1 : 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3] < 77) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return undefined;
  if (minX === 0 || minY === 0 || maxX === info.width - 1 || maxY === info.height - 1) throw new Error(`ink of ${svg.slice(0, 80)} reaches the edge of its measuring canvas: widen the hint`);
  const ink = { x0, y0, width: info.width, height: info.height, mask };
  return { box: [x0 + minX, y0 + minY, maxX - minX + 1, maxY - minY + 1], ink };
}

/** Whether a drawn pixel of `ink` lies within `d` px of image pixel (x, y). */
function nearInk(ink, x, y, d) {
  for (let j = y - d; j <= y + d; j++) {
    for (let i = x - d; i <= x + d; i++) {
      const u = i - ink.x0;
      const v = j - ink.y0;
      if (u >= 0 && v >= 0 && u < ink.width && v < ink.height && ink.mask[v * ink.width + u]) return true;
    }
  }
  return false;
}

const toImage = (c, b) => b.map((v) => v * c.scale);

/** A point inside `box` (image px), around its centre: people aim at the middle, not exactly. */
function aimAt(r, box, spread = 0.3) {
  const [x, y, w, h] = box;
  const gx = () => Math.max(-0.42, Math.min(0.42, (r.rand() + r.rand() + r.rand() - 1.5) * spread * 1.4));
  return { x: Math.floor(x + w * (0.5 + gx())), y: Math.floor(y + h * (0.5 + gx())) };
}

function near(box, x, y, margin) {
  return x >= box[0] - margin && x < box[0] + box[2] + margin && y >= box[1] - margin && y < box[1] + box[3] + margin;
}

/**
 * Picks the clicks of a screen: up to `perType` elements of each type (chosen
 * at random), a point on each, and `emptyClicks` points on empty space.
 */
async function chooseClicks(c, r, { perType, emptyClicks }) {
  const clicks = [];
  for (const type of ELEMENT_TYPES) {
    if (type === "empty_space") continue;
    const all = c.elements.filter((e) => e.type === type);
    for (const e of r.shuffle(all).slice(0, perType)) {
      let box;
      let ink;
      if (e.box) box = toImage(c, e.box);
      else {
        const measured = await inkBox(c, e.ink, e.hint);
        if (measured === undefined) continue;
        ({ box, ink } = measured);
      }
      let aim = box;
      if (e.clickOn) {
        // Clicked on its drawn content, boxed as its row.
        const measured = await inkBox(c, e.clickOn.ink, e.clickOn.hint);
        if (measured === undefined) continue;
        ({ box: aim, ink } = measured);
      }
      box = box.map((v) => Math.round(v * 100) / 100);
      if (box[0] < 0 || box[1] < 0 || box[0] + box[2] > c.width || box[1] + box[3] > c.height) continue;
      let at;
      if (type === "checkbox" && e.boxPart && r.chance(0.5)) at = aimAt(r, toImage(c, e.boxPart), 0.2);
      else if (type === "checkbox" && e.boxPart) {
        // On the label: the part right of the box.
        const bp = toImage(c, e.boxPart);
        const lx = bp[0] + bp[2] + 4 * c.scale;
        const label = [lx, box[1], box[0] + box[2] - lx, box[3]];
        for (let k = 0; k < 50; k++) {
          at = box[0] + box[2] > lx + 4 ? aimAt(r, label, 0.3) : aimAt(r, box, 0.2);
          if (nearInk(ink, at.x, at.y, 2)) break;
        }
      } else if (ink && type !== "icon") {
        // Text, or an item of icon and text: people click on what is drawn, not the gaps of the box around it.
        for (let k = 0; k < 50; k++) {
          at = aimAt(r, aim, 0.3);
          if (nearInk(ink, at.x, at.y, 2)) break;
        }
      } else at = aimAt(r, box, e.box ? 0.3 : 0.25);
      clicks.push({ type, style: e.style, box, x: at.x, y: at.y });
    }
  }
  // Empty space: points on a page, panel or card background, away from everything drawn.
  const margin = 12;
  for (let n = 0, tries = 0; n < emptyClicks && tries < 2000; tries++) {
    const s = r.pick(c.surfaces);
    const lx = s[0] + r.rand() * s[2];
    const ly = s[1] + r.rand() * s[3];
    if (lx < 4 || ly < 4 || lx > c.lw - 4 || ly > c.lh - 4) continue;
    if (c.occupied.some((b) => near(b, lx, ly, margin))) continue;
    // The innermost surface under the point (drawn last) holds it with a margin: not on a card's edge or shadow.
    const inner = c.surfaces.filter((b) => near(b, lx, ly, 0)).at(-1);
    if (!near([inner[0] + margin, inner[1] + margin, inner[2] - 2 * margin, inner[3] - 2 * margin], lx, ly, 0)) continue;
    clicks.push({ type: "empty_space", style: "background", box: null, x: Math.floor(lx * c.scale), y: Math.floor(ly * c.scale) });
    n++;
  }
  return clicks;
}

/**
 * One screen: `{ index, seed, width, height, scale, theme, font, layout, format, quality, bytes, clicks }`,
 * where each click is `{ type, style, box, x, y }` (box null for empty space).
 */
export async function guiScreen(seed, index, { perType = 2, emptyClicks = 2 } = {}) {
  const r = random(seed, index, 1);
  const big = r.chance(0.45);
  const width = big ? 1920 : 1280;
  const height = big ? 1080 : 720;
  const scale = big ? r.pick([1, 1.25, 1.5]) : r.pick([1, 1, 1.25]);
  const theme = r.pick(THEMES);
  const font = r.pick(FONTS);
  const fontSize = r.pick([13, 14, 14, 15]);
  const accent = r.pick(ACCENTS);
  const c = new Canvas(r, { width, height, scale, theme, font, fontSize, accent });
  const layout = LAYOUT_NAMES[(index + Math.floor(seed % 5)) % LAYOUT_NAMES.length];
  if (layout === "login") {
    const pageFill = theme.gradient ? c.gradient(theme.page, theme.page2, false) : theme.page;
    c.rect(0, 0, c.lw, c.lh, { fill: pageFill });
    c.surfaces.push([0, 0, c.lw, c.lh]);
  }
  LAYOUTS[layout](c);
  const jpeg = r.chance(0.5);
  const quality = jpeg ? r.int(70, 90) : undefined;
  const svg = Buffer.from(c.svg());
  const base = sharp(svg).flatten({ background: theme.page.startsWith("#") ? theme.page : "#ffffff" });
  const bytes = jpeg ? await base.jpeg({ quality }).toBuffer() : await base.png({ compressionLevel: 6 }).toBuffer();
  const clicks = await chooseClicks(c, random(seed, index, 2), { perType, emptyClicks });
  return { index, seed, width, height, scale, theme: theme.name, font: font.family, fontSize, layout, format: jpeg ? "jpeg" : "png", quality, bytes, clicks, elementCount: c.elements.length };
}
