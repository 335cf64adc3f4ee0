// Generates realistic qontinui run directories for the benchmarks: 1920×1080 GUI-like PNG
// screenshots of 100-300 KB and a records.jsonl in the runner's snake_case format.
//
//   node bench/generate-run.mjs <out-dir> [--records 5000] [--unique 1000] [--seed 1]
//
// Drawing a 1920×1080 screen costs ~0.1-0.3 s, so only a few base screens are drawn (with sharp,
// from SVG); each of the N unique screenshots is a base PNG with a unique tEXt chunk inserted
// after IHDR: a valid PNG, unique bytes (so a unique content id), a realistic size, and
// microseconds to make.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { seededRandom } from "../packages/export-core/dist/index.js";
import { crc32 } from "../packages/export-core/dist/testing/index.js";

export const SCREEN_W = 1920;
export const SCREEN_H = 1080;
const FONT = "DejaVu Sans, sans-serif";
const MONO = "DejaVu Sans Mono, monospace";
const BASE_TIME = 1718000000;

// ---------------------------------------------------------------- PNG chunks

/** A PNG tEXt chunk (length, type, keyword\0text, CRC over type and data). */
export function textChunk(keyword, text) {
  const data = Buffer.from(`${keyword}\0${text}`, "latin1");
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write("tEXt", 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** The PNG signature (8) plus the IHDR chunk (25): new chunks go right after. */
const IHDR_END = 33;

/** A copy of `png` with a tEXt chunk after IHDR: same pixels, different bytes. */
export function withTextChunk(png, text) {
  if (png.toString("latin1", 12, 16) !== "IHDR") throw new Error("not a PNG with IHDR first");
  return Buffer.concat([png.subarray(0, IHDR_END), textChunk("Comment", text), png.subarray(IHDR_END)]);
}

/** A tiny unique PNG (default 8×8, one colour) for datasets where only the count matters. */
let tinyBase;
export async function tinyPng(text) {
  tinyBase ??= await sharp({ create: { width: 8, height: 8, channels: 3, background: "#3358d4" } }).png().toBuffer();
  return withTextChunk(tinyBase, text);
}

/** Synchronous variant once `tinyPng` has run once (hot loops of 100k). */
export function tinyPngSync(text) {
  if (!tinyBase) throw new Error("call await tinyPng() once first");
  return withTextChunk(tinyBase, text);
}

// ---------------------------------------------------------------- drawing

const WORDS =
  "file edit view insert format tools window help open save close print export import settings account profile search filter sort refresh delete rename copy paste undo redo project report invoice customer order status pending active archived total amount date name value type owner updated created details preview share upload download sync cancel apply submit next back finish".split(
    " ",
  );

function words(rnd, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(rnd() * WORDS.length)]);
  return out.join(" ");
}

function randomCode(rnd, n) {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789_.(){}=;:<> ";
  let s = "";
  for (let i = 0; i < n; i++) s += chars[Math.floor(rnd() * chars.length)];
  return s.replace(/[<>&]/g, "_");
}

const THEMES = [
  { bg: "#f3f4f6", panel: "#ffffff", chrome: "#2b2f36", accent: "#3358d4", text: "#1f2933", muted: "#6b7280", line: "#d9dee7" },
  { bg: "#1e1f22", panel: "#2b2d31", chrome: "#111214", accent: "#5865f2", text: "#e3e5e8", muted: "#949ba4", line: "#3f4147" },
  { bg: "#fafafa", panel: "#ffffff", chrome: "#dcdcdc", accent: "#0f7b6c", text: "#222222", muted: "#777777", line: "#e0e0e0" },
  { bg: "#0d1117", panel: "#161b22", chrome: "#010409", accent: "#f78166", text: "#c9d1d9", muted: "#8b949e", line: "#30363d" },
];

/** The clickable elements a template could match, by category. */
const ELEMENT_KINDS = ["button", "icon", "menu_item", "text_field", "checkbox", "tab", "link", "dropdown"];

