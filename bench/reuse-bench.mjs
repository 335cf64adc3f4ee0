// Figure (7): heavy-tailed screenshot reuse. A run whose records pick their screenshot by a Zipf
// law (a few screens carry hundreds of records, as when an automation loops on one screen, and
// their images hundreds of boxes), exported as the CLI does it, against the strict floor (each
// distinct screenshot read once and copied); the same export without the image-data check, and the
// check alone (what it costs by itself); and the CLI's start-up (`--help`, `run` on an empty run
// directory) and whole process on that run, with and without the check.
//
//   node bench/reuse-bench.mjs [--quick] [--json]     the figure alone
//   node bench/reuse-bench.mjs --generate <dir>       only writes the run (for --cpu-prof)
import { execFile as execFileCb, spawnSync } from "node:child_process";
import { closeSync, openSync, renameSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { checkImageData, checkThreadCount, readImageInfo, seededRandom } from "../packages/export-core/dist/index.js";
import { exportRun } from "./export-run.mjs";
import { forEachLimit, ioFloor, referencedScreenshots, warmScreenshots } from "./floor.mjs";
import { baseScreens, generateRun } from "./generate-run.mjs";
import { alternate, mb, median, seconds, settle } from "./measure.mjs";

const execFile = promisify(execFileCb);
const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, "../packages/cli/dist/bin.js");
const BASE_TIME = 1718000000;
const ACTION_TYPES = ["CLICK", "CLICK", "CLICK", "FIND", "TYPE", "HOVER"];

/** A sampler of ranks 0..n-1 with P(k) ∝ 1/(k+1)^s (Zipf). */
function zipf(n, s, rnd) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * generate-run.mjs's base screens, two in three re-encoded as palette PNGs (~110 KB, as flat GUI
 * screens compress; the others ~270 KB): ~160 KB a screenshot on average.
 */
async function reuseScreens() {
  const bases = await baseScreens(12, 1);
  return Promise.all(bases.map(async (b, i) => (i % 3 === 2 ? b : { ...b, png: await sharp(b.png).png({ palette: true, colours: 256, compressionLevel: 9 }).toBuffer() })));
}

/**
 * Writes a run directory like generate-run.mjs's (1920×1080 GUI-like PNGs, each distinct by a tEXt
 * chunk; records.jsonl in the runner's format, matches and clicks) where each record's screenshot is
 * drawn from a Zipf law over the screenshots (exponent `s`, hot ranks at random screenshots) instead
 * of spread evenly. Locations jitter by ±2 px, so a hot screen's records give hundreds of distinct
 * boxes. Returns what was written.
 */
export async function generateReuseRun(dir, { records = 3000, uniqueScreens = 500, seed = 7, s = 1 } = {}) {
  const rnd = seededRandom(seed);
  // Rank → screenshot: the hot screens are anywhere in the run, not the first files.
  const byRank = Array.from({ length: uniqueScreens }, (_, i) => i);
  for (let i = byRank.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [byRank[i], byRank[j]] = [byRank[j], byRank[i]];
  }
  const pick = zipf(uniqueScreens, s, rnd);
  const run = await generateRun(dir, {
    records,
    uniqueScreens,
    seed,
    missing: 0,
    malformed: 0,
    shotOf: () => byRank[pick()],
    screens: await reuseScreens(),
    label: "qontinui-reuse",
    idPrefix: "reuse",
  });
  const sorted = [...run.perShot].sort((a, b) => b - a);
  return { dir, records, uniqueScreens, screenshotBytes: run.screenshotBytes, boxes: run.boxes, clicks: run.clicks, referenced: run.perShot.filter((n) => n > 0).length, top: sorted.slice(0, 5) };
}

// ---------------------------------------------------------------- measuring

/** Runs the CLI in a child process; wall time from spawn to exit, and its parsed --json output when asked. */
async function cli(args, { json = false } = {}) {
  const t0 = performance.now();
  const { stdout } = await execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  return { ms, out: json ? JSON.parse(stdout) : undefined };
}

/**
 * (7) The heavy-tailed run: the export as the CLI does it (records.jsonl, template + click in
 * fixed mode, intermediate writer, in this process) against the strict floor, and the CLI as a
 * process: `run` on that run, `run` on an empty run directory, `--help`.
 */
