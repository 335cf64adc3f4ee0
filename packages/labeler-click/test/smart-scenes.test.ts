import { iou } from "@qontinui/export-core";
import { describe, expect, it } from "vitest";
import { FALLBACK_SOURCE, SMART_CONFIDENCE, SMART_SOURCE, smartConfidence } from "../src/index.js";
import { flat, horizontalGradient, inference, inkBox, noiseTexture, screenshot, smartBox } from "./images.js";

const W = 640;
const H = 400;
const LIGHT: [number, number, number] = [243, 243, 243];
const WHITE: [number, number, number] = [255, 255, 255];
const FONT = 'font-family="DejaVu Sans" font-size="14"';

describe("smart mode on controls with a fill of their own", () => {
  // A 32×32 tile icon (blue, rounded) with a white plus glyph.
  const TILE = [200, 120, 32, 32] as const;
  const tile = `<rect x="200" y="120" width="32" height="32" rx="6" fill="#0078d4"/>
    <rect x="213" y="127" width="6" height="18" fill="#ffffff"/><rect x="207" y="133" width="18" height="6" fill="#ffffff"/>`;
  const BUTTON = [250, 200, 140, 36] as const;
  const button = `<rect x="250" y="200" width="140" height="36" rx="4" fill="#0078d4"/>
    <text x="320" y="223" ${FONT} text-anchor="middle" fill="#ffffff">Save file</text>`;

  it("finds a tile icon whether the click lands on its glyph or on its fill", async () => {
    const image = await screenshot(W, H, flat(LIGHT), tile);
    for (const [x, y] of [[216, 136], [216, 129], [204, 147]] as const) {
      const box = await smartBox(image, x, y);
      expect(box.source, `${x},${y}`).toBe(SMART_SOURCE);
      expect(iou(box.bbox, TILE), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  for (const [name, background] of [
    ["flat", flat(LIGHT)],
    ["a screen-wide gradient", horizontalGradient([225, 232, 242], [160, 175, 200], W)],
    ["seeded noise (±8, like JPEG)", noiseTexture([230, 230, 230], 8, 42)],
  ] as const) {
    it(`finds a button on ${name}, on its fill and on its label`, async () => {
      const image = await screenshot(W, H, background, button);
      for (const [x, y] of [[260, 208], [320, 219], [387, 233]] as const) {
        const box = await smartBox(image, x, y);
        expect(inference(box).strategy, `${x},${y}`).toBe("flood_fill");
        expect(iou(box.bbox, BUTTON), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
        expect(box.confidence).toBeGreaterThanOrEqual(0.9);
      }
    });
  }

  it("finds a gradient button (its fill is followed down the gradient)", async () => {
    const svg = `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5aa0ff"/><stop offset="1" stop-color="#0a4fb0"/></linearGradient></defs>
      <rect x="250" y="200" width="140" height="40" rx="6" fill="url(#g)"/><text x="320" y="225" ${FONT} text-anchor="middle" fill="#ffffff">Continue</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    const box = await smartBox(image, 270, 205);
    expect(iou(box.bbox, [250, 200, 140, 40]), box.bbox.join(",")).toBeGreaterThanOrEqual(0.9);
  });

  it("finds a switch from its track or its knob, without its label", async () => {
    const svg = `<rect x="300" y="100" width="44" height="24" rx="12" fill="#16a34a"/><circle cx="332" cy="112" r="9" fill="#ffffff"/>
      <text x="354" y="117" ${FONT} fill="#1f2937">Dark mode</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    for (const [x, y] of [[310, 112], [332, 112]] as const) {
      const box = await smartBox(image, x, y);
      expect(iou(box.bbox, [300, 100, 44, 24]), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.85);
    }
  });
});

describe("smart mode on content without a fill of its own", () => {
  it("boxes a glyph icon as its drawn extent, apart from its neighbours in a dense toolbar", async () => {
    const icon = (x: number, body: string) => `<g transform="translate(${x},100)" fill="none" stroke="#1f2937" stroke-width="2" stroke-linecap="round">${body}</g>`;
    const bell = icon(100, '<path d="M3 7a5 5 0 0 1 10 0c0 5 2 6 2 6H1s2-1 2-6z"/><path d="M6.5 15.5a1.8 1.8 0 0 0 3 0"/>');
    const menu = icon(124, '<path d="M1 3h14M1 8h14M1 13h14"/>');
    const image = await screenshot(W, H, flat(WHITE), bell + menu);
    for (const [svg, at] of [[bell, [108, 106]], [menu, [131, 108]]] as const) {
      const truth = await inkBox(W, H, svg);
      const box = await smartBox(image, at[0], at[1]);
      expect(inference(box).strategy).toBe("glyph");
      expect(iou(box.bbox, truth), `${at} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.75);
    }
  });

  it("boxes a text link as its text line, and a link inside a sentence apart from the sentence", async () => {
    const link = `<text x="100" y="100" ${FONT} fill="#2563eb">Forgot password?</text>`;
    const before = `<text x="100" y="160" ${FONT} fill="#1f2937">Read the</text>`;
    const inline = `<text x="166" y="160" ${FONT} fill="#2563eb" text-decoration="underline">terms of service</text>`;
    const after = `<text x="290" y="160" ${FONT} fill="#1f2937">before you sign.</text>`;
    const image = await screenshot(W, H, flat(WHITE), link + before + inline + after);
    for (const [svg, at] of [[link, [130, 96]], [inline, [200, 156]]] as const) {
      const truth = await inkBox(W, H, svg);
      const box = await smartBox(image, at[0], at[1]);
      expect(inference(box).strategy).toBe("text_line");
      expect(iou(box.bbox, truth), `${at} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.7);
    }
  });

  it("boxes a checkbox with its label as one control, clicked on the box or on the label", async () => {
    const svg = `<rect x="100.75" y="100.75" width="14.5" height="14.5" rx="3" fill="#ffffff" stroke="#9ca3af" stroke-width="1.5"/>
      <text x="124" y="113" ${FONT} fill="#1f2937">Remember me</text>`;
    const image = await screenshot(W, H, flat(WHITE), svg);
    const truth = await inkBox(W, H, svg);
    for (const [x, y] of [[108, 108], [160, 109]] as const) {
      const box = await smartBox(image, x, y);
      expect(inference(box).strategy, `${x},${y}`).toBe("checkbox_label");
      expect(iou(box.bbox, truth), `${x},${y} → ${box.bbox.join(",")} vs ${truth.join(",")}`).toBeGreaterThanOrEqual(0.8);
    }
  });

  it("boxes a borderless sidebar item as its row", async () => {
    const rows = ["Inbox", "Drafts", "Archive", "Settings"]
      .map((t, i) => `<rect x="20" y="${66 + i * 36}" width="12" height="12" fill="none" stroke="#e3e5e8" stroke-width="2"/><text x="44" y="${77 + i * 36}" ${FONT} fill="#e3e5e8">${t}</text>`)
      .join("");
    const image = await screenshot(W, H, flat(LIGHT), `<rect x="0" y="0" width="220" height="400" fill="#2b2d31"/>${rows}`);
    const box = await smartBox(image, 60, 108);
    expect(inference(box).strategy).toBe("list_row");
    expect(iou(box.bbox, [0, 90, 220, 36]), box.bbox.join(",")).toBeGreaterThanOrEqual(0.7);
  });

  it("gives the low-confidence fallback for a click on a card's empty space", async () => {
    const svg = `<rect x="100" y="60" width="300" height="200" rx="8" fill="#ffffff" stroke="#d0d5dd"/>
      <text x="120" y="90" ${FONT} fill="#1f2937">Revenue</text><text x="120" y="130" font-family="DejaVu Sans" font-size="28" fill="#1f2937">$43,203</text>`;
    const image = await screenshot(W, H, flat(LIGHT), svg);
    const box = await smartBox(image, 320, 200);
    expect(box.source).toBe(FALLBACK_SOURCE);
    expect(inference(box).reason).toBe("empty_space");
    expect(box.confidence).toBeLessThanOrEqual(0.3);
  });
});

describe("list rows and their neighbours", () => {
  // A card of rows between separator lines, each an avatar, a name and a time (three items side by side).
  const separatedList = (theme: { card: string; line: string; text: string; muted: string }) =>
    `<rect x="600" y="100" width="700" height="${50 + 4 * 48}" rx="8" fill="${theme.card}"/>` +
    [0, 1, 2, 3]
      .map((i) => {
        const y = 150 + i * 48;
        return `<rect x="600" y="${y}" width="700" height="1" fill="${theme.line}"/><circle cx="632" cy="${y + 24}" r="12" fill="#e06c75"/>
          <text x="656" y="${y + 29}" ${FONT} fill="${theme.text}">Ava Chen — account tasks</text>
          <text x="1280" y="${y + 29}" font-family="DejaVu Sans" font-size="12" text-anchor="end" fill="${theme.muted}">${5 + i} min ago</text>`;
      })
      .join("");

  for (const [name, page, theme] of [
    ["light", [243, 244, 246], { card: "#ffffff", line: "#e5e7eb", text: "#1f2937", muted: "#6b7280" }],
    ["dark, a separator a few levels from the row", [13, 17, 23], { card: "#161b22", line: "#21262d", text: "#c9d1d9", muted: "#8b949e" }],
  ] as const) {
    it(`boxes a row of a separated list (${name}): an avatar, a text and a time are one item, clicked on it or between them`, async () => {
      const image = await screenshot(1920, 600, flat(page as [number, number, number]), separatedList(theme));
      // Row 2 spans y 199..246 between the lines at 198 and 246. (A click on the avatar itself gives the avatar and its
      // text: an avatar before a name looks like a radio button before its label.)
      for (const [x, y] of [[1000, 215], [700, 222], [1250, 230]] as const) {
        const box = await smartBox(image, x, y);
        expect(box.source, `${x},${y}`).toBe(SMART_SOURCE);
        expect(iou(box.bbox, [600, 199, 700, 47]), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.85);
      }
    });
  }

  it("boxes a row of a separated list bleeding into a panel of nearly its colour, the first row too (no line above it)", async () => {
    // A mail list (rgb 37,38,41) beside a sidebar (35,36,40): no visible edge between them; a line under each row.
    const rows = [0, 1, 2, 3]
      .map((i) => {
        const y = 100 + i * 66;
        return `<rect x="240" y="${y + 65}" width="360" height="1" fill="#3f4147"/>
          <text x="256" y="${y + 24}" ${FONT} fill="#e3e5e8">Amara Okafor</text><text x="584" y="${y + 24}" font-family="DejaVu Sans" font-size="11" text-anchor="end" fill="#949ba4">11:52</text>
          <text x="256" y="${y + 46}" font-family="DejaVu Sans" font-size="12" fill="#949ba4">Pending calendar campaign billing</text>`;
      })
      .join("");
    const svg = `<rect x="0" y="0" width="240" height="500" fill="#232428"/><rect x="240" y="0" width="360" height="500" fill="#252629"/><rect x="600" y="0" width="1" height="500" fill="#3f4147"/>${rows}`;
    const image = await screenshot(1280, 500, flat([30, 31, 34]), svg);
    for (const [[x, y], truth] of [
      [[480, 110], [240, 100, 360, 65]],
      [[480, 190], [240, 166, 360, 65]],
      [[300, 142], [240, 100, 360, 65]],
    ] as const) {
      const box = await smartBox(image, x, y);
      expect(inference(box).strategy, `${x},${y}`).toBe("list_row");
      expect(iou(box.bbox, truth), `${x},${y} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.85);
    }
  });

  it("sees a control wider than 560 px on one side of the click whole", async () => {
    const svg = `<rect x="40.5" y="100.5" width="799" height="35" rx="4" fill="#ffffff" stroke="#b4b4b4"/><text x="56" y="123" ${FONT} fill="#6b7280">Search everything…</text>`;
    const image = await screenshot(1920, 400, flat(LIGHT), svg);
    for (const x of [60, 820]) {
      const box = await smartBox(image, x, 106);
      expect(iou(box.bbox, [40, 100, 800, 36]), `${x} → ${box.bbox.join(",")}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("does not take the fields of a form for a list: a link between them is its text line", async () => {
    const field = (y: number) => `<rect x="400.5" y="${y + 0.5}" width="400" height="39" rx="4" fill="#ffffff" stroke="#d0d5dd"/>`;
    const link = `<text x="680" y="174" ${FONT} fill="#2563eb">Forgot password?</text>`;
    const image = await screenshot(W * 2, H, flat(WHITE), field(100) + field(190) + field(280) + link);
    const box = await smartBox(image, 740, 170);
    expect(inference(box).strategy).toBe("text_line");
    expect(iou(box.bbox, await inkBox(W * 2, H, link)), box.bbox.join(",")).toBeGreaterThanOrEqual(0.8);
  });

  it("keeps an app bar's selected tab apart from the next one, and its menu icon apart from the app's name", async () => {
    const menu = `<path d="M16 20h18M16 26h18M16 32h18" stroke="#ffffff" stroke-width="2"/>`;
    const brand = `<text x="52" y="32" font-family="DejaVu Sans" font-size="17" font-weight="bold" fill="#ffffff">Northwind</text>`;
    const selected = `<rect x="188" y="11" width="74" height="30" rx="6" fill="#3f86d9"/><text x="200" y="31" ${FONT} fill="#ffffff">Billing</text>`;
    const next = `<text x="280" y="31" ${FONT} fill="#d6e4f5">Reports</text>`;
    const image = await screenshot(W * 2, H, flat(WHITE), `<rect x="0" y="0" width="1280" height="52" fill="#1565c0"/>${menu}${brand}${selected}${next}`);
    const tab = await smartBox(image, 300, 27);
    expect(iou(tab.bbox, await inkBox(W * 2, H, next)), `tab → ${tab.bbox.join(",")}`).toBeGreaterThanOrEqual(0.75);
    const icon = await smartBox(image, 24, 26);
    expect(inference(icon).strategy).toBe("glyph");
    expect(iou(icon.bbox, [16, 19, 18, 14]), `menu → ${icon.bbox.join(",")}`).toBeGreaterThanOrEqual(0.6);
  });

  it("boxes a table row's checkbox alone, though its link (of a near colour) sits right after it", async () => {
    const svg = `<rect x="40.75" y="100.75" width="16.5" height="16.5" rx="3" fill="none" stroke="#8f949a" stroke-width="1.5"/>
      <text x="68" y="114" ${FONT} fill="#7eaca9">INV-20451</text><text x="300" y="114" ${FONT} fill="#c9d1d9">Mia Rossi</text>`;
    const image = await screenshot(W, H, flat([22, 27, 33]), svg);
    const box = await smartBox(image, 48, 108);
    expect(iou(box.bbox, [40, 100, 18, 18]), box.bbox.join(",")).toBeGreaterThanOrEqual(0.75);
  });
});

describe("smart mode confidence", () => {
  it("is the calibrated constant of the strategy and evidence", () => {
    expect(smartConfidence("flood_fill", { fillRatio: 0.9 })).toBe(SMART_CONFIDENCE.floodFill.filled);
    expect(smartConfidence("flood_fill", { fillRatio: 0.3 })).toBe(SMART_CONFIDENCE.floodFill.sparse);
    expect(smartConfidence("text_line")).toBe(SMART_CONFIDENCE.textLine);
    expect(smartConfidence("glyph", { onInk: true })).toBe(SMART_CONFIDENCE.glyph.onInk);
    expect(smartConfidence("glyph", { onInk: false })).toBe(SMART_CONFIDENCE.glyph.offInk);
    expect(smartConfidence("checkbox_label")).toBe(SMART_CONFIDENCE.checkboxLabel);
    expect(smartConfidence("list_row")).toBe(SMART_CONFIDENCE.listRow);
    expect(smartConfidence("fixed_fallback", { reason: "empty_space" })).toBe(SMART_CONFIDENCE.fallback.empty_space);
  });

  it("puts every fallback at or below 0.3 and below every found box", () => {
    const fallbacks = Object.values(SMART_CONFIDENCE.fallback);
    const found = [smartConfidence("flood_fill", { fillRatio: 0 }), smartConfidence("glyph", { onInk: false }), smartConfidence("text_line")];
    expect(Math.max(...fallbacks)).toBeLessThanOrEqual(0.3);
    expect(Math.max(...fallbacks)).toBeLessThan(Math.min(...found));
  });

  it("is deterministic: same bytes, same box, confidence and metadata", async () => {
    const svg = `<rect x="250" y="200" width="140" height="36" rx="4" fill="#0078d4"/><text x="100" y="100" ${FONT} fill="#2563eb">Forgot password?</text>`;
    const a = await screenshot(W, H, noiseTexture([230, 230, 230], 6, 42), svg);
    const b = await screenshot(W, H, noiseTexture([230, 230, 230], 6, 42), svg);
    expect(b.sha256).toBe(a.sha256);
    for (const [x, y] of [[260, 208], [130, 96], [560, 340]] as const) expect(await smartBox(b, x, y)).toEqual(await smartBox(a, x, y));
  });
});