/**
 * One base screen: SVG and the rectangles of its elements (ids are categories).
 * Text runs and a noisy chart/image panel make the PNG compress like a real
 * screenshot (100-300 KB) rather than like flat colour (10 KB).
 */
function drawScreen(index, seed) {
  const rnd = seededRandom(seed * 1000 + index);
  const t = THEMES[index % THEMES.length];
  const parts = [`<rect width="${SCREEN_W}" height="${SCREEN_H}" fill="${t.bg}"/>`];
  const elements = [];
  const el = (kind, name, x, y, w, h) => elements.push({ id: `${kind}_${name}`, kind, x, y, w, h });
  const txt = (x, y, s, size = 14, fill = t.text, family = FONT, weight = "normal") =>
    parts.push(`<text x="${x}" y="${y}" font-family="${family}" font-size="${size}" font-weight="${weight}" fill="${fill}">${s}</text>`);

  // Title bar, menu bar, toolbar.
  parts.push(`<rect width="${SCREEN_W}" height="34" fill="${t.chrome}"/>`);
  txt(860, 23, `Screen ${index} - ${words(rnd, 3)}`, 13, t.muted);
  ["close", "minimize", "maximize"].forEach((n, i) => {
    parts.push(`<circle cx="${20 + i * 22}" cy="17" r="7" fill="${["#ff5f57", "#febc2e", "#28c840"][i]}"/>`);
    el("icon", `window_${n}`, 13 + i * 22, 10, 14, 14);
  });
  parts.push(`<rect y="34" width="${SCREEN_W}" height="28" fill="${t.panel}"/>`);
  ["file", "edit", "view", "insert", "tools", "help"].forEach((m, i) => {
    txt(16 + i * 70, 53, m[0].toUpperCase() + m.slice(1), 13);
    el("menu_item", m, 10 + i * 70, 36, 62, 24);
  });
  parts.push(`<rect y="62" width="${SCREEN_W}" height="44" fill="${t.panel}"/><rect y="106" width="${SCREEN_W}" height="1" fill="${t.line}"/>`);
  for (let i = 0; i < 14; i++) {
    const x = 12 + i * 40;
    parts.push(`<rect x="${x}" y="68" width="32" height="32" rx="5" fill="${t.bg}"/><circle cx="${x + 16}" cy="84" r="${6 + (i % 4)}" fill="${i % 3 ? t.muted : t.accent}"/>`);
    el("icon", `tool_${i}`, x, 68, 32, 32);
  }
  parts.push(`<rect x="1320" y="70" width="420" height="28" rx="4" fill="${t.bg}" stroke="${t.line}"/>`);
  txt(1332, 89, "Search…", 13, t.muted);
  el("text_field", "search", 1320, 70, 420, 28);
  parts.push(`<rect x="1756" y="70" width="150" height="28" rx="4" fill="${t.accent}"/>`);
  txt(1790, 89, "Search", 13, "#ffffff", FONT, "bold");
  el("button", "search", 1756, 70, 150, 28);

  // Sidebar tree.
  parts.push(`<rect y="107" width="300" height="${SCREEN_H - 137}" fill="${t.panel}"/><rect x="300" y="107" width="1" height="${SCREEN_H - 137}" fill="${t.line}"/>`);
  for (let i = 0; i < 38; i++) {
    const depth = Math.floor(rnd() * 3);
    txt(20 + depth * 18, 132 + i * 24, words(rnd, 2 + Math.floor(rnd() * 2)), 13, i === 5 ? t.accent : t.text);
    if (i < 8) el("menu_item", `tree_${i}`, 10, 116 + i * 24, 280, 22);
  }

  // Main area: one of four layouts.
  const layout = index % 4;
  const mx = 320;
  if (layout === 0) {
    // Code editor: many coloured mono lines (compresses like real code).
    const colours = [t.text, t.accent, t.muted, "#d19a66", "#98c379", "#c678dd"];
    for (let i = 0; i < 40; i++) {
      txt(mx, 130 + i * 17, String(i + 1).padStart(3, " "), 12, t.muted, MONO);
      let x = mx + 40;
      const tokens = 2 + Math.floor(rnd() * 6);
      for (let k = 0; k < tokens && x < 1850; k++) {
        const s = randomCode(rnd, 3 + Math.floor(rnd() * 14));
        txt(x, 130 + i * 17, s, 12, colours[Math.floor(rnd() * colours.length)], MONO);
        x += s.length * 7.3 + 7;
      }
    }
    el("tab", "editor", mx, 110, 180, 14);
  } else if (layout === 1) {
    // Table of records.
    const cols = [mx + 20, mx + 260, mx + 560, mx + 860, mx + 1160, mx + 1400];
    for (let c = 0; c < cols.length; c++) txt(cols[c], 140, words(rnd, 1).toUpperCase(), 12, t.muted, FONT, "bold");
    for (let r = 0; r < 34; r++) {
      const y = 170 + r * 26;
      if (r % 2) parts.push(`<rect x="${mx}" y="${y - 18}" width="${SCREEN_W - mx - 20}" height="26" fill="${t.panel}"/>`);
      txt(cols[0], y, `INV-${Math.floor(rnd() * 90000 + 10000)}`, 13);
      txt(cols[1], y, words(rnd, 3), 13);
      txt(cols[2], y, `${(rnd() * 10000).toFixed(2)} EUR`, 13);
      txt(cols[3], y, `2024-0${1 + Math.floor(rnd() * 9)}-${10 + Math.floor(rnd() * 18)}`, 13);
      txt(cols[4], y, words(rnd, 1), 13, r % 5 ? t.text : t.accent);
      parts.push(`<rect x="${cols[5]}" y="${y - 13}" width="16" height="16" rx="3" fill="none" stroke="${t.muted}"/>`);
      if (r < 6) el("checkbox", `row_${r}`, cols[5], y - 13, 16, 16);
    }
  } else if (layout === 2) {
    // Form with fields, toggles and buttons.
    for (let i = 0; i < 12; i++) {
      const y = 150 + i * 62;
      txt(mx + 40, y, words(rnd, 2), 13, t.muted);
      parts.push(`<rect x="${mx + 40}" y="${y + 8}" width="620" height="34" rx="4" fill="${t.panel}" stroke="${t.line}"/>`);
      txt(mx + 52, y + 31, words(rnd, 4), 14);
      el("text_field", `field_${i}`, mx + 40, y + 8, 620, 34);
      parts.push(`<rect x="${mx + 720}" y="${y + 14}" width="44" height="24" rx="12" fill="${i % 2 ? t.accent : t.line}"/>`);
      el("checkbox", `toggle_${i}`, mx + 720, y + 14, 44, 24);
      txt(mx + 780, y + 31, words(rnd, 6), 13);
    }
    ["save", "cancel", "apply"].forEach((b, i) => {
      parts.push(`<rect x="${mx + 40 + i * 170}" y="930" width="150" height="40" rx="6" fill="${i === 0 ? t.accent : t.panel}" stroke="${t.line}"/>`);
      txt(mx + 90 + i * 170, 956, b, 15, i === 0 ? "#ffffff" : t.text, FONT, "bold");
      el("button", b, mx + 40 + i * 170, 930, 150, 40);
    });
    for (let i = 0; i < 30; i++) txt(mx + 1260, 150 + i * 26, words(rnd, 5), 12, t.muted);
  } else {
    // Dashboard: cards, a noisy chart, links.
    for (let c = 0; c < 4; c++) {
      const x = mx + 20 + c * 395;
      parts.push(`<rect x="${x}" y="130" width="375" height="120" rx="8" fill="${t.panel}" stroke="${t.line}"/>`);
      txt(x + 20, 165, words(rnd, 2), 14, t.muted);
      txt(x + 20, 222, `${Math.floor(rnd() * 1e5)}`, 40, t.text, FONT, "bold");
      el("button", `card_${c}`, x, 130, 375, 120);
    }
    const points = [];
    for (let i = 0; i <= 200; i++) points.push(`${mx + 20 + i * 7.8},${560 + Math.sin(i / 9 + index) * 120 + (rnd() - 0.5) * 90}`);
    parts.push(`<rect x="${mx + 20}" y="280" width="1570" height="460" rx="8" fill="${t.panel}" stroke="${t.line}"/>`);
    parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${t.accent}" stroke-width="2"/>`);
    for (let i = 0; i < 9; i++) parts.push(`<rect x="${mx + 20}" y="${300 + i * 50}" width="1570" height="1" fill="${t.line}"/>`);
    for (let i = 0; i < 10; i++) {
      txt(mx + 20 + (i % 5) * 310, 790 + Math.floor(i / 5) * 30, words(rnd, 3), 14, t.accent);
      el("link", `link_${i}`, mx + 20 + (i % 5) * 310, 775 + Math.floor(i / 5) * 30, 200, 20);
    }
    for (let i = 0; i < 5; i++) txt(mx + 20, 880 + i * 24, words(rnd, 14), 13);
  }
  ["overview", "details", "history"].forEach((n, i) => {
    el("tab", n, mx + 20 + i * 120, 112, 110, 16);
  });
  parts.push(`<rect x="1600" y="112" width="180" height="26" rx="4" fill="${t.panel}" stroke="${t.line}"/>`);
  txt(1610, 130, "All items ▾", 13);
  el("dropdown", "filter", 1600, 112, 180, 26);

  // A photo-like noise tile (avatars, thumbnails): what makes real screenshots 100-300 KB.
  const tile = [];
  for (let y = 0; y < 10; y++)
    for (let x = 0; x < 36; x++) {
      const v = Math.floor(rnd() * 200 + 30);
      tile.push(`<rect x="${1560 + x * 9}" y="${760 + y * 9}" width="9" height="9" fill="rgb(${v},${(v * 7) % 255},${(v * 13) % 255})"/>`);
    }
  if (layout !== 3) parts.push(tile.join(""));

  // Status bar.
  parts.push(`<rect y="${SCREEN_H - 30}" width="${SCREEN_W}" height="30" fill="${t.chrome}"/>`);
  txt(12, SCREEN_H - 10, words(rnd, 8), 12, t.muted);

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SCREEN_W}" height="${SCREEN_H}">${parts.join("")}</svg>`;
  return { svg: Buffer.from(svg), elements, states: [`Screen${index}`, `Layout${layout}`] };
}

