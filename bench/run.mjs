// pnpm bench: the export's speed and memory, each figure next to a baseline measured in the same
// run. Not a timed test: it prints ratios and says which targets are met.
//
//   node --expose-gc bench/run.mjs [--quick] [--large] [--only 1,2] [--json]
//
// See bench/README.md for what each figure means.
import { execFile as execFileCb } from "node:child_process";
import { mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runClickBench } from "./click-bench.mjs";
import { figureReuse } from "./reuse-bench.mjs";
import { figureStore } from "./store-bench.mjs";
import { runCocoBench } from "./coco-bench.mjs";
import { appendBatch, buildLargeDataset, writeBatchRun } from "./append-bench.mjs";
import { exportRun, makeSource } from "./export-run.mjs";
import { forEachLimit, ioFloor, warmScreenshots } from "./floor.mjs";
import { generateRun } from "./generate-run.mjs";
import { generateSession } from "../packages/runner-sessions/src/index.mjs";
import { alternate, mb, median, seconds, settle } from "./measure.mjs";

const execFile = promisify(execFileCb);
const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- options

const USAGE = `usage: node --expose-gc bench/run.mjs [--quick] [--large] [--only 1,2,...] [--json]
  --quick   small sizes, one repetition: a smoke run (about a minute)
  --large   figure 4 also at 100,000 records / 20,000 screenshots (about a minute more and
            11 GB of temporary disk: 5.4 GB of run, as much again exported)
  --only    run these figures only (1 export, 2 append, 3 COCO, 4 RSS, 5 run_data, 6 smart click, 7 heavy reuse,
            8 PostgreSQL store: 8 writers at once, append into 100k images; needs apt-get install postgresql)
  --json    print the results as JSON instead of the table`;

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const quick = argv.includes("--quick");
const large = argv.includes("--large");
const json = argv.includes("--json");
const onlyIndex = argv.indexOf("--only");
const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? "").split(",").map((s) => Number(s.trim()))) : undefined;
for (const a of argv) {
  if (a.startsWith("--") && !["--quick", "--large", "--json", "--only", "--help"].includes(a)) {
    console.error(`unknown option ${a}\n${USAGE}`);
    process.exit(2);
  }
}
if (only && [...only].some((n) => !(Number.isInteger(n) && n >= 1 && n <= 8))) {
  console.error(`--only takes figure numbers 1 to 8, e.g. --only 1,2\n${USAGE}`);
  process.exit(2);
}
const want = (n) => !only || only.has(n);

const SIZES = quick
  ? { exportRecords: 500, exportShots: 100, exportReps: 1, datasetImages: 2000, batch: 50, appendReps: 3, cocoImages: 2000, rssSmall: 100, rssLarge: 1000, rssLargest: 3000, rssReps: 1, sessionActions: 100, sessionScreens: 50, runDataReps: 3, clickRecords: 600, clickShots: 100, clickReps: 1 }
  : { exportRecords: 5000, exportShots: 1000, exportReps: 5, datasetImages: 100000, batch: 50, appendReps: 7, cocoImages: 100000, rssSmall: 1000, rssLarge: 10000, rssLargest: 30000, rssReps: 3, sessionActions: 1000, sessionScreens: 500, runDataReps: 5, clickRecords: 3000, clickShots: 500, clickReps: 3 };

// ---------------------------------------------------------------- helpers

const millis = (ms) => `${ms.toFixed(1)} ms`;
const log = (m) => {
  if (!json) process.stderr.write(`  … ${m}\n`);
};

// ---------------------------------------------------------------- figures

