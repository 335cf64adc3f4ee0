// Compares the smart and fixed modes of the built click labeler on synthetic
// GUI screenshots with known element rectangles (eval/synthetic-screens.mjs).
// Usage: pnpm exec tsup && node eval/evaluate.mjs [--screens 50] [--clicks 3] [--seed 7] [--noise 0] [--json]
import { writeFile } from "node:fs/promises";
import { contentId, iou } from "@qontinui/export-core";
import { clickLabeler, FALLBACK_SOURCE } from "../dist/index.js";
import { BACKGROUND_KINDS, ELEMENT_KINDS, SCREEN_HEIGHT, SCREEN_WIDTH, sampleClicks, syntheticScreen } from "./synthetic-screens.mjs";

const args = process.argv.slice(2);
const arg = (name, d) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return d;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a non-negative integer, got ${JSON.stringify(args[i + 1])}`);
  return v;
};
const SCREENS = arg("screens", 50);
const CLICKS = arg("clicks", 3);
const SEED = arg("seed", 7);
// --noise N adds uniform per-pixel noise in [-N, N] (sensor/compression-like), to test robustness.
const NOISE = arg("noise", 0);
const JSON_OUT = args.includes("--json");

/** Confidence bands of the calibration table, highest first. */
const BANDS = [
  { name: "≥0.8", min: 0.8, max: Infinity },
  { name: "0.5–0.8", min: 0.5, max: 0.8 },
  { name: "<0.5", min: -Infinity, max: 0.5 },
];

const smart = clickLabeler({ mode: "smart" });
const fixed = clickLabeler({ mode: "fixed" });
const ctx = { report() {} };
/** One row per click. */
const rows = [];
const screensPerBackground = Object.fromEntries(BACKGROUND_KINDS.map((k) => [k, 0]));
const started = performance.now();

for (let s = 0; s < SCREENS; s++) {
  const screen = await syntheticScreen(SEED, s, { noise: NOISE });
  screensPerBackground[screen.background]++;
  const bytes = screen.png;
  const image = { ...contentId(bytes), format: "png", extension: ".png", width: screen.width, height: screen.height, channels: 3, byteLength: bytes.length, sourcePath: `synthetic-${s}.png`, bytes };
  // Warm-up, not timed: the process's first call pays once for loading sharp and compiling the labeler.
  if (s === 0) await smart.label({ action_id: "warm-up", clicked_location: { x: 0, y: 0 } }, image, ctx);
  for (const [c, click] of sampleClicks(screen, CLICKS).entries()) {
    const truth = click.element;
    const record = { action_id: `${s}-${c}`, clicked_location: { x: click.x, y: click.y }, click_target_type: truth.kind, click_target: null };
    const t0 = performance.now();
    const [a] = await smart.label(record, image, ctx);
    const ms = performance.now() - t0;
    const [b] = await fixed.label(record, image, ctx);
    const meta = a.metadata?.inference_metadata ?? {};
    const row = {
      screen: s,
      kind: truth.kind,
      background: screen.background,
      smartIou: iou(a.bbox, truth.box),
      fixedIou: iou(b.bbox, truth.box),
      confidence: a.confidence,
      strategy: meta.strategy,
      fallback: a.source === FALLBACK_SOURCE,
      ms,
    };
    rows.push(row);
    if (process.env.EVAL_DEBUG && row.smartIou < 0.5) {
      console.log(`miss screen ${s} ${screen.background}${screen.texture ? `/${screen.texture}` : ""} ${truth.kind} truth [${truth.box}] click (${click.x}, ${click.y}) → [${a.bbox.map(Math.round)}] ${meta.strategy} conf ${a.confidence} ${meta.reason ?? ""}`);
    }
    if (process.env.EVAL_DUMP && row.smartIou < 0.5) await writeFile(`${process.env.EVAL_DUMP}/miss-${s}-${c}.png`, bytes);
  }
}

// null for an empty group (in --json), printed as "—".
const share = (xs, f) => (xs.length === 0 ? null : xs.filter(f).length / xs.length);
const mean = (xs, f) => (xs.length === 0 ? null : xs.reduce((t, x) => t + f(x), 0) / xs.length);
const summary = (xs) => ({
  clicks: xs.length,
  smartHitShare: share(xs, (r) => r.smartIou >= 0.5),
  smartMeanIou: mean(xs, (r) => r.smartIou),
  fixedHitShare: share(xs, (r) => r.fixedIou >= 0.5),
  fixedMeanIou: mean(xs, (r) => r.fixedIou),
});
const times = rows.map((r) => r.ms).sort((u, v) => u - v);
const strategies = {};
for (const r of rows) strategies[r.strategy] = (strategies[r.strategy] ?? 0) + 1;
const result = {
  options: { screens: SCREENS, clicksPerScreen: CLICKS, seed: SEED, noise: NOISE, width: SCREEN_WIDTH, height: SCREEN_HEIGHT },
  screensPerBackground,
  overall: summary(rows),
  byElement: Object.fromEntries(ELEMENT_KINDS.map((k) => [k, summary(rows.filter((r) => r.kind === k))])),
  byBackground: Object.fromEntries(BACKGROUND_KINDS.map((k) => [k, summary(rows.filter((r) => r.background === k))])),
  msPerClick: { mean: mean(rows, (r) => r.ms), p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))] ?? 0 },
  fallbackRate: share(rows, (r) => r.fallback),
  strategies,
  calibration: BANDS.map((band) => {
    const xs = rows.filter((r) => r.confidence >= band.min && r.confidence < band.max);
    return { band: band.name, boxes: xs.length, hitShare: share(xs, (r) => r.smartIou >= 0.5), meanIou: mean(xs, (r) => r.smartIou) };
  }),
  seconds: (performance.now() - started) / 1000,
};

if (JSON_OUT) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const pct = (v) => (v === null ? "—" : `${(100 * v).toFixed(1)}%`);
  const num = (v) => (v === null ? "—" : v.toFixed(3));
  const line = (name, x) =>
    `  ${name.padEnd(11)}${String(x.clicks).padStart(6)}${pct(x.smartHitShare).padStart(10)}${num(x.smartMeanIou).padStart(10)}${pct(x.fixedHitShare).padStart(10)}${num(x.fixedMeanIou).padStart(10)}`;
  const backgrounds = BACKGROUND_KINDS.map((k) => `${k} ${screensPerBackground[k]}`).join(", ");
  console.log(`click labeler eval: ${SCREENS} synthetic ${SCREEN_WIDTH}×${SCREEN_HEIGHT} screenshots (${backgrounds}), ${rows.length} clicks (seed ${SEED}, noise ±${NOISE})`);
  console.log(`  ${"".padEnd(11)}${"clicks".padStart(6)}${"smart≥0.5".padStart(10)}${"smart IoU".padStart(10)}${"fixed≥0.5".padStart(10)}${"fixed IoU".padStart(10)}`);
  console.log(line("all", result.overall));
  for (const [k, x] of Object.entries(result.byElement)) if (x.clicks > 0) console.log(line(k, x));
  for (const [k, x] of Object.entries(result.byBackground)) if (x.clicks > 0) console.log(line(`on ${k}`, x));
  console.log(`  smart: ${(result.msPerClick.mean ?? 0).toFixed(1)} ms/click mean, ${result.msPerClick.p95.toFixed(1)} ms p95; fallback rate ${pct(result.fallbackRate)}; strategies ${Object.entries(strategies).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  calibration (smart confidence band: boxes, IoU≥0.5 share, mean IoU):`);
  for (const c of result.calibration) console.log(`    ${c.band.padEnd(8)}${String(c.boxes).padStart(5)}${pct(c.hitShare).padStart(9)}${num(c.meanIou).padStart(8)}`);
  console.log(`  (${result.seconds.toFixed(1)} s in all)`);
}
