// GUI-like screens drawn as SVG: a desktop app with a title bar, a sidebar and one of several
// pages (login, dashboard, search, inbox, editor, settings, a page still loading). Every
// element a template could match is recorded with its exact pixel box, so a box in the truth
// is where the element really is.
//
// Layout is written in design units on a canvas of at least 1280x720 and scaled by one factor
// (1.5 at 1920x1080); every rectangle is rounded to whole pixels before it is drawn.
import { seededRandom } from "@qontinui/export-core";

const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
const ACCENT = "#3358d4";
const ACCENT_DARK = "#2a48b0";
const INK = "#1f2933";
const MUTED = "#52606d";
const FAINT = "#9aa5b1";
const LINE = "#d9dee7";

export const PAGE_KINDS = ["login", "dashboard", "search", "inbox", "editor", "settings"];

/** The states a page of each kind makes active. */
export const PAGE_STATES = {
  login: ["LoginScreen"],
  dashboard: ["Dashboard", "MainWindow"],
  search: ["MainWindow", "SearchScreen"],
  inbox: ["Inbox", "MainWindow"],
  editor: ["Editor", "MainWindow"],
  settings: ["MainWindow", "Settings"],
};

const NAV = [
  ["dashboard", "home", "Dashboard"],
  ["search", "search", "Search"],
  ["inbox", "mail", "Inbox"],
  ["editor", "doc", "Editor"],
  ["settings", "gear", "Settings"],
];

const WORDS = (
  "invoice report quarterly revenue pipeline customer export archive review draft approval budget forecast " +
  "vendor shipment order refund ledger payroll audit contract renewal meeting agenda summary onboarding " +
  "release staging production backlog sprint ticket incident postmortem latency throughput dashboard metric " +
  "northwind contoso fabrikam tailspin adventure works litware proseware wingtip alpine lucerne margie " +
  "travel coho winery fourth coffee graphic design institute humongous insurance trey research wide world"
).split(" ");
const PEOPLE = ["Alice Martin", "Bob Kowalski", "Chen Wei", "Dana Ortiz", "Emeka Obi", "Fatima Zahra", "Gustav Lind", "Hana Sato", "Ivan Petrov", "Julia Rossi", "Kofi Mensah", "Lena Weber", "Mateo Silva", "Nora Berg", "Omar Haddad", "Priya Nair"];

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 24);
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** UI scale: the design canvas is 1280x720 or larger in one direction. */
export const uiScale = (width, height) => Math.min(width / 1280, height / 720);

/** Collects the SVG of one screen, its elements (pixel boxes) and the regions filled with photo-like pixels. */
class Painter {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.k = uiScale(width, height);
    this.dw = width / this.k;
    this.dh = height / this.k;
    this.parts = [];
    this.elements = [];
    this.photos = [];
  }

  px(v) {
    return Math.round(v * this.k);
  }

  box(x, y, w, h) {
    const x0 = this.px(x);
    const y0 = this.px(y);
    return { x: x0, y: y0, w: Math.max(1, this.px(x + w) - x0), h: Math.max(1, this.px(y + h) - y0) };
  }

  /** A rectangle on whole pixels; a stroke is drawn inside the box, so nothing leaks out of it. */
  rect(x, y, w, h, { fill = "none", stroke, strokeWidth = 1, rx = 0, opacity } = {}) {
    const b = this.box(x, y, w, h);
    let geometry;
    if (stroke) {
      const sw = Math.max(1, Math.round(strokeWidth * this.k));
      geometry = `x="${b.x + sw / 2}" y="${b.y + sw / 2}" width="${Math.max(0, b.w - sw)}" height="${Math.max(0, b.h - sw)}" stroke="${stroke}" stroke-width="${sw}"`;
    } else {
      geometry = `x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"`;
    }
    const r = rx ? ` rx="${+(rx * this.k).toFixed(2)}"` : "";
    const o = opacity !== undefined ? ` fill-opacity="${opacity}"` : "";
    this.parts.push(`<rect ${geometry}${r} fill="${fill}"${o}/>`);
    return b;
  }

  text(x, y, s, { size = 14, fill = INK, weight = "normal", anchor = "start", family = FONT } = {}) {
    const k = this.k;
    this.parts.push(
      `<text x="${+(x * k).toFixed(2)}" y="${+(y * k).toFixed(2)}" font-family="${family}" font-size="${+(size * k).toFixed(2)}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}">${esc(s)}</text>`,
    );
  }

  icon(kind, x, y, s, color) {
    this.parts.push(ICONS[kind](x * this.k, y * this.k, s * this.k, color));
  }

  circle(cx, cy, r, fill, extra = "") {
    this.parts.push(`<circle cx="${+(cx * this.k).toFixed(2)}" cy="${+(cy * this.k).toFixed(2)}" r="${+(r * this.k).toFixed(2)}" fill="${fill}"${extra}/>`);
  }

  /** Raw SVG in design units. */
  design(svg) {
    this.parts.push(`<g transform="scale(${this.k})">${svg}</g>`);
  }

  /**
   * Records an element a template can match. `templateId` names how it looks (the same look on
   * two screens gives the same image_id); `role`/`text` are what a DOM snapshot would report.
   */
  element(id, templateId, role, text, b, { clickable = false, typeable = false, primary = false } = {}) {
    this.elements.push({ id, templateId, role, text, x: b.x, y: b.y, w: b.w, h: b.h, clickable, typeable, primary });
    return b;
  }

  /** A region later filled with photo-like pixels (a picture in the page). */
  photo(x, y, w, h, seed) {
    const b = this.box(x, y, w, h);
    this.photos.push({ ...b, seed });
    this.rect(x, y, w, h, { fill: "#808080" });
    return b;
  }

  svg() {
    return Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">${this.parts.join("")}</svg>`,
    );
  }
}

