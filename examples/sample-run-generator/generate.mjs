// Writes a small, realistic qontinui run directory: GUI screenshots drawn with sharp and a
// records.jsonl in the runner's snake_case format, with a few deliberate problems.
//
//   node examples/sample-run-generator/generate.mjs <out-dir> [--records N] [--seed S]
//
// Deterministic: the same seed gives the same bytes (on the same machine and fonts).
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@qontinui/export-core";
import sharp from "sharp";

const W = 1280;
const H = 800;
const TITLE_H = 32;
const SIDEBAR_W = 220;
const FONT = "DejaVu Sans, Arial, Helvetica, sans-serif";
/** 2024-06-10 06:13:20 UTC: fixed, so records do not change from run to run. */
const BASE_TIME = 1718000000;
/** Referenced by one record and never written: the export reports it as screenshot_missing. */
const MISSING_SCREENSHOT = "screenshots/screen_099.png";

// ---------------------------------------------------------------- drawing

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function text(x, y, s, { size = 14, fill = "#1f2933", weight = "normal", anchor = "start" } = {}) {
  return `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}">${esc(s)}</text>`;
}

/** Icons drawn inside a size×size box at (x, y). */
const ICONS = {
  search: (x, y, s, c) =>
    `<circle cx="${x + s * 0.42}" cy="${y + s * 0.42}" r="${s * 0.28}" fill="none" stroke="${c}" stroke-width="2.2"/><line x1="${x + s * 0.62}" y1="${y + s * 0.62}" x2="${x + s * 0.88}" y2="${y + s * 0.88}" stroke="${c}" stroke-width="2.6" stroke-linecap="round"/>`,
  home: (x, y, s, c) =>
    `<path d="M${x + s * 0.5} ${y + s * 0.12} L${x + s * 0.9} ${y + s * 0.48} H${x + s * 0.78} V${y + s * 0.88} H${x + s * 0.22} V${y + s * 0.48} H${x + s * 0.1} Z" fill="${c}"/>`,
  chart: (x, y, s, c) =>
    [0.18, 0.44, 0.7].map((f, i) => `<rect x="${x + s * f}" y="${y + s * (0.55 - i * 0.2)}" width="${s * 0.16}" height="${s * (0.33 + i * 0.2)}" fill="${c}"/>`).join(""),
  gear: (x, y, s, c) =>
    `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s * 0.32}" fill="none" stroke="${c}" stroke-width="${s * 0.16}" stroke-dasharray="${s * 0.14} ${s * 0.1}"/><circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s * 0.14}" fill="${c}"/>`,
  bell: (x, y, s, c) =>
    `<path d="M${x + s * 0.2} ${y + s * 0.72} Q${x + s * 0.28} ${y + s * 0.62} ${x + s * 0.28} ${y + s * 0.45} Q${x + s * 0.3} ${y + s * 0.18} ${x + s * 0.5} ${y + s * 0.16} Q${x + s * 0.7} ${y + s * 0.18} ${x + s * 0.72} ${y + s * 0.45} Q${x + s * 0.72} ${y + s * 0.62} ${x + s * 0.8} ${y + s * 0.72} Z" fill="${c}"/><circle cx="${x + s / 2}" cy="${y + s * 0.82}" r="${s * 0.08}" fill="${c}"/><circle cx="${x + s * 0.76}" cy="${y + s * 0.22}" r="${s * 0.12}" fill="#e5484d"/>`,
  user: (x, y, s, c) =>
    `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s / 2}" fill="#d5dbe5"/><circle cx="${x + s / 2}" cy="${y + s * 0.4}" r="${s * 0.17}" fill="${c}"/><path d="M${x + s * 0.22} ${y + s * 0.84} Q${x + s / 2} ${y + s * 0.5} ${x + s * 0.78} ${y + s * 0.84} Z" fill="${c}"/>`,
  logo: (x, y, s) =>
    `<rect x="${x}" y="${y}" width="${s}" height="${s}" rx="${s * 0.22}" fill="#3358d4"/><text x="${x + s / 2}" y="${y + s * 0.68}" font-family="${FONT}" font-size="${s * 0.5}" font-weight="bold" fill="#fff" text-anchor="middle">Q</text>`,
};