/** Draws `count` base screens. Cached per (count, seed) in this process: drawing is the slow part. */
const baseCache = new Map();
export async function baseScreens(count = 12, seed = 1) {
  const key = `${count}:${seed}`;
  if (!baseCache.has(key)) {
    baseCache.set(
      key,
      (async () => {
        const out = [];
        for (let i = 0; i < count; i++) {
          const s = drawScreen(i, seed);
          const png = await sharp(s.svg).png({ compressionLevel: 6 }).toBuffer();
          out.push({ png, elements: s.elements, states: s.states });
        }
        return out;
      })(),
    );
  }
  return baseCache.get(key);
}

// ---------------------------------------------------------------- records

const ACTION_TYPES = ["CLICK", "CLICK", "CLICK", "FIND", "TYPE", "HOVER"];

/**
 * Writes a run directory: `screenshots/shot_<n>.png` (uniqueScreens files) and
 * `records.jsonl` with `records` record lines, spread evenly over the
 * screenshots (records / uniqueScreens per screenshot), plus `missing`
 * records whose screenshot does not exist and `malformed` broken lines.
 * `shotOf(r)` picks record r's screenshot instead of the even spread (figure 7's Zipf law);
 * `screens`, `label` and `idPrefix` set the base screens, the tEXt label and the action ids.
 * Returns what was written, for the benchmark's figures, with the records per screenshot.
 */