export async function figureReuse(root, { quick = false, log = () => {} } = {}) {
  const size = quick ? { records: 600, uniqueScreens: 100, reps: 3 } : { records: 3000, uniqueScreens: 500, reps: 5 };
  const runDir = path.join(root, "reuse-run");
  const emptyRun = path.join(root, "reuse-empty-run");
  log(`(7) generating ${size.records} records on ${size.uniqueScreens} screenshots, Zipf reuse (not timed)`);
  const run = await generateReuseRun(runDir, size);
  await mkdir(emptyRun, { recursive: true });
  await writeFile(path.join(emptyRun, "records.jsonl"), "");

  // Every output into a new directory, all removed at the end (see figure 1 on ext4 inode reuse).
  const outs = path.join(root, "reuse-out");
  let n = 0;
  const prepare = async () => {
    await warmScreenshots(runDir);
    settle();
    return path.join(outs, String(n++));
  };
  // One untimed export and CLI run first (compiles the pipeline in this process; the CLI's files into the page cache).
  log(`(7) one untimed export and CLI run (warm-up)`);
  await exportRun({ runDir, outDir: await prepare(), coco: "none", clickMode: "fixed" });
  await cli(["run", runDir, "--out", await prepare(), "--quiet", "--click-mode", "fixed", "--json"]);
  await cli(["--help"]);

  log(`(7) strict floor, export (with and without the decode check), the check alone, CLI runs, empty run and --help, ${size.reps} repetition(s) each`);
  const distinct = await referencedScreenshots(runDir);
  let last;
  let lastCli;
  const [strict, exp, expOff, alone, creating, proc, procOff, empty, help] = await alternate(size.reps, [
    async () => ioFloor(runDir, await prepare(), { perRecord: false }),
    async () => (last = await exportRun({ runDir, outDir: await prepare(), coco: "none", clickMode: "fixed" })),
    async () => exportRun({ runDir, outDir: await prepare(), coco: "none", clickMode: "fixed", checkImageData: false }),
    async () => checkAlone(runDir, distinct, prepare),
    async () => createFiles(await prepare(), 2 * distinct.length),
    async () => (lastCli = await cli(["run", runDir, "--out", await prepare(), "--quiet", "--click-mode", "fixed", "--json"], { json: true })),
    async () => cli(["run", runDir, "--out", await prepare(), "--quiet", "--click-mode", "fixed", "--json", "--no-decode-check"], { json: true }),
    async () => cli(["run", emptyRun, "--out", await prepare(), "--quiet", "--json"], { json: true }),
    async () => cli(["--help"]),
  ]);
  const strictMs = median(strict.map((f) => f.ms));
  const exportMs = median(exp.map((e) => e.ms));
  const exportOffMs = median(expOff.map((e) => e.ms));
  const aloneMs = median(alone);
  const createMs = median(creating);
  const processMs = median(proc.map((p) => p.ms));
  const processOffMs = median(procOff.map((p) => p.ms));
  const inPipelineMs = median(proc.map((p) => p.out.statistics.durationMs));
  const emptyMs = median(empty.map((p) => p.ms));
  const helpMs = median(help.map((p) => p.ms));
  const ratio = exportMs / strictMs;
  const processOk = processMs <= 1000;
  const s = lastCli.out.statistics;
  const inter = lastCli.out.writers.find((w) => w.writer === "intermediate");
  return {
    figure: 7,
    name: `Zipf reuse ${size.records} rec / ${size.uniqueScreens} shots`,
    measured: `${seconds(exportMs)}; CLI process ${seconds(processMs)}`,
    baseline: `strict floor ${seconds(strictMs)}`,
    ratio,
    target: 2,
    targetText: "≤ 2×, ≤ 1 s",
    verdict: ratio <= 2 && processOk ? "ok" : `MISS${ratio <= 2 ? "" : " (ratio)"}${processOk ? "" : " (process)"}`,
    notes: [
      `run: each record's screenshot drawn from a Zipf law (s = 1) over ${size.uniqueScreens} 1920×1080 PNGs (${mb(run.screenshotBytes)}; ${run.referenced} referenced); records on the 5 hottest: ${run.top.join(", ")}; ${run.boxes} matches, ${run.clicks} clicks`,
      `export: records.jsonl → template + click (fixed mode) → intermediate writer, no COCO, in this process (as bench/export-run.mjs), with the image-data check (the default); strict floor: each distinct screenshot read once + fs.copyFile, concurrency 8; warm page cache, sync before each, each into a new directory; median of ${size.reps}`,
      `without the check (\`run --no-decode-check\`): export ${seconds(exportOffMs)} → ${(exportOffMs / strictMs).toFixed(2)}× the strict floor; CLI process ${seconds(processOffMs)}`,
      `the check alone: checkImageData on each distinct screenshot (${distinct.length}; every PNG inflated whole, in ${checkThreadCount()} check thread(s)) ${seconds(aloneMs)} = ${(aloneMs / strictMs).toFixed(2)}× the strict floor by itself`,
      `file creation at the time: ${2 * distinct.length} new files in a new directory (what the export makes: an image and an annotation file per distinct screenshot; the floor makes ${distinct.length}), each a temp file written empty and renamed, ${seconds(createMs)} = ${(createMs / strictMs).toFixed(2)}× the strict floor (on the bench's journal-less ext4 a new file cost 0.06-0.7 ms within 20 minutes, by what was removed before: see bench/README, figure 1; figure 7 moves with it, the export making twice the floor's files)`,
      `CLI process (\`qontinui-export run <run> --out <new dir> --quiet --click-mode fixed --json\`, spawn to exit): ${seconds(processMs)}, of which in the pipeline (its statistics.durationMs) ${seconds(inPipelineMs)} → ${(inPipelineMs / strictMs).toFixed(2)}× the strict floor; target: process ≤ 1.0 s`,
      `CLI start-up: \`--help\` ${seconds(helpMs)}; \`run\` on an empty run directory (empty records.jsonl) into a new dataset ${seconds(emptyMs)}; \`node -e 0\` for reference ${seconds(nodeStartMs())}`,
      `exported ${s.recordsExported} records (skipped ${s.recordsSkipped}), ${s.uniqueImages} distinct images, ${inter?.totalAnnotations ?? "?"} distinct boxes in the dataset, ${mb(s.bytesRead)} of screenshots read (${(s.bytesRead / run.screenshotBytes).toFixed(2)}× the files' bytes)`,
    ],
    data: {
      run: { records: run.records, uniqueScreens: run.uniqueScreens, screenshotBytes: run.screenshotBytes, referenced: run.referenced, top: run.top },
      strictFloorMs: strict.map((f) => f.ms),
      exportMs: exp.map((e) => e.ms),
      exportWithoutCheckMs: expOff.map((e) => e.ms),
      checkAloneMs: alone,
      createFilesMs: creating,
      processWithoutCheckMs: procOff.map((p) => p.ms),
      processMs: proc.map((p) => p.ms),
      inPipelineMs: proc.map((p) => p.out.statistics.durationMs),
      emptyRunMs: empty.map((p) => p.ms),
      helpMs: help.map((p) => p.ms),
      export: last,
    },
  };
}