/** (1) Full export throughput against the I/O floor. */
async function figureExport(root) {
  const runDir = path.join(root, "export-run");
  const { exportRecords: records, exportShots: shots, exportReps: reps } = SIZES;
  log(`(1) generating ${records} records / ${shots} screenshots`);
  const run = await generateRun(runDir, { records, uniqueScreens: shots, seed: 1 });
  // Every measurement writes into a directory of its own, and all are removed with the benchmark's
  // temporary directory at the very end. Removing an output just before a measurement made ext4
  // (without a journal, as here) skip every recently freed inode for each file it then created
  // (perf: recently_deleted / find_inode_bit, a fifth of the export's CPU): a cost that grows with
  // the files created, so it weighed twice on the export (an image and an annotation file per
  // screenshot) against the floor (a copy), and removing these outputs before figure 2 made its
  // appends into the large dataset pay it (2.85× instead of 1.5×).
  const outs = path.join(root, "export-out");
  let n = 0;
  const prepare = async () => {
    await warmScreenshots(runDir);
    settle();
    return path.join(outs, String(n++));
  };
  let last;
  log(`(1) floor, strict floor and export, ${reps} repetition(s) each`);
  const [floor, strict, exp] = await alternate(reps, [
    async () => ioFloor(runDir, await prepare(), { perRecord: true }),
    async () => ioFloor(runDir, await prepare(), { perRecord: false }),
    async () => {
      last = await exportRun({ runDir, outDir: await prepare(), coco: "pipeline", clickMode: "fixed" });
      return last;
    },
  ]);
  const exportMs = median(exp.map((e) => e.ms));
  const floorMs = median(floor.map((f) => f.ms));
  const strictMs = median(strict.map((f) => f.ms));
  const perSecond = (ms) => `${Math.round(records / (ms / 1000))} rec/s, ${Math.round(run.screenshotBytes / 1e6 / (ms / 1000))} MB/s`;
  const cocoNote = last.coco === "pipeline" ? "cocoWriter in the same pipeline" : last.coco === "after" ? "toCoco after the export (timed)" : "no COCO";
  return {
    figure: 1,
    name: `export ${records} rec / ${shots} shots`,
    measured: `${seconds(exportMs)} (${perSecond(exportMs)})`,
    baseline: `floor ${seconds(floorMs)} (${perSecond(floorMs)})`,
    ratio: exportMs / floorMs,
    target: 1.5,
    notes: [
      `writers ${last.writers.join(" + ")} (${cocoNote}); labelers ${last.labelers.join(" + ") || "none"} (click: fixed mode); warm page cache for both, sync before each, each into a new directory; median of ${reps}`,
      `floor = read every record's screenshot once (${mb(floor[0].bytesRead)}) + fs.copyFile of the ${floor[0].files} distinct ones (${mb(floor[0].bytesCopied)}), concurrency 8`,
      `strict floor (each distinct file read once + copyFile): ${seconds(strictMs)} → export is ${(exportMs / strictMs).toFixed(2)}× that`,
      `export read ${mb(last.bytesRead)} of screenshots (${(last.bytesRead / run.screenshotBytes).toFixed(1)}× the distinct bytes); exported ${last.recordsExported}, skipped ${last.recordsSkipped} (${Object.entries(last.problems).map(([k, v]) => `${k} ${v}`).join(", ")})`,
      ...(last.cocoMs ? [`of which toCoco: ${seconds(median(exp.map((e) => e.cocoMs)))}`] : []),
    ],
    data: { records, uniqueScreens: shots, screenshotBytes: run.screenshotBytes, exportMs: exp.map((e) => e.ms), floorMs: floor.map((f) => f.ms), strictFloorMs: strict.map((f) => f.ms), export: last },
  };
}

