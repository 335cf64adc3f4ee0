// Evaluates the built click labeler (smart and fixed mode) on generated GUI screenshots
// (eval/gui-screens.mjs): an open part (seed OPEN_SEED, to tune and debug on) and a sealed part (seed
// SEALED_SEED, never tuned on: only its totals are printed). Prints, per element type, the share of
// clicks whose box has IoU ≥ 0.5 with the truth (for empty space: the share refused, i.e. no box or
// confidence ≤ 0.3), and the calibration of smart mode's confidence.
//
//   pnpm --filter @qontinui/labeler-click build && pnpm --filter @qontinui/labeler-click eval
//   node eval/evaluate.mjs [--open 60] [--sealed 60] [--json] [--misses] [--cache DIR]
//
// --misses prints the open part's misses (never the sealed part's). --cache DIR keeps the generated
// screens in DIR between runs (generating them is most of the time).
import { clickLabeler } from "../dist/index.js";
import { OPEN_SEED, SEALED_SEED } from "./gui-screens.mjs";
import { evaluatePart, printTables, REFUSED_AT_OR_BELOW, summarize } from "./scoring.mjs";

const args = process.argv.slice(2);
const arg = (name, d) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return d;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a non-negative integer, got ${JSON.stringify(args[i + 1])}`);
  return v;
};
const cacheIndex = args.indexOf("--cache");
const cache = cacheIndex >= 0 ? args[cacheIndex + 1] : undefined;
const openScreens = arg("open", 60);
const sealedScreens = arg("sealed", 60);
const started = performance.now();
const open = await evaluatePart(OPEN_SEED, openScreens, { clickLabeler, cache });
const sealed = await evaluatePart(SEALED_SEED, sealedScreens, { clickLabeler, cache });
const parts = { open: summarize(open.rows), sealed: summarize(sealed.rows) };
const clicks = open.rows.length + sealed.rows.length;
const timing = { smartMsPerClick: (open.smartMs + sealed.smartMs) / clicks, smartCpuMsPerClick: (open.smartCpuMs + sealed.smartCpuMs) / clicks };

if (args.includes("--json")) {
  console.log(JSON.stringify({ seeds: { open: OPEN_SEED, sealed: SEALED_SEED }, screens: { open: openScreens, sealed: sealedScreens }, parts, timing }, null, 2));
} else {
  console.log(`click labeler eval: ${openScreens} open screens (seed ${OPEN_SEED}), ${sealedScreens} sealed screens (seed ${SEALED_SEED}); hit = IoU ≥ 0.5, empty space: no box or confidence ≤ ${REFUSED_AT_OR_BELOW}`);
  console.log(printTables(parts));
  console.log("");
  const strategies = (p) => Object.entries(p.strategies).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(`smart strategies: open ${strategies(parts.open)}; sealed ${strategies(parts.sealed)}`);
  console.log(
    `smart mode: ${timing.smartMsPerClick.toFixed(1)} ms and ${timing.smartCpuMsPerClick.toFixed(1)} ms CPU (all threads) per click, each click labelled alone (the decode is not shared as in an export); ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
  );
}
if (args.includes("--misses")) {
  for (const r of open.rows.filter((x) => !x.smartHit)) {
    console.log(`miss open screen ${r.screen} ${r.layout}/${r.theme}/${r.scale}/${r.format} ${r.type}/${r.style} click (${r.x}, ${r.y}) truth [${r.truth?.map(Math.round) ?? "none"}] → [${r.bbox?.map(Math.round) ?? "none"}] ${r.strategy} conf ${r.confidence} iou ${r.smartIou?.toFixed(2) ?? "-"} ${r.reason ?? ""}`);
  }
}