/** Collects the SVG of one screen and the rectangle of every element a template could match. */
class Screen {
  constructor(name, title, states) {
    this.name = name;
    this.states = states;
    this.parts = [`<rect width="${W}" height="${H}" fill="#eef1f5"/>`];
    this.elements = new Map();
    this.titleBar(title);
  }

  add(svg) {
    this.parts.push(svg);
    return this;
  }

  element(id, type, x, y, w, h) {
    this.elements.set(id, { id, type, x, y, w, h });
  }

  titleBar(title) {
    this.add(`<rect width="${W}" height="${TITLE_H}" fill="#2b2f36"/>`);
    ["#ff5f57", "#febc2e", "#28c840"].forEach((c, i) => this.add(`<circle cx="${18 + i * 20}" cy="16" r="6" fill="${c}"/>`));
    this.add(text(W / 2, 21, title, { size: 13, fill: "#e6e8eb", anchor: "middle" }));
  }

  sidebar(active) {
    this.add(`<rect x="0" y="${TITLE_H}" width="${SIDEBAR_W}" height="${H - TITLE_H}" fill="#1e2430"/>`);
    this.add(ICONS.logo(16, 46, 28) + text(54, 66, "Qontinui", { size: 17, fill: "#ffffff", weight: "bold" }));
    const items = [
      ["nav_dashboard", "home", "Dashboard"],
      ["nav_search", "search", "Search"],
      ["nav_reports", "chart", "Reports"],
      ["nav_settings", "gear", "Settings"],
    ];
    items.forEach(([id, icon, label], i) => {
      const x = 12;
      const y = 96 + i * 48;
      const on = id === active;
      this.add(`<rect x="${x}" y="${y}" width="196" height="40" rx="6" fill="${on ? "#3358d4" : "#1e2430"}"/>`);
      this.add(ICONS[icon](x + 12, y + 10, 20, on ? "#ffffff" : "#9aa5b8"));
      this.add(text(x + 44, y + 25, label, { size: 14, fill: on ? "#ffffff" : "#c5ccd8" }));
      this.element(id, "menu_item", x, y, 196, 40);
    });
  }

  toolbar(heading) {
    this.add(`<rect x="${SIDEBAR_W}" y="${TITLE_H}" width="${W - SIDEBAR_W}" height="64" fill="#ffffff"/><rect x="${SIDEBAR_W}" y="95" width="${W - SIDEBAR_W}" height="1" fill="#d9dee7"/>`);
    this.add(text(248, 72, heading, { size: 22, weight: "bold" }));
    this.icon("notifications_icon", "bell", 1176, 48, 32, "#52606d");
    this.icon("user_avatar", "user", 1224, 48, 32, "#52606d");
  }

  button(id, x, y, w, h, label, { primary = true } = {}) {
    this.add(
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${primary ? "#3358d4" : "#ffffff"}" stroke="${primary ? "#2a48b0" : "#b8c1cf"}"/>` +
        text(x + w / 2, y + h / 2 + 5, label, { size: 14, weight: "bold", fill: primary ? "#ffffff" : "#1f2933", anchor: "middle" }),
    );
    this.element(id, "button", x, y, w, h);
  }