/** (2) Appending a batch to a large dataset against the same batch into an empty one. */
async function figureAppend(root) {
  const { datasetImages, batch, appendReps: reps } = SIZES;
  const large = path.join(root, "append-large");
  log(`(2) building a ${datasetImages}-image dataset through the intermediate writer`);
  let lastLog = 0;
  const build = await buildLargeDataset(large, datasetImages, {
    onProgress: (e) => {
      if (e.elapsedMs - lastLog > 15000) {
        lastLog = e.elapsedMs;
        log(`(2)   ${e.recordsDone} / ${datasetImages} after ${seconds(e.elapsedMs)}`);
      }
    },
  });
  log(`(2) appending ${reps} batches of ${batch} to each`);
  const [intoLarge, intoEmpty] = await alternate(reps, [
    async (r) => {
      const runDir = path.join(root, `batch-large-${r}`);
      await writeBatchRun(runDir, `large${r}`, batch);
      settle();
      const res = await appendBatch(runDir, large);
      if (res.exported !== batch) throw new Error(`append into the large dataset exported ${res.exported} of ${batch}`);
      return res;
    },
    async (r) => {
      const runDir = path.join(root, `batch-empty-${r}`);
      const dir = path.join(root, `append-empty-${r}`);
      await writeBatchRun(runDir, `empty${r}`, batch);
      settle();
      const res = await appendBatch(runDir, dir);
      if (res.exported !== batch) throw new Error(`append into an empty dataset exported ${res.exported} of ${batch}`);
      return res;
    },
  ]);
  await rm(large, { recursive: true, force: true });
  const largeMs = median(intoLarge.map((x) => x.ms));
  const emptyMs = median(intoEmpty.map((x) => x.ms));
  return {
    figure: 2,
    name: `append ${batch} rec into ${datasetImages / 1000}k images`,
    measured: millis(largeMs),
    baseline: `into empty: ${millis(emptyMs)}`,
    ratio: largeMs / emptyMs,
    target: 2,
    notes: [
      `whole export (open, lock, load index, write, close, metadata) of a run dir of ${batch} tiny PNGs, in-process, median of ${reps}`,
      `building the ${datasetImages}-image dataset through runPipeline + intermediateWriter took ${seconds(build.ms)} (${Math.round(datasetImages / (build.ms / 1000))} rec/s)`,
    ],
    data: { datasetImages, batch, buildMs: build.ms, largeMs: intoLarge.map((x) => x.ms), emptyMs: intoEmpty.map((x) => x.ms), totalImagesAfter: intoLarge.at(-1).totalImages },
  };
}

/** (3) COCO conversion of a large dataset (writer-coco's own benchmark and baseline). */
async function figureCoco() {
  const res = await runCocoBench({ images: SIZES.cocoImages, log });
  return {
    figure: 3,
    name: `COCO ${SIZES.cocoImages / 1000}k images / ${(SIZES.cocoImages * 3) / 1000}k boxes`,
    measured: res.summary,
    baseline: res.baselineText,
    ratio: res.ratio,
    target: undefined,
    targetText: "RSS < 300 MB",
    verdict: res.rssTargetMet ? "ok" : "MISS",
    notes: [
      `toCoco (streaming) vs the naive script (all annotation files parsed into one object, one JSON.stringify); each in its own process, peak RSS (VmHWM)`,
      `peak RSS ${(res.rssRatio).toFixed(2)}× the naive script's; target: under 300 MB: ${res.rssTargetMet ? "ok" : "MISS"}; output ${(res.outputBytes / 1e6).toFixed(0)} MB`,
    ],
    data: res,
  };
}

/** "new 17/4, old 13/12 MB": V8's young and old generation (committed/used) at the sampled RSS peak. */
function spacesAtPeak(run) {
  const sp = run.sampledPeak?.spaces ?? {};
  const pair = (s) => (s ? `${Math.round(s.committed / 1e6)}/${Math.round(s.used / 1e6)}` : "?");
  return `new ${pair(sp.new)}, old ${pair(sp.old)} MB`;
}

