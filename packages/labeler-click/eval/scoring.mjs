// Scoring of the click labeler's evaluation (eval/evaluate.mjs, and the tests' small run): labels the
// clicks of generated screens (eval/gui-screens.mjs) with a smart and a fixed labeler, judges each box
// against the truth, and summarises per element type, with the calibration of smart mode's confidence.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { contentId, iou } from "@qontinui/export-core";
import { ELEMENT_TYPES, guiScreen } from "./gui-screens.mjs";

/** A box at or below this confidence counts as refused on empty space. */
export const REFUSED_AT_OR_BELOW = 0.3;
/** Confidence buckets of the calibration table: (lo, hi]. */
export const BUCKETS = [
  [-Infinity, 0.3],
  [0.3, 0.5],
  [0.5, 0.7],
  [0.7, 0.9],
  [0.9, 1],
];

/** The screen as the pipeline's image resolver gives it to a labeler. */
export function resolvedImage(screen, name = `screen-${screen.seed}-${screen.index}`) {
  const bytes = screen.bytes;
  return { ...contentId(bytes), format: screen.format, extension: screen.format === "jpeg" ? ".jpg" : ".png", width: screen.width, height: screen.height, channels: 3, byteLength: bytes.length, sourcePath: `${name}.${screen.format}`, bytes };
}

/** Whether a labeler's boxes for one click count as right. */
export function judge(click, boxes) {
  const box = boxes[0];
  if (click.type === "empty_space") return { hit: box === undefined || box.confidence <= REFUSED_AT_OR_BELOW, iou: null };
  const v = box ? iou(box.bbox, click.box) : 0;
  return { hit: v >= 0.5, iou: v };
}

async function cachedScreen(cache, seed, index) {
  if (!cache) return guiScreen(seed, index);
  const file = path.join(cache, `${seed}-${index}`);
  try {
    const meta = JSON.parse(await readFile(`${file}.json`, "utf8"));
    return { ...meta, bytes: await readFile(`${file}.bin`) };
  } catch {
    const screen = await guiScreen(seed, index);
    await mkdir(cache, { recursive: true });
    const { bytes, ...meta } = screen;
    await writeFile(`${file}.bin`, bytes);
    await writeFile(`${file}.json`, JSON.stringify(meta));
    return screen;
  }
}

/**
 * Labels every click of `screens` screens of `seed` (from index `from`) with one smart and one fixed
 * labeler made by `clickLabeler` (one export each). Returns one row per click and smart mode's time.
 */
export async function evaluatePart(seed, screens, { clickLabeler, cache, onScreen, from = 0 }) {
  const smart = clickLabeler({ mode: "smart" });
  const fixed = clickLabeler({ mode: "fixed" });
  const ctx = { report() {} };
  const rows = [];
  let smartMs = 0;
  let smartCpuMs = 0;
  for (let s = from; s < from + screens; s++) {
    const screen = await cachedScreen(cache, seed, s);
    const image = resolvedImage(screen);
    for (const [c, click] of screen.clicks.entries()) {
      const record = { action_id: `${seed}-${s}-${c}`, action_type: "CLICK", clicked_location: { x: click.x, y: click.y }, active_states_before: [], active_states_after: [] };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const a = await smart.label(record, image, ctx);
      smartMs += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      smartCpuMs += (cpu.user + cpu.system) / 1000;
      const b = await fixed.label(record, image, ctx);
      const js = judge(click, a);
      const jf = judge(click, b);
      const meta = a[0]?.metadata?.inference_metadata ?? {};
      rows.push({
        screen: s,
        type: click.type,
        style: click.style,
        truth: click.box,
        x: click.x,
        y: click.y,
        smartHit: js.hit,
        smartIou: js.iou,
        fixedHit: jf.hit,
        confidence: a[0]?.confidence ?? null,
        bbox: a[0]?.bbox ?? null,
        strategy: meta.strategy ?? (a.length ? "?" : "none"),
        reason: meta.reason,
        meta,
        layout: screen.layout,
        theme: screen.theme,
        scale: screen.scale,
        format: screen.format,
      });
    }
    onScreen?.(s, screen);
  }
  return { rows, smartMs, smartCpuMs };
}