/**
 * The image-data check by itself: each distinct screenshot read (warm) and given to checkImageData,
 * all at once (its one worker thread inflates them one after the other). Wall time of the checks.
 */
async function checkAlone(runDir, refs, prepare) {
  await prepare();
  const files = await Promise.all(refs.map((ref) => readFile(path.join(runDir, ref)).catch(() => undefined)));
  const t0 = performance.now();
  await forEachLimit(
    files.filter((b) => b !== undefined),
    8,
    async (bytes) => {
      const info = readImageInfo(bytes);
      if (info.ok) await checkImageData(bytes, info.info.format);
    },
  );
  return performance.now() - t0;
}

/**
 * `count` files created in a new directory under `dir` the way the export's atomic writes make them
 * (open a new temp file, close, rename onto the name), on this thread: what making that many files
 * costs on this filesystem at the time. Wall time.
 */
async function createFiles(dir, count) {
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const temp = path.join(dir, `.f${i}.tmp`);
    closeSync(openSync(temp, "wx"));
    renameSync(temp, path.join(dir, `f${i}`));
  }
  return performance.now() - t0;
}

let nodeStart;
/** Wall time of `node -e 0`, the floor of any process start (median of 5, measured once). */
function nodeStartMs() {
  if (nodeStart === undefined) {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ["-e", "0"]);
      times.push(performance.now() - t0);
    }
    nodeStart = median(times);
  }
  return nodeStart;
}

// ---------------------------------------------------------------- CLI

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const g = args.indexOf("--generate");
  if (g >= 0) {
    const dir = args[g + 1];
    if (!dir) throw new Error("usage: node bench/reuse-bench.mjs --generate <dir>");
    const run = await generateReuseRun(dir, args.includes("--quick") ? { records: 600, uniqueScreens: 100 } : {});
    console.log(`wrote ${run.records} records on ${run.uniqueScreens} screenshots (${mb(run.screenshotBytes)}) to ${dir}; hottest: ${run.top.join(", ")}`);
  } else {
    const root = await mkdtemp(path.join(os.tmpdir(), "qontinui-reuse-"));
    try {
      const r = await figureReuse(root, { quick: args.includes("--quick"), log: (m) => process.stderr.write(`  … ${m}\n`) });
      if (args.includes("--json")) console.log(JSON.stringify(r, null, 2));
      else console.log([`${r.figure}  ${r.name}  ${r.measured}  ${r.baseline}  ${r.ratio.toFixed(2)}×  ${r.targetText}  ${r.verdict}`, ...r.notes.map((x) => `     ${x}`)].join("\n"));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}