  textField(id, x, y, w, h, { placeholder = "", value = "", password = false, icon } = {}) {
    const pad = icon ? 40 : 12;
    this.add(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="5" fill="#ffffff" stroke="${value ? "#3358d4" : "#b8c1cf"}" stroke-width="${value ? 2 : 1}"/>`);
    if (icon) this.add(ICONS[icon](x + 10, y + (h - 20) / 2, 20, "#7b8794"));
    const shown = password ? "\u2022".repeat(value.length) : value;
    this.add(text(x + pad, y + h / 2 + 5, shown || placeholder, { size: 14, fill: shown ? "#1f2933" : "#9aa5b1" }));
    this.element(id, "text_field", x, y, w, h);
  }

  icon(id, kind, x, y, size, color) {
    this.add(ICONS[kind](x, y, size, color));
    this.element(id, "icon", x, y, size, size);
  }

  toggle(id, x, y, label, on) {
    this.add(
      `<rect x="${x}" y="${y}" width="44" height="24" rx="12" fill="${on ? "#3358d4" : "#c5ccd8"}"/><circle cx="${on ? x + 32 : x + 12}" cy="${y + 12}" r="9" fill="#ffffff"/>` +
        text(x + 58, y + 17, label, { size: 14 }),
    );
    this.element(id, "checkbox", x, y, 44, 24);
  }

  svg() {
    return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${this.parts.join("")}</svg>`);
  }
}

function loginScreen(name, { username = "", password = "" }) {
  const s = new Screen(name, "Qontinui — Sign in", ["LoginScreen"]);
  s.add(`<rect x="444" y="154" width="400" height="470" rx="10" fill="#d9dee7"/><rect x="440" y="150" width="400" height="470" rx="10" fill="#ffffff"/>`);
  s.element("app_logo", "icon", 610, 180, 60, 60);
  s.add(ICONS.logo(610, 180, 60));
  s.add(text(640, 284, "Sign in to Qontinui", { size: 22, weight: "bold", anchor: "middle" }));
  s.add(text(480, 322, "Username", { size: 13, fill: "#52606d" }));
  s.textField("username_field", 480, 330, 320, 40, { placeholder: "name@example.com", value: username });
  s.add(text(480, 397, "Password", { size: 13, fill: "#52606d" }));
  s.textField("password_field", 480, 405, 320, 40, { placeholder: "Password", value: password, password: true });
  s.button("login_button", 480, 475, 320, 44, "Log in");
  s.add(text(640, 555, "Forgot password?", { size: 13, fill: "#3358d4", anchor: "middle" }));
  s.element("forgot_password_link", "link", 584, 541, 112, 18);
  return s;
}

function dashboardScreen(name) {
  const s = new Screen(name, "Qontinui — Dashboard", ["Dashboard"]);
  s.sidebar("nav_dashboard");
  s.toolbar("Dashboard");
  s.button("new_project_button", 1032, 48, 128, 32, "New project");
  [["Runs today", "128"], ["Success rate", "96.4%"], ["Open issues", "3"]].forEach(([label, value], i) => {
    const x = 248 + i * 336;
    s.add(`<rect x="${x}" y="120" width="312" height="120" rx="8" fill="#ffffff" stroke="#d9dee7"/>`);
    s.add(text(x + 20, 152, label, { size: 14, fill: "#52606d" }) + text(x + 20, 210, value, { size: 36, weight: "bold" }));
  });
  s.add(`<rect x="248" y="264" width="984" height="400" rx="8" fill="#ffffff" stroke="#d9dee7"/>`);
  s.add(text(268, 296, "Recent runs", { size: 16, weight: "bold" }));
  ["checkout-flow", "login-regression", "invoice-export", "settings-smoke", "search-latency", "nightly-full"].forEach((run, i) => {
    const y = 316 + i * 52;
    s.add(`<rect x="268" y="${y}" width="944" height="1" fill="#e4e7eb"/>`);
    s.add(text(284, y + 32, run, { size: 14 }) + text(760, y + 32, `${12 + i * 7} actions`, { size: 13, fill: "#52606d" }));
    s.add(`<rect x="1100" y="${y + 16}" width="88" height="24" rx="12" fill="${i === 2 ? "#fde2e1" : "#ddf3e4"}"/>`);
    s.add(text(1144, y + 33, i === 2 ? "failed" : "passed", { size: 12, fill: i === 2 ? "#b42318" : "#18794e", anchor: "middle" }));
  });
  return s;
}

function searchScreen(name, { query = "", results = false }) {
  const s = new Screen(name, "Qontinui — Search", ["SearchScreen"]);
  s.sidebar("nav_search");
  s.toolbar("Search");
  s.textField("search_field", 248, 120, 640, 40, { placeholder: "Search invoices, runs and reports", value: query, icon: "search" });
  s.button("search_button", 904, 120, 100, 40, "Search");
  s.add(`<rect x="1020" y="120" width="160" height="40" rx="5" fill="#ffffff" stroke="#b8c1cf"/>` + text(1034, 145, "All types \u25be", { size: 14 }));
  s.element("filter_dropdown", "dropdown", 1020, 120, 160, 40);
  if (!results) {
    s.add(text(740, 420, "Type to search invoices, runs and reports", { size: 16, fill: "#9aa5b1", anchor: "middle" }));
    return s;
  }
  s.add(text(248, 196, "4 results for \u201cinvoice\u201d", { size: 13, fill: "#52606d" }));
  ["Invoice INV-2024-0412", "Invoice INV-2024-0398", "Invoice export run #88", "Overdue invoices report"].forEach((title, i) => {
    const y = 208 + i * 68;
    s.add(`<rect x="248" y="${y}" width="984" height="60" rx="6" fill="#ffffff" stroke="#d9dee7"/>`);
    s.add(ICONS.chart(264, y + 18, 24, "#7b8794"));
    s.add(text(304, y + 26, title, { size: 15, weight: "bold" }) + text(304, y + 46, `Updated ${3 + i} days ago \u00b7 finance`, { size: 12, fill: "#52606d" }));
    if (i === 0) s.element("result_item", "list_item", 248, y, 984, 60);
  });
  return s;
}