const share = (xs, f) => (xs.length === 0 ? null : xs.filter(f).length / xs.length);

export function summarize(rows) {
  const byType = {};
  for (const type of ELEMENT_TYPES) {
    const xs = rows.filter((r) => r.type === type);
    byType[type] = { clicks: xs.length, smart: share(xs, (r) => r.smartHit), fixed: share(xs, (r) => r.fixedHit) };
  }
  const elements = rows.filter((r) => r.type !== "empty_space");
  const calibration = BUCKETS.map(([lo, hi]) => {
    const xs = rows.filter((r) => r.confidence !== null && r.confidence > lo && r.confidence <= hi);
    const el = xs.filter((r) => r.type !== "empty_space");
    return {
      bucket: lo === -Infinity ? `≤ ${hi}` : `${lo}–${hi}`,
      boxes: xs.length,
      // A box is right when its click was on an element and IoU ≥ 0.5; a box on empty space is never right.
      right: share(xs, (r) => r.type !== "empty_space" && r.smartIou >= 0.5),
      meanConfidence: xs.length ? xs.reduce((t, r) => t + r.confidence, 0) / xs.length : null,
      onEmptySpace: xs.length - el.length,
    };
  });
  const strategies = {};
  for (const r of rows) strategies[r.strategy] = (strategies[r.strategy] ?? 0) + 1;
  return {
    clicks: rows.length,
    overall: { smart: share(rows, (r) => r.smartHit), fixed: share(rows, (r) => r.fixedHit) },
    elements: { clicks: elements.length, smart: share(elements, (r) => r.smartHit), fixed: share(elements, (r) => r.fixedHit) },
    byType,
    calibration,
    strategies,
  };
}

const pct = (v) => (v === null ? "—" : `${(100 * v).toFixed(1)}%`);

export function printTables(parts) {
  const names = Object.keys(parts);
  const out = [];
  const head = ["element type", ...names.flatMap((n) => [`${n} clicks`, `${n} smart`, `${n} fixed`])];
  const widths = head.map((h) => Math.max(12, h.length));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  out.push(line(head));
  for (const type of ELEMENT_TYPES) out.push(line([type, ...names.flatMap((n) => [parts[n].byType[type].clicks, pct(parts[n].byType[type].smart), pct(parts[n].byType[type].fixed)])]));
  out.push(line(["all elements", ...names.flatMap((n) => [parts[n].elements.clicks, pct(parts[n].elements.smart), pct(parts[n].elements.fixed)])]));
  out.push(line(["all clicks", ...names.flatMap((n) => [parts[n].clicks, pct(parts[n].overall.smart), pct(parts[n].overall.fixed)])]));
  out.push("");
  out.push("calibration of smart confidence (boxes in each bucket; right = click on an element and IoU ≥ 0.5; a box on empty space is never right):");
  const chead = ["confidence", ...names.flatMap((n) => [`${n} boxes`, `${n} right`, `${n} mean conf`, `${n} on empty`])];
  const cw = chead.map((h) => Math.max(10, h.length));
  const cline = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(cw[i]) : String(c).padStart(cw[i]))).join("  ");
  out.push(cline(chead));
  for (let b = 0; b < BUCKETS.length; b++) {
    out.push(cline([parts[names[0]].calibration[b].bucket, ...names.flatMap((n) => {
      const c = parts[n].calibration[b];
      return [c.boxes, pct(c.right), c.meanConfidence === null ? "—" : c.meanConfidence.toFixed(2), c.onEmptySpace];
    })]));
  }
  return out.join("\n");
}