/** Icons drawn inside a size×size box at (x, y), in pixels. */
const ICONS = {
  search: (x, y, s, c) =>
    `<circle cx="${x + s * 0.42}" cy="${y + s * 0.42}" r="${s * 0.28}" fill="none" stroke="${c}" stroke-width="${s * 0.1}"/><line x1="${x + s * 0.62}" y1="${y + s * 0.62}" x2="${x + s * 0.88}" y2="${y + s * 0.88}" stroke="${c}" stroke-width="${s * 0.12}" stroke-linecap="round"/>`,
  home: (x, y, s, c) =>
    `<path d="M${x + s * 0.5} ${y + s * 0.12} L${x + s * 0.9} ${y + s * 0.48} H${x + s * 0.78} V${y + s * 0.88} H${x + s * 0.22} V${y + s * 0.48} H${x + s * 0.1} Z" fill="${c}"/>`,
  mail: (x, y, s, c) =>
    `<rect x="${x + s * 0.1}" y="${y + s * 0.22}" width="${s * 0.8}" height="${s * 0.56}" rx="${s * 0.06}" fill="none" stroke="${c}" stroke-width="${s * 0.09}"/><path d="M${x + s * 0.12} ${y + s * 0.26} L${x + s * 0.5} ${y + s * 0.55} L${x + s * 0.88} ${y + s * 0.26}" fill="none" stroke="${c}" stroke-width="${s * 0.09}"/>`,
  doc: (x, y, s, c) =>
    `<path d="M${x + s * 0.22} ${y + s * 0.1} H${x + s * 0.62} L${x + s * 0.8} ${y + s * 0.28} V${y + s * 0.9} H${x + s * 0.22} Z" fill="none" stroke="${c}" stroke-width="${s * 0.09}"/>` +
    [0.42, 0.56, 0.7].map((f) => `<line x1="${x + s * 0.32}" y1="${y + s * f}" x2="${x + s * 0.7}" y2="${y + s * f}" stroke="${c}" stroke-width="${s * 0.07}"/>`).join(""),
  chart: (x, y, s, c) =>
    [0.18, 0.44, 0.7].map((f, i) => `<rect x="${x + s * f}" y="${y + s * (0.55 - i * 0.2)}" width="${s * 0.16}" height="${s * (0.33 + i * 0.2)}" fill="${c}"/>`).join(""),
  gear: (x, y, s, c) =>
    `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s * 0.32}" fill="none" stroke="${c}" stroke-width="${s * 0.16}" stroke-dasharray="${s * 0.14} ${s * 0.1}"/><circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s * 0.14}" fill="${c}"/>`,
  bell: (x, y, s, c) =>
    `<path d="M${x + s * 0.2} ${y + s * 0.72} Q${x + s * 0.28} ${y + s * 0.62} ${x + s * 0.28} ${y + s * 0.45} Q${x + s * 0.3} ${y + s * 0.18} ${x + s * 0.5} ${y + s * 0.16} Q${x + s * 0.7} ${y + s * 0.18} ${x + s * 0.72} ${y + s * 0.45} Q${x + s * 0.72} ${y + s * 0.62} ${x + s * 0.8} ${y + s * 0.72} Z" fill="${c}"/><circle cx="${x + s / 2}" cy="${y + s * 0.82}" r="${s * 0.08}" fill="${c}"/><circle cx="${x + s * 0.76}" cy="${y + s * 0.22}" r="${s * 0.12}" fill="#e5484d"/>`,
  user: (x, y, s, c) =>
    `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s / 2}" fill="#d5dbe5"/><circle cx="${x + s / 2}" cy="${y + s * 0.4}" r="${s * 0.17}" fill="${c}"/><path d="M${x + s * 0.22} ${y + s * 0.84} Q${x + s / 2} ${y + s * 0.5} ${x + s * 0.78} ${y + s * 0.84} Z" fill="${c}"/>`,
  star: (x, y, s, c) => {
    const pts = [];
    for (let i = 0; i < 10; i++) {
      const r = i % 2 === 0 ? s * 0.46 : s * 0.2;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      pts.push(`${(x + s / 2 + r * Math.cos(a)).toFixed(2)},${(y + s / 2 + r * Math.sin(a)).toFixed(2)}`);
    }
    return `<polygon points="${pts.join(" ")}" fill="${c}"/>`;
  },
  menu: (x, y, s, c) => [0.28, 0.5, 0.72].map((f) => `<rect x="${x + s * 0.18}" y="${y + s * f - s * 0.05}" width="${s * 0.64}" height="${s * 0.1}" rx="${s * 0.04}" fill="${c}"/>`).join(""),
  bold: (x, y, s, c) => `<text x="${x + s / 2}" y="${y + s * 0.74}" font-family="${FONT}" font-size="${s * 0.72}" font-weight="bold" fill="${c}" text-anchor="middle">B</text>`,
  italic: (x, y, s, c) => `<text x="${x + s / 2}" y="${y + s * 0.74}" font-family="DejaVu Serif, serif" font-size="${s * 0.72}" font-style="italic" fill="${c}" text-anchor="middle">I</text>`,
  underline: (x, y, s, c) =>
    `<text x="${x + s / 2}" y="${y + s * 0.66}" font-family="${FONT}" font-size="${s * 0.62}" fill="${c}" text-anchor="middle">U</text><rect x="${x + s * 0.26}" y="${y + s * 0.78}" width="${s * 0.48}" height="${s * 0.07}" fill="${c}"/>`,
  link: (x, y, s, c) =>
    `<rect x="${x + s * 0.1}" y="${y + s * 0.36}" width="${s * 0.46}" height="${s * 0.28}" rx="${s * 0.14}" fill="none" stroke="${c}" stroke-width="${s * 0.08}"/><rect x="${x + s * 0.44}" y="${y + s * 0.36}" width="${s * 0.46}" height="${s * 0.28}" rx="${s * 0.14}" fill="none" stroke="${c}" stroke-width="${s * 0.08}"/>`,
  image: (x, y, s, c) =>
    `<rect x="${x + s * 0.1}" y="${y + s * 0.18}" width="${s * 0.8}" height="${s * 0.64}" rx="${s * 0.06}" fill="none" stroke="${c}" stroke-width="${s * 0.08}"/><path d="M${x + s * 0.16} ${y + s * 0.74} L${x + s * 0.4} ${y + s * 0.46} L${x + s * 0.56} ${y + s * 0.62} L${x + s * 0.68} ${y + s * 0.52} L${x + s * 0.84} ${y + s * 0.74} Z" fill="${c}"/>`,
  logo: (x, y, s) =>
    `<rect x="${x}" y="${y}" width="${s}" height="${s}" rx="${s * 0.22}" fill="${ACCENT}"/><text x="${x + s / 2}" y="${y + s * 0.68}" font-family="${FONT}" font-size="${s * 0.5}" font-weight="bold" fill="#fff" text-anchor="middle">Q</text>`,
};