export async function generateRun(
  dir,
  { records = 5000, uniqueScreens = 1000, seed = 1, bases = 12, missing, malformed = 1, shotOf, screens: given, label = "qontinui-bench", idPrefix = "act" } = {},
) {
  const rnd = seededRandom(seed);
  const screens = given ?? (await baseScreens(bases, 1));
  const shotsDir = path.join(dir, "screenshots");
  await mkdir(shotsDir, { recursive: true });

  let screenshotBytes = 0;
  const names = [];
  const pending = [];
  for (let i = 0; i < uniqueScreens; i++) {
    const base = screens[i % screens.length];
    const bytes = withTextChunk(base.png, `${label} seed=${seed} shot=${i}`);
    const name = `screenshots/shot_${String(i).padStart(6, "0")}.png`;
    names.push(name);
    screenshotBytes += bytes.length;
    pending.push(writeFile(path.join(dir, name), bytes));
    if (pending.length >= 32) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);

  const missingCount = missing ?? Math.max(1, Math.round(records / 1000));
  const lines = [];
  const perShot = new Array(uniqueScreens).fill(0);
  let boxes = 0;
  let clicks = 0;
  for (let r = 0; r < records; r++) {
    const isMissing = missingCount > 0 && r % Math.max(1, Math.floor(records / missingCount)) === 7 && lines.length >= 7;
    const shot = shotOf ? shotOf(r) : Math.floor((r * uniqueScreens) / records);
    if (!isMissing) perShot[shot]++;
    const base = screens[shot % screens.length];
    const target = base.elements[Math.floor(rnd() * base.elements.length)];
    const actionType = ACTION_TYPES[Math.floor(rnd() * ACTION_TYPES.length)];
    const found = rnd() < 0.92;
    const jitter = () => Math.round((rnd() - 0.5) * 4);
    const record = {
      action_id: `${idPrefix}-${seed}-${String(r).padStart(7, "0")}`,
      action_type: actionType,
      start_time: BASE_TIME + r * 0.8,
      end_time: BASE_TIME + r * 0.8 + 0.3,
      duration_ms: 300,
      active_states_before: base.states,
      active_states_after: base.states,
      success: found,
      error_message: found ? null : "template not found",
      retry_count: found ? 0 : 2,
      match_summary: {
        found,
        image_id: target.id,
        location: { x: target.x + jitter(), y: target.y + jitter() },
        template_size: { width: target.w, height: target.h },
        confidence: found ? Number((0.8 + rnd() * 0.19).toFixed(4)) : Number((0.3 + rnd() * 0.3).toFixed(4)),
      },
      clicked_location: null,
      click_button: null,
      click_target_type: null,
      screenshot_reference: isMissing ? `screenshots/missing_${r}.png` : names[shot],
      workflow_id: `wf-${seed}-${Math.floor(r / 50)}`,
      parent_action_id: null,
      metadata: { runner_version: "2.4.1", monitor: 0 },
    };
    if (found) boxes++;
    if (actionType === "CLICK" && found) {
      record.clicked_location = [target.x + Math.floor(target.w / 2) + jitter(), target.y + Math.floor(target.h / 2) + jitter()];
      record.click_button = "left";
      record.click_target_type = target.kind;
      clicks++;
    }
    lines.push(JSON.stringify(record));
    if (r === Math.floor(records / 2)) for (let m = 0; m < malformed; m++) lines.push(`{"action_id": "broken-${m}", "action_type": "CLICK", "screenshot_ref`);
  }
  await writeFile(path.join(dir, "records.jsonl"), `${lines.join("\n")}\n`);
  return { dir, records, uniqueScreens, screenshotBytes, screenshotNames: names, missing: missingCount, malformed, boxes, clicks, perShot };
}

// ---------------------------------------------------------------- CLI

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith("--"));
  const opt = (name, d) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  if (!dir) {
    console.error("usage: node bench/generate-run.mjs <out-dir> [--records 5000] [--unique 1000] [--seed 1]");
    process.exit(2);
  }
  const t0 = performance.now();
  const run = await generateRun(dir, { records: opt("records", 5000), uniqueScreens: opt("unique", 1000), seed: opt("seed", 1) });
  console.log(
    `wrote ${run.records} records, ${run.uniqueScreens} screenshots (${(run.screenshotBytes / 1e6).toFixed(1)} MB, ${(run.screenshotBytes / run.uniqueScreens / 1024).toFixed(0)} KB each) to ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