function settingsScreen(name, { dialog = false }) {
  const s = new Screen(name, "Qontinui — Settings", dialog ? ["SettingsScreen", "ConfirmDialog"] : ["SettingsScreen"]);
  s.sidebar("nav_settings");
  s.toolbar("Settings");
  s.add(text(248, 140, "Display name", { size: 13, fill: "#52606d" }));
  s.textField("display_name_field", 248, 150, 400, 40, { value: "Alice Example" });
  s.toggle("dark_mode_toggle", 248, 230, "Dark mode", false);
  s.toggle("email_notifications_toggle", 248, 274, "Email notifications", true);
  s.button("save_button", 248, 340, 120, 40, "Save");
  s.button("cancel_button", 384, 340, 120, 40, "Cancel", { primary: false });
  if (dialog) {
    s.add(`<rect width="${W}" height="${H}" fill="#000000" fill-opacity="0.35"/>`);
    s.add(`<rect x="440" y="280" width="400" height="200" rx="10" fill="#ffffff"/>`);
    s.add(text(468, 326, "Save changes?", { size: 18, weight: "bold" }) + text(468, 356, "Your display name will be updated.", { size: 14, fill: "#52606d" }));
    s.button("confirm_cancel_button", 628, 420, 96, 36, "Cancel", { primary: false });
    s.button("confirm_ok_button", 732, 420, 88, 36, "OK");
  }
  return s;
}

/** The screens, in file order. screen_010 is the dashboard again: identical bytes, one image after dedup. */
function buildScreens() {
  return [
    loginScreen("screen_001", {}),
    loginScreen("screen_002", { username: "alice@example.com" }),
    loginScreen("screen_003", { username: "alice@example.com", password: "hunter22" }),
    dashboardScreen("screen_004"),
    searchScreen("screen_005", {}),
    searchScreen("screen_006", { query: "invoice" }),
    searchScreen("screen_007", { query: "invoice", results: true }),
    settingsScreen("screen_008", {}),
    settingsScreen("screen_009", { dialog: true }),
    dashboardScreen("screen_010"),
  ];
}

async function renderPng(screen) {
  // RGB without alpha, as a screen grabber writes; no timestamps, so the bytes depend only on the pixels.
  return sharp(screen.svg()).removeAlpha().png({ compressionLevel: 9, adaptiveFiltering: false, palette: false }).toBuffer();
}

// ---------------------------------------------------------------- records


/**
 * One pass through the app: [action, screen, element, extra]. `after` is the
 * screen the action leads to (its states become active_states_after).
 */