// ------------------------------------------------------------------------------- pieces

const pick = (random, list) => list[Math.floor(random() * list.length)];
const words = (random, n) => Array.from({ length: n }, () => pick(random, WORDS)).join(" ");
const title = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function titleBar(p, heading) {
  p.rect(0, 0, p.dw, 32, { fill: "#2b2f36" });
  const menu = p.box(6, 4, 24, 24);
  p.icon("menu", 6, 4, 24, "#c5ccd8");
  p.element("app_menu", "img-app-menu", "button", "Menu", menu, { clickable: true });
  p.text(p.dw / 2, 21, heading, { size: 13, fill: "#e6e8eb", anchor: "middle" });
  const controls = ["\u2013", "\u25a1", "\u2715"];
  controls.forEach((glyph, i) => {
    const x = p.dw - 138 + i * 46;
    if (i === 2) p.rect(x, 0, 46, 32, { fill: "#3a3f47" });
    p.text(x + 23, 21, glyph, { size: 13, fill: "#e6e8eb", anchor: "middle" });
  });
  p.element("window_close", "img-window-close", "button", "Close", p.box(p.dw - 46, 0, 46, 32));
}

function sidebar(p, active, random) {
  p.rect(0, 32, 220, p.dh - 32, { fill: "#1e2430" });
  p.icon("logo", 16, 46, 28);
  p.text(54, 66, "Qontinui", { size: 17, fill: "#ffffff", weight: "bold" });
  NAV.forEach(([kind, icon, label], i) => {
    const y = 96 + i * 48;
    const on = kind === active;
    const b = p.rect(12, y, 196, 40, { fill: on ? ACCENT : "#1e2430", rx: 6 });
    p.icon(icon, 24, y + 10, 20, on ? "#ffffff" : "#9aa5b8");
    p.text(56, y + 25, label, { size: 14, fill: on ? "#ffffff" : "#c5ccd8" });
    p.element(`nav_${kind}`, `img-nav-${kind}${on ? "-active" : ""}`, "link", label, b, { clickable: !on });
  });
  // Recent projects: small text that differs between screens.
  p.text(24, 372, "RECENT", { size: 11, fill: "#6b7688", weight: "bold" });
  for (let i = 0; i < 4; i++) p.text(24, 398 + i * 24, title(words(random, 2)), { size: 12, fill: "#9aa5b8" });
  p.icon("user", 16, p.dh - 52, 32, "#52606d");
  p.text(58, p.dh - 31, pick(random, PEOPLE), { size: 13, fill: "#e6e8eb" });
}

function toolbar(p, heading, sub) {
  p.rect(220, 32, p.dw - 220, 64, { fill: "#ffffff" });
  p.rect(220, 95, p.dw - 220, 1, { fill: LINE });
  p.text(248, 64, heading, { size: 22, weight: "bold" });
  p.text(248, 84, sub, { size: 12, fill: MUTED });
  const bell = p.box(p.dw - 104, 48, 32, 32);
  p.icon("bell", p.dw - 104, 48, 32, MUTED);
  p.element("notifications", "img-bell", "button", "Notifications", bell, { clickable: true });
  const avatar = p.box(p.dw - 56, 48, 32, 32);
  p.icon("user", p.dw - 56, 48, 32, MUTED);
  p.element("account", "img-avatar", "button", "Account", avatar, { clickable: true });
}