/** (4) Peak RSS of the full export at three sizes, each in its own process. */
async function figureRss(root) {
  const { rssSmall, rssLarge, rssLargest } = SIZES;
  const measure = async (records) => {
    const runDir = path.join(root, `rss-run-${records}`);
    const outDir = path.join(root, `rss-out-${records}`);
    log(`(4) ${records} records, ${SIZES.rssReps} export(s) in a child process each`);
    await generateRun(runDir, { records, uniqueScreens: Math.max(1, Math.round(records / 5)), seed: records });
    const reps = [];
    for (let i = 0; i < SIZES.rssReps; i++) {
      settle();
      const { stdout } = await execFile(process.execPath, ["--expose-gc", path.join(here, "export-run.mjs"), JSON.stringify({ runDir, outDir: `${outDir}-${i}`, coco: "pipeline", clickMode: "fixed" })], {
        maxBuffer: 16 * 1024 * 1024,
      });
      reps.push(JSON.parse(stdout.trim().split("\n").at(-1)));
      await rm(`${outDir}-${i}`, { recursive: true, force: true });
    }
    await rm(runDir, { recursive: true, force: true });
    // The median export by peak RSS (when V8 runs its full collections moves the peak between runs).
    const sorted = [...reps].sort((x, y) => x.maxRssBytes - y.maxRssBytes);
    return { ...sorted[(sorted.length - 1) >> 1], rssRange: [sorted[0].maxRssBytes, sorted.at(-1).maxRssBytes] };
  };
  const small = await measure(rssSmall);
  const big = await measure(rssLarge);
  const biggest = await measure(rssLargest);
  const rssHuge = quick ? 10 * rssLargest : 100000;
  const huge = large ? await measure(rssHuge) : undefined;
  const k = (n) => `${n / 1000}k`;
  const sizes = [rssSmall, rssLarge, rssLargest, ...(huge ? [rssHuge] : [])];
  const runs = [small, big, biggest, ...(huge ? [huge] : [])];
  return {
    figure: 4,
    name: `peak RSS ${k(rssLarge)} vs ${k(rssSmall)} rec`,
    measured: `${mb(big.maxRssBytes)} (${seconds(big.ms)})`,
    baseline: `${rssSmall} rec: ${mb(small.maxRssBytes)} (${seconds(small.ms)})`,
    ratio: big.maxRssBytes / small.maxRssBytes,
    target: 1.2,
    targetText: "≈ 1 (flat)",
    notes: [
      `full export (${big.writers.join(" + ")}, COCO ${big.coco}) in a child process each; peak RSS (VmHWM: getrusage maxRSS would include the parent at fork); median of ${SIZES.rssReps}`,
      ...(SIZES.rssReps > 1 ? [`peak RSS range over the ${SIZES.rssReps} exports: ${runs.map((r, i) => `${mb(r.rssRange[0])}-${mb(r.rssRange[1])} (${k(sizes[i])})`).join(", ")}`] : []),
      `${k(rssLargest)} rec: ${mb(biggest.maxRssBytes)} (${seconds(biggest.ms)}) → ${(biggest.maxRssBytes / big.maxRssBytes).toFixed(2)}× the ${k(rssLarge)} run`,
      ...(huge ? [`${k(rssHuge)} rec (--large): ${mb(huge.maxRssBytes)} (${seconds(huge.ms)}) → ${(huge.maxRssBytes / biggest.maxRssBytes).toFixed(2)}× the ${k(rssLargest)} run`] : []),
      `V8 heap at the peak, new space / old space (committed, used): ${runs.map((r, i) => `${spacesAtPeak(r)} (${k(sizes[i])})`).join(", ")}`,
      `live JS heap after the export and a full GC: ${runs.map((r, i) => `${mb(r.liveHeapBytes)} (${k(sizes[i])})`).join(", ")}; RSS after that GC: ${runs.map((r) => mb(r.rssAfterGcBytes)).join(", ")}`,
    ],
    data: { small, large: big, largest: biggest, ...(huge ? { huge } : {}) },
  };
}

/**
 * Reads once what the exports read of a run_data directory: screenshots and their sidecars, debug
 * sidecars, the first 4 KB of each debug visual (the source reads its PNG header), records.jsonl and
 * the events file.
 */