const SCRIPT = [
  ["wf_login", "FIND", "screen_001", "login_button"],
  ["wf_login", "CLICK", "screen_001", "username_field"],
  ["wf_login", "TYPE", "screen_002", "username_field", { text: "alice@example.com" }],
  ["wf_login", "FIND", "screen_002", "password_field"],
  ["wf_login", "CLICK", "screen_002", "password_field"],
  ["wf_login", "TYPE", "screen_003", "password_field", { text: "********" }],
  ["wf_login", "CLICK", "screen_003", "login_button", { after: "screen_004" }],
  ["wf_search", "FIND", "screen_004", "nav_search"],
  ["wf_search", "FIND", "screen_004", "error_dialog", { notFound: true }],
  ["wf_search", "FIND", "screen_004", "notifications_icon"],
  ["wf_search", "CLICK", "screen_004", "nav_search", { after: "screen_005" }],
  ["wf_search", "CLICK", "screen_005", "search_field"],
  ["wf_search", "TYPE", "screen_006", "search_field", { text: "invoice" }],
  ["wf_search", "CLICK", "screen_006", "search_button", { after: "screen_007" }],
  ["wf_search", "FIND", "screen_007", "result_item"],
  ["wf_search", "CLICK", "screen_007", "result_item"],
  ["wf_search", "CLICK", "screen_007", "filter_dropdown"],
  ["wf_settings", "FIND", "screen_010", "new_project_button"],
  ["wf_settings", "FIND", "screen_010", "user_avatar"],
  ["wf_settings", "CLICK", "screen_010", "nav_settings", { after: "screen_008" }],
  ["wf_settings", "CLICK", "screen_008", "display_name_field"],
  ["wf_settings", "CLICK", "screen_008", "dark_mode_toggle"],
  ["wf_settings", "CLICK", "screen_008", null, { at: [980, 620] }],
  ["wf_settings", "FIND", "screen_008", "save_button"],
  ["wf_settings", "CLICK", "screen_008", "save_button", { after: "screen_009" }],
  ["wf_settings", "FIND", "screen_009", "confirm_ok_button"],
  ["wf_settings", "CLICK", "screen_009", "confirm_ok_button", { after: "screen_008" }],
  ["wf_logout", "CLICK", "screen_008", "user_avatar", { failFirst: true }],
  ["wf_logout", "FIND", "screen_008", "cancel_button"],
];

const round = (v, digits) => Number(v.toFixed(digits));

function buildRecords(screens, count, seed) {
  const random = seededRandom(seed);
  const between = (lo, hi) => lo + (hi - lo) * random();
  const byName = new Map(screens.map((s) => [s.name, s]));
  const lines = [];
  let clock = BASE_TIME;
  let clicks = 0;
  let lastClickId = null;
  for (let i = 0; i < count; i++) {
    const [workflow, action, screenName, elementId, extra = {}] = SCRIPT[i % SCRIPT.length];
    const pass = Math.floor(i / SCRIPT.length) + 1;
    const screen = byName.get(screenName);
    const after = byName.get(extra.after ?? screenName);
    const element = elementId ? screen.elements.get(elementId) : undefined;
    const actionId = `act_${String(i + 1).padStart(4, "0")}`;
    const duration = Math.round(action === "TYPE" ? between(300, 1200) : between(40, 450));
    clock += between(0.15, 1.4);
    const start = round(clock, 3);
    clock += duration / 1000;
    const failed = extra.notFound || (extra.failFirst && pass === 1);

    const record = {
      action_id: actionId,
      action_type: action,
      start_time: start,
      end_time: round(clock, 3),
      duration_ms: duration,
      active_states_before: screen.states,
      active_states_after: failed ? screen.states : after.states,
      success: !failed,
      error_message: extra.notFound ? `pattern '${elementId}' not found within 2.0s` : failed ? "click did not change the active state" : null,
      retry_count: failed && !extra.notFound ? 1 : 0,
      match_summary: null,
      clicked_location: null,
      click_button: null,
      click_target_type: null,
      screenshot_reference: `screenshots/${screenName}.png`,
      workflow_id: `${workflow}_${pass}`,
      parent_action_id: action === "TYPE" ? lastClickId : null,
      metadata: { runner_version: "0.9.3", pass },
    };

    if (action === "FIND" || (action === "CLICK" && element)) {
      record.match_summary = extra.notFound
        ? { found: false, image_id: elementId, location: null, template_size: null, confidence: round(between(0.31, 0.58), 3) }
        : {
            found: true,
            image_id: elementId,
            location: { x: element.x, y: element.y },
            template_size: { width: element.w, height: element.h },
            confidence: round(between(0.8, 0.99), 3),
          };
    }
    if (action === "CLICK") {
      clicks++;
      lastClickId = actionId;
      const [x, y] = element
        ? [Math.round(element.x + element.w * between(0.3, 0.7)), Math.round(element.y + element.h * between(0.3, 0.7))]
        : extra.at;
      // Most runners write [x, y]; some older ones write {x, y}: the export accepts both.
      record.clicked_location = clicks % 5 === 0 ? { x, y } : [x, y];
      record.click_button = "left";
      record.click_target_type = element ? element.type : "coordinates";
    }
    if (action === "TYPE") record.metadata.typed_text = extra.text;
    lines.push(record);
  }

  // Two deliberate problems, so an export shows them counted by reason.
  const out = lines.map((r) => JSON.stringify(r));
  let missingAt = -1;
  let malformedAt = -1;
  if (count >= 4) {
    missingAt = Math.floor(count * 0.7);
    lines[missingAt].screenshot_reference = MISSING_SCREENSHOT;
    out[missingAt] = JSON.stringify(lines[missingAt]);
  }
  if (count >= 3) {
    // A line torn mid-write, as a crashed runner leaves it.
    malformedAt = Math.floor(count * 0.45);
    out[malformedAt] = out[malformedAt].slice(0, Math.floor(out[malformedAt].length * 0.6));
  }
  return { text: out.join("\n") + "\n", records: lines, missingAt, malformedAt };
}