function button(p, id, x, y, w, h, label, { primary = true, templateId } = {}) {
  const b = p.rect(x, y, w, h, { fill: primary ? ACCENT : "#ffffff", stroke: primary ? ACCENT_DARK : "#b8c1cf", rx: 6 });
  p.text(x + w / 2, y + h / 2 + 5, label, { size: 14, weight: "bold", fill: primary ? "#ffffff" : INK, anchor: "middle" });
  const tid = templateId ?? `img-btn-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}${primary ? "" : "-secondary"}`;
  return p.element(id, tid, "button", label, b, { clickable: true, primary });
}

function textField(p, id, x, y, w, h, { placeholder = "", value = "", password = false, icon, label } = {}) {
  const b = p.rect(x, y, w, h, { fill: "#ffffff", stroke: value ? ACCENT : "#b8c1cf", strokeWidth: value ? 2 : 1, rx: 5 });
  const pad = icon ? 40 : 12;
  if (icon) p.icon(icon, x + 10, y + (h - 20) / 2, 20, "#7b8794");
  const shown = password ? "\u2022".repeat(value.length) : value;
  p.text(x + pad, y + h / 2 + 5, shown || placeholder, { size: 14, fill: shown ? INK : FAINT });
  // A template is a picture: a field showing another value is another template.
  const look = value ? `filled-${slug(password ? `${value.length}-dots` : value)}` : "empty";
  return p.element(id, `img-field-${id.replace(/_field$/, "").replace(/_/g, "-")}-${look}`, "textbox", label ?? placeholder, b, { clickable: true, typeable: true });
}

function checkbox(p, id, x, y, label, checked) {
  const b = p.rect(x, y, 18, 18, { fill: checked ? ACCENT : "#ffffff", stroke: checked ? ACCENT_DARK : "#9aa5b1", rx: 3 });
  if (checked) p.design(`<path d="M${x + 4} ${y + 9} L${x + 8} ${y + 13} L${x + 14} ${y + 5}" fill="none" stroke="#fff" stroke-width="2.2"/>`);
  p.text(x + 28, y + 14, label, { size: 14 });
  return p.element(id, `img-checkbox-${checked ? "on" : "off"}`, "checkbox", label, b, { clickable: true });
}

function toggle(p, id, x, y, label, on) {
  const b = p.rect(x, y, 44, 24, { fill: on ? ACCENT : "#c5ccd8", rx: 12 });
  p.circle(on ? x + 32 : x + 12, y + 12, 9, "#ffffff");
  p.text(x + 58, y + 17, label, { size: 14 });
  return p.element(id, `img-toggle-${on ? "on" : "off"}`, "checkbox", label, b, { clickable: true });
}

function link(p, id, x, y, label, size = 14) {
  p.text(x, y, label, { size, fill: ACCENT });
  const w = Math.ceil(label.length * size * 0.58);
  const b = p.box(x, y - size, w, size + 5);
  return p.element(id, `img-link-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 40)}`, "link", label, b, { clickable: true });
}

function paragraph(p, x, y, width, lines, random, { size = 13, fill = "#3e4c59", gap = 20 } = {}) {
  const perLine = Math.max(3, Math.floor(width / (size * 5.2)));
  for (let i = 0; i < lines; i++) {
    const n = i === lines - 1 ? Math.max(2, Math.floor(perLine * 0.6)) : perLine;
    p.text(x, y + i * gap, title(words(random, n)) + (i === lines - 1 ? "." : ""), { size, fill });
  }
}

// ------------------------------------------------------------------------------- pages

function loginPage(p, random, v) {
  p.rect(0, 0, p.dw, p.dh, { fill: "#eef1f5" });
  titleBar(p, "Qontinui \u2014 Sign in");
  // Hero panel: a brand gradient, a product picture and a quote.
  const heroW = Math.round(p.dw * 0.42);
  const hb = p.box(0, 32, heroW, p.dh - 32);
  p.parts.push(`<defs><linearGradient id="hero" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#1e2a5a"/><stop offset="1" stop-color="#3358d4"/></linearGradient></defs><rect x="${hb.x}" y="${hb.y}" width="${hb.w}" height="${hb.h}" fill="url(#hero)"/>`);
  p.text(40, 96, "Automate what you see.", { size: 26, fill: "#ffffff", weight: "bold" });
  p.text(40, 124, title(words(random, 6)), { size: 14, fill: "#c9d3f5" });
  p.photo(40, 150, heroW - 80, Math.min(260, p.dh - 420), v.photoSeed);
  for (let i = 0; i < 5; i++) p.text(40, Math.min(260, p.dh - 420) + 190 + i * 22, title(words(random, 7)), { size: 13, fill: "#dfe6fb" });
  p.rect(40, p.dh - 110, heroW - 80, 70, { fill: "#000000", opacity: 0.25, rx: 8 });
  p.text(56, p.dh - 80, `\u201c${title(words(random, 6))}\u201d`, { size: 14, fill: "#ffffff" });
  p.text(56, p.dh - 56, `${pick(random, PEOPLE)}, ${title(pick(random, WORDS))} Ltd.`, { size: 12, fill: "#c9d3f5" });
  const cx = heroW + (p.dw - heroW) / 2;
  const x = cx - 200;
  const y = Math.max(72, (p.dh - 520) / 2);
  p.rect(x + 4, y + 4, 400, 500, { fill: LINE, rx: 10 });
  p.rect(x, y, 400, 500, { fill: "#ffffff", rx: 10 });
  const logo = p.box(cx - 30, y + 28, 60, 60);
  p.icon("logo", cx - 30, y + 28, 60);
  p.element("app_logo", "img-logo-large", "img", "Qontinui", logo);
  p.text(cx, y + 126, "Sign in to Qontinui", { size: 22, weight: "bold", anchor: "middle" });
  if (v.error) {
    p.rect(x + 40, y + 140, 320, 30, { fill: "#fde2e1", rx: 4 });
    p.text(x + 52, y + 160, "Invalid user name or password", { size: 13, fill: "#b42318" });
  }
  p.text(x + 40, y + 192, "User name", { size: 13, fill: MUTED });
  textField(p, "username_field", x + 40, y + 200, 320, 40, { placeholder: "name@example.com", value: v.username, label: "User name" });
  p.text(x + 40, y + 266, "Password", { size: 13, fill: MUTED });
  textField(p, "password_field", x + 40, y + 274, 320, 40, { placeholder: "Password", value: v.password, password: true, label: "Password" });
  checkbox(p, "remember_me", x + 40, y + 332, "Remember me", v.remember);
  button(p, "login_button", x + 40, y + 372, 320, 44, "Log in");
  link(p, "forgot_password", cx - 56, y + 450, "Forgot password?", 13);
  p.text(cx, y + 484, `Version 2.${v.build % 10}.${v.build} \u00b7 ${pick(random, ["EU", "US", "APAC"])} region`, { size: 11, fill: FAINT, anchor: "middle" });
}