async function warmRunData(runData, events) {
  const files = [path.join(runData, "records.jsonl"), events];
  const heads = [];
  for (const dir of ["screenshots", "debug_visuals"]) {
    for (const name of await readdir(path.join(runData, dir)).catch(() => [])) {
      (dir === "screenshots" || name.endsWith(".json") ? files : heads).push(path.join(runData, dir, name));
    }
  }
  await forEachLimit(files, 8, (f) => readFile(f).catch(() => undefined));
  const head = Buffer.alloc(4096);
  await forEachLimit(heads, 8, async (f) => {
    const handle = await open(f, "r").catch(() => undefined);
    await handle?.read(head, 0, head.length, 0).catch(() => undefined);
    await handle?.close();
  });
}

/** Iterates `source.read()` alone (no pipeline): its records and problems, and the time. */
async function readOnly(source) {
  const t0 = performance.now();
  let records = 0;
  let problems = 0;
  for await (const item of source.read()) {
    if ("record" in item) records++;
    else problems++;
  }
  return { ms: performance.now() - t0, records, problems };
}

/**
 * Writes `runData/records.jsonl`: the records the run_data source gives (events joined), one a line,
 * in its order. The same records as the run_data export, so the two exports differ only in the
 * format they read.
 */
async function writeRecordsFromRunData(runData, events) {
  const lines = [];
  const problems = {};
  for await (const item of makeSource("run-data", runData, events).read()) {
    if ("record" in item) lines.push(JSON.stringify(item.record));
    else problems[item.problem.reason] = (problems[item.problem.reason] ?? 0) + 1;
  }
  const text = `${lines.join("\n")}\n`;
  await writeFile(path.join(runData, "records.jsonl"), text);
  return { records: lines.length, problems, bytes: Buffer.byteLength(text) };
}