// ---------------------------------------------------------------- entry points

/**
 * Writes `<outDir>/screenshots/screen_NNN.png` and `<outDir>/records.jsonl`.
 * Old `screen_*.png` files in `<outDir>/screenshots` are removed first, nothing else.
 */
export async function generateSampleRun(outDir, { records = 40, seed = 1, log = console.log } = {}) {
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`records must be a positive integer, got ${records}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const started = performance.now();
  const shotsDir = path.join(outDir, "screenshots");
  await mkdir(shotsDir, { recursive: true });
  for (const name of await readdir(shotsDir)) {
    if (/^screen_\d+\.png$/.test(name)) await rm(path.join(shotsDir, name));
  }

  const screens = buildScreens();
  const pngs = await Promise.all(screens.map(renderPng));
  const screenshots = [];
  for (const [i, screen] of screens.entries()) {
    const file = path.join(shotsDir, `${screen.name}.png`);
    await writeFile(file, pngs[i]);
    screenshots.push({ file, bytes: pngs[i].length, elements: [...screen.elements.keys()] });
  }
  const { text: jsonl, records: list, missingAt, malformedAt } = buildRecords(screens, records, seed);
  const recordsFile = path.join(outDir, "records.jsonl");
  await writeFile(recordsFile, jsonl);

  const summary = {
    outDir,
    recordsFile,
    lines: list.length,
    malformedLine: malformedAt >= 0 ? malformedAt + 1 : null,
    missingScreenshotLine: missingAt >= 0 ? missingAt + 1 : null,
    screenshots,
    durationMs: Math.round(performance.now() - started),
  };
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const total = screenshots.reduce((n, s) => n + s.bytes, 0);
  log(`sample run in ${outDir}: ${list.length} records.jsonl lines, ${screenshots.length} screenshots (${kb(total)}) in ${summary.durationMs} ms`);
  if (summary.malformedLine) log(`  line ${summary.malformedLine}: malformed JSON (torn write)`);
  if (summary.missingScreenshotLine) log(`  line ${summary.missingScreenshotLine}: references ${MISSING_SCREENSHOT}, which does not exist`);
  return summary;
}

function parseArgs(argv) {
  const args = { outDir: undefined, records: 40, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--records" || a === "--seed") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v)) throw new Error(`${a} needs an integer, got ${argv[i]}`);
      args[a.slice(2)] = v;
    } else if (a === "-h" || a === "--help") {
      return { help: true };
    } else if (!a.startsWith("-") && args.outDir === undefined) {
      args.outDir = a;
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return args;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const usage = "usage: node examples/sample-run-generator/generate.mjs <out-dir> [--records N] [--seed S]";
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${usage}`);
    process.exit(2);
  }
  if (args.help || !args.outDir) {
    console.error(usage);
    process.exit(args.help ? 0 : 2);
  }
  const summary = await generateSampleRun(path.resolve(args.outDir), { records: args.records, seed: args.seed, log: console.log });
  for (const s of summary.screenshots) console.log(`  ${path.relative(process.cwd(), s.file)}  ${(s.bytes / 1024).toFixed(1)} KB  ${s.elements.join(", ")}`);
  console.log(`  ${path.relative(process.cwd(), summary.recordsFile)}`);
}