function appFrame(p, random, kind, heading, sub) {
  p.rect(0, 0, p.dw, p.dh, { fill: "#eef1f5" });
  titleBar(p, `Qontinui \u2014 ${heading}`);
  sidebar(p, kind, random);
  toolbar(p, heading, sub);
}

function dashboardPage(p, random, v) {
  appFrame(p, random, "dashboard", "Dashboard", `Workspace ${title(words(random, 2))} \u00b7 updated ${v.minutes} minutes ago`);
  button(p, "new_project", p.dw - 300, 48, 128, 32, "New project");
  const cw = p.dw - 280;
  const cards = [["Runs today", String(40 + v.n1)], ["Success rate", `${(90 + (v.n2 % 100) / 10).toFixed(1)}%`], ["Open issues", String(v.n3 % 17)], ["Avg. duration", `${(v.n1 % 9) + 1}m ${v.n2 % 60}s`]];
  const cardW = (cw - 3 * 16) / 4;
  cards.forEach(([label, value], i) => {
    const x = 248 + i * (cardW + 16);
    p.rect(x, 116, cardW, 100, { fill: "#ffffff", stroke: LINE, rx: 8 });
    p.text(x + 16, 144, label, { size: 13, fill: MUTED });
    p.text(x + 16, 194, value, { size: 32, weight: "bold" });
  });
  // Chart with an area plot, next to a "map" picture.
  const chartW = Math.round(cw * 0.58);
  p.rect(248, 232, chartW, 250, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.text(264, 258, "Runs per hour", { size: 15, weight: "bold" });
  const pts = [];
  for (let i = 0; i <= 40; i++) pts.push([264 + (i * (chartW - 32)) / 40, 460 - 30 - random() * 150]);
  const line = pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  p.design(`<polygon points="264,460 ${line} ${264 + chartW - 32},460" fill="${ACCENT}" fill-opacity="0.18"/><polyline points="${line}" fill="none" stroke="${ACCENT}" stroke-width="2"/>`);
  for (let i = 0; i < 5; i++) p.rect(264, 290 + i * 40, chartW - 32, 1, { fill: "#edf0f4" });
  p.photo(248 + chartW + 16, 232, cw - chartW - 16, 250, v.photoSeed);
  // Recent runs table.
  p.rect(248, 498, cw, p.dh - 498 - 24, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.text(264, 524, "Recent runs", { size: 15, weight: "bold" });
  const rows = Math.max(1, Math.floor((p.dh - 24 - 540) / 34));
  for (let i = 0; i < rows; i++) {
    const y = 540 + i * 34;
    p.rect(264, y, cw - 32, 1, { fill: "#e4e7eb" });
    const name = `${pick(random, WORDS)}-${pick(random, WORDS)}`;
    if (i < 3) link(p, `run_link_${i}`, 280, y + 23, name);
    else p.text(280, y + 23, name, { size: 14 });
    p.text(280 + cw * 0.35, y + 23, `${3 + Math.floor(random() * 90)} actions \u00b7 ${pick(random, PEOPLE)}`, { size: 13, fill: MUTED });
    const failed = random() < 0.2;
    p.rect(248 + cw - 130, y + 7, 88, 22, { fill: failed ? "#fde2e1" : "#ddf3e4", rx: 11 });
    p.text(248 + cw - 86, y + 23, failed ? "failed" : "passed", { size: 12, fill: failed ? "#b42318" : "#18794e", anchor: "middle" });
  }
}

function searchPage(p, random, v) {
  appFrame(p, random, "search", "Search", "Find invoices, runs, reports and people");
  const cw = p.dw - 280;
  textField(p, "search_field", 248, 116, cw - 300, 40, { placeholder: "Search invoices, runs and reports", value: v.query, icon: "search", label: "Search" });
  button(p, "search_button", 248 + cw - 284, 116, 100, 40, "Search");
  const dd = p.rect(248 + cw - 168, 116, 168, 40, { fill: "#ffffff", stroke: "#b8c1cf", rx: 5 });
  p.text(248 + cw - 154, 141, "All types \u25be", { size: 14 });
  p.element("type_filter", "img-dropdown-types", "combobox", "All types", dd, { clickable: true });
  checkbox(p, "only_mine", 248, 172, "Only mine", v.onlyMine);
  checkbox(p, "include_archived", 400, 172, "Include archived", v.archived);
  if (!v.query) {
    p.text(248 + cw / 2, 236, "Type to search invoices, runs and reports", { size: 16, fill: FAINT, anchor: "middle" });
    p.text(248, 276, "Suggested for you", { size: 15, weight: "bold" });
    const cardW = (cw - 2 * 16) / 3;
    for (let i = 0; i < 3; i++) {
      const x = 248 + i * (cardW + 16);
      p.rect(x, 290, cardW, 250, { fill: "#ffffff", stroke: LINE, rx: 8 });
      p.photo(x + 1, 291, cardW - 2, 150, v.photoSeed + 7 * (i + 1));
      link(p, `suggestion_${i}`, x + 16, 470, title(words(random, 2)), 15);
      p.text(x + 16, 494, title(words(random, 5)), { size: 12, fill: MUTED });
      p.text(x + 16, 514, `${pick(random, PEOPLE)} \u00b7 ${1 + Math.floor(random() * 28)} Feb`, { size: 12, fill: FAINT });
    }
    return;
  }
  const listW = Math.round(cw * 0.62);
  const px = 248 + listW + 16;
  const pw = cw - listW - 16;
  p.rect(px, 236, pw, p.dh - 260, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.photo(px + 1, 237, pw - 2, 200, v.photoSeed + 3);
  p.text(px + 16, 466, "Preview", { size: 15, weight: "bold" });
  paragraph(p, px + 16, 492, pw - 32, Math.max(1, Math.floor((p.dh - 24 - 500) / 20)), random, { size: 12 });
  p.text(248, 222, `${v.results} results for \u201c${v.query}\u201d`, { size: 13, fill: MUTED });
  const rows = Math.min(v.results, Math.max(1, Math.floor((p.dh - 24 - 236) / 82)));
  for (let i = 0; i < rows; i++) {
    const y = 236 + i * 82;
    p.rect(248, y, listW, 74, { fill: "#ffffff", stroke: LINE, rx: 6 });
    p.photo(260, y + 9, 96, 56, v.photoSeed + 101 * (i + 1));
    const name = `${title(pick(random, WORDS))} ${pick(random, ["INV", "RUN", "RPT"])}-${2024 + (i % 3)}-${String(100 + Math.floor(random() * 900))}`;
    link(p, `result_${i}`, 372, y + 28, name, 15);
    p.text(372, y + 50, `${title(words(random, 5))} \u00b7 ${1 + Math.floor(random() * 30)} days ago`, { size: 12, fill: MUTED });
    p.text(248 + listW - 16, y + 28, pick(random, PEOPLE).split(" ")[0], { size: 12, fill: MUTED, anchor: "end" });
  }
}

function inboxPage(p, random, v) {
  appFrame(p, random, "inbox", "Inbox", `${v.unread} unread \u00b7 ${v.total} messages`);
  button(p, "compose", p.dw - 300, 48, 128, 32, "Compose");
  const listW = Math.round((p.dw - 280) * 0.48);
  p.rect(248, 116, listW, p.dh - 140, { fill: "#ffffff", stroke: LINE, rx: 8 });
  const rows = Math.max(1, Math.floor((p.dh - 140 - 16) / 58));
  for (let i = 0; i < rows; i++) {
    const y = 124 + i * 58;
    if (i === v.selected) p.rect(249, y - 4, listW - 2, 56, { fill: "#eef2fd" });
    checkbox(p, `message_check_${i}`, 262, y + 16, "", i === v.selected);
    const starred = random() < 0.3;
    const sb = p.box(292, y + 14, 20, 20);
    p.icon("star", 292, y + 14, 20, starred ? "#f5a524" : "#c5ccd8");
    if (i < 4) p.element(`message_star_${i}`, `img-star-${starred ? "on" : "off"}`, "button", "Star", sb, { clickable: true });
    const from = pick(random, PEOPLE);
    p.text(324, y + 20, from, { size: 13, weight: i < v.unread ? "bold" : "normal" });
    p.text(248 + listW - 16, y + 20, `${1 + (i % 12)}:${String(10 + Math.floor(random() * 49))}`, { size: 12, fill: MUTED, anchor: "end" });
    const subject = title(words(random, 5));
    if (i < 5) link(p, `message_subject_${i}`, 324, y + 40, subject, 13);
    else p.text(324, y + 40, subject, { size: 13, fill: "#3e4c59" });
  }
  const rx = 248 + listW + 16;
  const rw = p.dw - 32 - rx;
  p.rect(rx, 116, rw, p.dh - 140, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.text(rx + 20, 152, title(words(random, 4)), { size: 18, weight: "bold" });
  p.text(rx + 20, 176, `From ${pick(random, PEOPLE)} \u00b7 to me`, { size: 12, fill: MUTED });
  paragraph(p, rx + 20, 210, rw - 40, 8, random);
  p.photo(rx + 20, 380, Math.min(360, rw - 40), 150, v.photoSeed);
  button(p, "reply", rx + 20, p.dh - 84, 96, 36, "Reply");
  button(p, "forward", rx + 128, p.dh - 84, 104, 36, "Forward", { primary: false });
}

function editorPage(p, random, v) {
  appFrame(p, random, "editor", "Editor", `${v.docName}.md \u00b7 ${v.saved ? "all changes saved" : "unsaved changes"}`);
  button(p, "save_document", p.dw - 300, 48, 96, 32, "Save");
  button(p, "share", p.dw - 196, 48, 80, 32, "Share", { primary: false });
  const tools = [["bold", "Bold"], ["italic", "Italic"], ["underline", "Underline"], ["link", "Insert link"], ["image", "Insert image"]];
  p.rect(248, 112, p.dw - 280, 44, { fill: "#ffffff", stroke: LINE, rx: 6 });
  tools.forEach(([icon, label], i) => {
    const x = 260 + i * 40;
    const b = p.rect(x, 118, 32, 32, { fill: i === v.activeTool ? "#e6ebfb" : "#ffffff", rx: 4 });
    p.icon(icon, x + 4, 122, 24, "#3e4c59");
    p.element(`tool_${icon}`, `img-tool-${icon}${i === v.activeTool ? "-active" : ""}`, "button", label, b, { clickable: true });
  });
  const hb = p.rect(470, 118, 150, 32, { fill: "#ffffff", stroke: "#c5ccd8", rx: 4 });
  const style = pick(random, ["Heading 1", "Heading 2", "Paragraph", "Quote"]);
  p.text(482, 139, `${style} \u25be`, { size: 13 });
  p.element("style_select", `img-style-select-${slug(style)}`, "combobox", "Paragraph style", hb, { clickable: true });
  const pageX = 248 + (p.dw - 280 - 760) / 2;
  p.rect(pageX, 172, 760, p.dh - 172, { fill: "#ffffff", stroke: LINE });
  p.text(pageX + 56, 228, title(words(random, 4)), { size: 26, weight: "bold" });
  paragraph(p, pageX + 56, 264, 640, 6, random, { size: 14, fill: INK, gap: 22 });
  p.photo(pageX + 56, 400, 300, 170, v.photoSeed);
  paragraph(p, pageX + 376, 412, 320, 7, random, { size: 13, fill: "#3e4c59", gap: 21 });
  paragraph(p, pageX + 56, 600, 640, Math.max(1, Math.floor((p.dh - 620) / 22)), random, { size: 14, fill: INK, gap: 22 });
}

function settingsPage(p, random, v) {
  appFrame(p, random, "settings", "Settings", "Profile, notifications and workspace preferences");
  p.rect(248, 112, 560, p.dh - 136, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.photo(272, 136, 72, 72, v.photoSeed);
  p.text(360, 164, v.displayName, { size: 18, weight: "bold" });
  link(p, "change_photo", 360, 192, "Change photo", 13);
  p.text(272, 244, "Display name", { size: 13, fill: MUTED });
  textField(p, "display_name_field", 272, 252, 400, 40, { value: v.displayName, label: "Display name" });
  p.text(272, 316, "E-mail", { size: 13, fill: MUTED });
  textField(p, "email_field", 272, 324, 400, 40, { value: v.email, placeholder: "you@example.com", label: "E-mail" });
  p.text(272, 388, "Nom du café", { size: 13, fill: MUTED });
  textField(p, "cafe_field", 272, 396, 400, 40, { value: v.cafe, placeholder: "Café Lumière", label: "Nom du café" });
  toggle(p, "dark_mode", 272, 460, "Dark mode", v.dark);
  toggle(p, "email_notifications", 272, 500, "E-mail notifications", v.notify);
  checkbox(p, "weekly_digest", 272, 544, "Send me a weekly digest", v.digest);
  button(p, "save_settings", 272, 588, 120, 40, "Save");
  button(p, "cancel_settings", 408, 588, 120, 40, "Cancel", { primary: false });
  const sx = 832;
  p.rect(sx, 112, p.dw - 32 - sx, p.dh - 136, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.text(sx + 20, 144, "Activity", { size: 15, weight: "bold" });
  const rows = Math.max(1, Math.floor((p.dh - 136 - 60) / 26));
  for (let i = 0; i < rows; i++) p.text(sx + 20, 174 + i * 26, `${pick(random, PEOPLE)} ${pick(random, ["edited", "approved", "exported", "archived"])} ${words(random, 2)}`, { size: 12, fill: "#3e4c59" });
  if (v.dialog) {
    p.rect(0, 0, p.dw, p.dh, { fill: "#000000", opacity: 0.35 });
    const dx = p.dw / 2 - 200;
    const dy = p.dh / 2 - 100;
    p.rect(dx, dy, 400, 200, { fill: "#ffffff", rx: 10 });
    p.text(dx + 28, dy + 46, "Save changes?", { size: 18, weight: "bold" });
    p.text(dx + 28, dy + 76, "Your display name will be updated.", { size: 14, fill: MUTED });
    button(p, "confirm_cancel", dx + 188, dy + 140, 96, 36, "Cancel", { primary: false, templateId: "img-btn-dialog-cancel" });
    button(p, "confirm_ok", dx + 292, dy + 140, 88, 36, "OK");
  }
}

function loadingPage(p, random, kind) {
  const heading = kind === "login" ? "Signing in" : title(kind);
  p.rect(0, 0, p.dw, p.dh, { fill: "#eef1f5" });
  titleBar(p, `Qontinui \u2014 ${heading}`);
  if (kind !== "login") {
    sidebar(p, kind, random);
    p.rect(220, 32, p.dw - 220, 64, { fill: "#ffffff" });
    p.rect(248, 52, 220, 24, { fill: "#e4e7eb", rx: 4 });
  }
  const x0 = kind === "login" ? 80 : 248;
  const w = p.dw - x0 - 80;
  // Skeleton rows on the left; the page's cached parts (a picture, recent items) already shown.
  const sw = Math.round(w * 0.55);
  for (let i = 0; i < 6; i++) {
    const y = 130 + i * 66;
    p.rect(x0, y, sw * (0.5 + 0.5 * random()), 18, { fill: "#e1e5eb", rx: 4 });
    p.rect(x0, y + 28, sw * (0.3 + 0.6 * random()), 12, { fill: "#e9ecf0", rx: 4 });
  }
  const cx0 = x0 + sw + 24;
  const cw = w - sw - 24;
  p.rect(cx0, 116, cw, p.dh - 140, { fill: "#ffffff", stroke: LINE, rx: 8 });
  p.photo(cx0 + 1, 117, cw - 2, 140, Math.floor(random() * 2 ** 30));
  p.text(cx0 + 16, 284, "Recently opened", { size: 14, weight: "bold" });
  const rows = Math.max(1, Math.floor((p.dh - 140 - 190) / 22));
  for (let i = 0; i < rows; i++) p.text(cx0 + 16, 310 + i * 22, `${title(words(random, 3))} \u00b7 ${pick(random, PEOPLE)}`, { size: 12, fill: "#3e4c59" });
  const cx = x0 + sw / 2;
  const cy = Math.min(p.dh - 80, 560);
  p.circle(cx, cy, 26, "none", ` stroke="#d5dbe5" stroke-width="${6 * p.k}"`);
  p.design(`<path d="M${cx} ${cy - 26} A26 26 0 0 1 ${cx + 26} ${cy}" fill="none" stroke="${ACCENT}" stroke-width="6" stroke-linecap="round"/>`);
  p.text(cx, cy + 58, "Loading\u2026", { size: 14, fill: MUTED, anchor: "middle" });
}

// ------------------------------------------------------------------------------- catalog

/**
 * The distinct screens of a session. Every fifth screen (from the fourth on) is the loading
 * state of the screen after it, so a retry can see the screen change between attempts.
 * @returns {{ index: number, kind: string, loadingOf: number | null, seed: number }[]}
 */
export function screenCatalog(count, seed) {
  const random = seededRandom(seed ^ 0x5eed5);
  const specs = [];
  let page = 0;
  for (let i = 0; i < count; i++) {
    const loading = i % 5 === 3 && i + 1 < count;
    specs.push({ index: i, kind: "", loadingOf: loading ? i + 1 : null, seed: Math.floor(random() * 2 ** 31) });
    if (!loading) {
      specs[i].kind = PAGE_KINDS[page % PAGE_KINDS.length];
      page++;
    }
  }
  for (const s of specs) if (s.loadingOf !== null) s.kind = specs[s.loadingOf].kind;
  return specs;
}

/** The states a screen shows (a loading screen shows those of the page it is loading). */
export const screenStates = (spec) => PAGE_STATES[spec.kind];

function variant(kind, random) {
  const photoSeed = Math.floor(random() * 2 ** 30);
  const person = pick(random, PEOPLE);
  switch (kind) {
    case "login":
      return { photoSeed, username: random() < 0.6 ? `${person.split(" ")[0].toLowerCase()}@example.com` : "", password: random() < 0.4 ? "x".repeat(6 + Math.floor(random() * 6)) : "", remember: random() < 0.5, error: random() < 0.2, build: Math.floor(random() * 400) };
    case "dashboard":
      return { photoSeed, minutes: 1 + Math.floor(random() * 59), n1: Math.floor(random() * 200), n2: Math.floor(random() * 1000), n3: Math.floor(random() * 100) };
    case "search":
      return { photoSeed, query: random() < 0.75 ? pick(random, WORDS) : "", results: 2 + Math.floor(random() * 9), onlyMine: random() < 0.4, archived: random() < 0.3 };
    case "inbox":
      return { photoSeed, unread: Math.floor(random() * 6), total: 20 + Math.floor(random() * 300), selected: Math.floor(random() * 5) };
    case "editor":
      return { photoSeed, docName: `${pick(random, WORDS)}-${pick(random, WORDS)}`, saved: random() < 0.5, activeTool: Math.floor(random() * 6) - 1 };
    case "settings":
      return { photoSeed, displayName: person, email: random() < 0.7 ? `${person.split(" ")[0].toLowerCase()}@example.com` : "", cafe: random() < 0.5 ? "Café Lumière" : "", dark: random() < 0.3, notify: random() < 0.6, digest: random() < 0.5, dialog: random() < 0.3 };
    default:
      throw new Error(`unknown page kind ${kind}`);
  }
}

/**
 * Lays out one screen: its SVG, elements (pixel boxes) and photo regions. Deterministic: the
 * same spec and size give the same result, so it can be called again instead of kept.
 */
export function layoutScreen(spec, width, height) {
  const p = new Painter(width, height);
  const random = seededRandom(spec.seed);
  const v = variant(spec.kind, random);
  if (spec.loadingOf !== null) loadingPage(p, random, spec.kind);
  else {
    const draw = { login: loginPage, dashboard: dashboardPage, search: searchPage, inbox: inboxPage, editor: editorPage, settings: settingsPage }[spec.kind];
    draw(p, random, v);
  }
  const inside = (e) => e.x >= 0 && e.y >= 0 && e.w > 0 && e.h > 0 && e.x + e.w <= width && e.y + e.h <= height;
  return { svg: p.svg(), elements: p.elements.filter(inside), photos: p.photos, states: screenStates(spec), scale: p.k };
}