/** (5) The run_data source against records.jsonl: the same screenshots and records, exported. */
async function figureRunData(root) {
  const { sessionActions: actions, sessionScreens: screens, runDataReps: reps } = SIZES;
  const sessionDir = path.join(root, "runner-session");
  log(`(5) generating a runner session: ${actions} actions, ${screens} distinct screens (not timed)`);
  const truth = await generateSession(sessionDir, { seed: 5, actions, distinctScreens: screens, grounding: false, events: true });
  const runData = truth.runData;
  const events = truth.eventsFile;
  const c = truth.counts;
  const baselineFile = await writeRecordsFromRunData(runData, events);

  // Each export into a new directory, all removed at the end (see figureExport: ext4 inode reuse).
  const outs = path.join(root, "run-data-out");
  let n = 0;
  const prepare = async () => {
    await warmRunData(runData, events);
    settle();
    return path.join(outs, String(n++));
  };
  const common = { runDir: runData, coco: "none", clickMode: "fixed" };
  let lastRunData;
  let lastRecords;
  // One untimed export of each first: the first export in a process also compiles the pipeline, labelers and writer.
  log(`(5) one untimed export of each (warm-up)`);
  await exportRun({ ...common, outDir: await prepare(), source: "run-data", events });
  await exportRun({ ...common, outDir: await prepare(), source: "records" });
  log(`(5) run_data export, records.jsonl export and the sources read alone, ${reps} repetition(s) each`);
  const [fromRunData, fromRecords, readRunData, readSidecars, readRecords] = await alternate(reps, [
    async () => (lastRunData = await exportRun({ ...common, outDir: await prepare(), source: "run-data", events })),
    async () => (lastRecords = await exportRun({ ...common, outDir: await prepare(), source: "records" })),
    async () => (await prepare(), readOnly(makeSource("run-data", runData, events))),
    async () => (await prepare(), readOnly(makeSource("run-data", runData))),
    async () => (await prepare(), readOnly(makeSource("records", runData))),
  ]);
  const runDataMs = median(fromRunData.map((e) => e.ms));
  const recordsMs = median(fromRecords.map((e) => e.ms));
  const readRunDataMs = median(readRunData.map((e) => e.ms));
  const readSidecarsMs = median(readSidecars.map((e) => e.ms));
  const readRecordsMs = median(readRecords.map((e) => e.ms));
  const runDataCpuMs = median(fromRunData.map((e) => e.cpuMs));
  const recordsCpuMs = median(fromRecords.map((e) => e.cpuMs));

  const a = lastRunData;
  const b = lastRecords;
  const differences = ["recordsRead", "recordsExported", "recordsSkipped", "annotations", "uniqueImages", "bytesRead"]
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k]} vs ${b[k]}`);
  if (JSON.stringify(a.problems) !== JSON.stringify(b.problems)) differences.push(`problems ${JSON.stringify(a.problems)} vs ${JSON.stringify(b.problems)}`);
  const same = differences.length === 0;
  const ratio = runDataMs / recordsMs;
  const perSecond = (ms) => `${Math.round(a.recordsRead / (ms / 1000))} rec/s`;
  const problemText = (p) => Object.entries(p).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  return {
    figure: 5,
    name: `run_data ${c.screenshots} shots vs records.jsonl`,
    measured: `${seconds(runDataMs)} (${perSecond(runDataMs)}; ${a.recordsExported} rec, ${a.annotations} ann)`,
    baseline: `records.jsonl ${seconds(recordsMs)} (${perSecond(recordsMs)}; ${b.recordsExported} rec, ${b.annotations} ann)`,
    ratio,
    target: 1.5,
    verdict: `${ratio <= 1.5 ? "ok" : "MISS"}${same ? "" : ", COUNTS DIFFER"}`,
    notes: [
      `full export (${a.writers.join(" + ")}, no COCO; labelers ${a.labelers.join(" + ")}, click: fixed mode) of a runner session (${c.screenshots} screenshots + sidecars, ${c.debugVisuals} debug visuals, ${c.events} tree events joined, ${c.distinctScreensDrawn} distinct screens; seed 5, ${actions} actions), against records.jsonl holding the records the run_data source gives, over the same screenshot files; warm page cache, sync before each, each into a new directory, after one untimed export of each; median of ${reps}`,
      `CPU time of the process during the export (user + system, median; less sensitive than wall time to other load on the machine): run_data ${seconds(runDataCpuMs)}, records.jsonl ${seconds(recordsCpuMs)} → ${(runDataCpuMs / recordsCpuMs).toFixed(2)}×`,
      `read alone (source.read(), no pipeline): run_data ${seconds(readRunDataMs)} (${c.screenshots + c.debugVisuals} sidecars + events; sidecars alone, no events: ${seconds(readSidecarsMs)}), records.jsonl ${seconds(readRecordsMs)} (${(baselineFile.bytes / 1e6).toFixed(1)} MB); export difference ${seconds(runDataMs - recordsMs)}`,
      same
        ? `both exported ${a.recordsExported} records (read ${a.recordsRead}, skipped ${a.recordsSkipped}; problems: ${problemText(a.problems)}), ${a.annotations} annotations, ${a.uniqueImages} distinct images, ${mb(a.bytesRead)} of screenshots read`
        : `COUNTS DIFFER (run_data vs records.jsonl): ${differences.join("; ")}`,
      ...(baselineFile.records === c.screenshots ? [] : [`records.jsonl holds ${baselineFile.records} records for ${c.screenshots} screenshots (run_data problems: ${problemText(baselineFile.problems)})`]),
    ],
    data: {
      counts: c,
      baselineRecords: baselineFile.records,
      baselineProblems: baselineFile.problems,
      runDataMs: fromRunData.map((e) => e.ms),
      recordsMs: fromRecords.map((e) => e.ms),
      runDataCpuMs: fromRunData.map((e) => e.cpuMs),
      recordsCpuMs: fromRecords.map((e) => e.cpuMs),
      readRunDataMs: readRunData.map((e) => e.ms),
      readSidecarsMs: readSidecars.map((e) => e.ms),
      readRecordsMs: readRecords.map((e) => e.ms),
      same,
      differences,
      runDataExport: a,
      recordsExport: b,
    },
  };
}

/** (6) The click labeler's smart mode against its fixed mode: the same export of the same run. */
async function figureClick(root) {
  const { clickRecords: records, clickShots: shots, clickReps: reps } = SIZES;
  const res = await runClickBench({ root, records, shots, reps, log });
  const perClick = (ms) => `${(ms / res.clicks).toFixed(2)} ms`;
  return {
    figure: 6,
    name: `click smart vs fixed, ${records} rec / ${shots} shots`,
    measured: `smart ${seconds(res.smartMs)} (CPU ${seconds(res.smartCpuMs)})`,
    baseline: `fixed ${seconds(res.fixedMs)} (CPU ${seconds(res.fixedCpuMs)})`,
    ratio: res.ratio,
    target: 3,
    verdict: `${res.ratio <= 3 ? "ok" : "MISS"}${res.sameCounts ? "" : ", COUNTS DIFFER"}`,
    notes: [
      `full export (intermediate + coco in the pipeline, template + click labelers) of a generated run (${res.clicks} records with a click, 1920×1080 PNG screenshots), --click-mode smart against --click-mode fixed, alternating, warm page cache, sync before each, each into a new directory, after one untimed export of each; median of ${reps}`,
      `smart mode's cost per click: ${perClick(res.smartMs - res.fixedMs)} of wall time, ${perClick(res.smartCpuMs - res.fixedCpuMs)} of CPU (the process's, all threads: decoding and analysis)`,
    ],
    data: { records, shots, clicks: res.clicks, smartMs: res.smart.map((e) => e.ms), fixedMs: res.fixed.map((e) => e.ms), smartCpuMs: res.smart.map((e) => e.cpuMs), fixedCpuMs: res.fixed.map((e) => e.cpuMs) },
  };
}

// ---------------------------------------------------------------- table

function verdict(r) {
  if (r.verdict) return r.verdict;
  if (r.ratio === undefined || r.target === undefined) return "";
  return r.ratio <= r.target ? "ok" : "MISS";
}

function printTable(results, wallMs) {
  const rows = results.map((r) => [
    String(r.figure),
    r.name,
    r.measured,
    r.baseline,
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.targetText ?? (r.target === undefined ? "" : `≤ ${r.target}×`),
    verdict(r),
  ]);
  const head = ["#", "figure", "measured", "baseline (same run)", "ratio", "target", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const [i, row] of rows.entries()) {
    out.push(line(row));
    for (const n of results[i].notes) out.push(`     ${n}`);
  }
  out.push("");
  out.push(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}${quick ? ", --quick" : ""}; total ${seconds(wallMs)}`);
  console.log(out.join("\n"));
}

// ---------------------------------------------------------------- main

const started = performance.now();
const root = await mkdtemp(path.join(os.tmpdir(), "qontinui-bench-"));
const results = [];
try {
  if (want(1)) results.push(await figureExport(root));
  if (want(2)) results.push(await figureAppend(root));
  if (want(3)) results.push(await figureCoco(root));
  if (want(4)) results.push(await figureRss(root));
  if (want(5)) results.push(await figureRunData(root));
  if (want(6)) results.push(await figureClick(root));
  if (want(7)) results.push(await figureReuse(root, { quick, log }));
  if (want(8)) results.push(...(await figureStore(root, { quick, log })));
} finally {
  await rm(root, { recursive: true, force: true });
}
const wallMs = performance.now() - started;
if (json) {
  console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, quick, wallMs, results: results.map(({ notes, ...r }) => ({ ...r, notes, met: verdict(r) || undefined })) }, null, 2));
} else {
  printTable(results, wallMs);
}
