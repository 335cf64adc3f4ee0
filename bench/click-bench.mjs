// Figure 6: the click labeler's smart mode against its fixed mode, the same export of the same run.
//
//   node --expose-gc bench/run.mjs --only 6        (or alone: node --expose-gc bench/click-bench.mjs [--records 3000] [--shots 500] [--reps 3])
//
// A run of 3,000 records / 500 distinct 1920×1080 PNG screenshots (bench/generate-run.mjs: about 1,400
// records with a click) is exported through the pipeline as the CLI does it (template + click labelers,
// intermediate writer + COCO), once with `--click-mode smart` and once with `--click-mode fixed`,
// alternating, each into a new directory after warming the screenshots and a `sync`. The ratio is the
// median smart time over the median fixed time (target ≤ 3×). The CPU time of the process during each
// export is measured too: (smart − fixed) / clicks is what smart mode costs per click.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { exportRun } from "./export-run.mjs";
import { warmScreenshots } from "./floor.mjs";
import { generateRun } from "./generate-run.mjs";
import { median, settle } from "./measure.mjs";

/**
 * Generates the run under `root`, exports it `reps` times in each mode (alternating, after one untimed
 * export of each) and returns the timings.
 */
export async function runClickBench({ root, records = 3000, shots = 500, reps = 3, log = () => {} }) {
  const runDir = path.join(root, "click-run");
  log(`(6) generating ${records} records / ${shots} screenshots`);
  const run = await generateRun(runDir, { records, uniqueScreens: shots, seed: 6 });
  const outs = path.join(root, "click-out");
  let n = 0;
  const once = async (clickMode) => {
    await warmScreenshots(runDir);
    settle();
    return exportRun({ runDir, outDir: path.join(outs, String(n++)), coco: "pipeline", clickMode });
  };
  log(`(6) one untimed export in each mode (warm-up)`);
  await once("smart");
  await once("fixed");
  log(`(6) smart and fixed exports, ${reps} repetition(s) each, alternating`);
  // Other processes on the machine skew the ratio (smart mode keeps both cores busy, fixed mode mostly one).
  const loadBefore = os.loadavg()[0];
  const smart = [];
  const fixed = [];
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? ["fixed", "smart"] : ["smart", "fixed"];
    for (const mode of order) (mode === "smart" ? smart : fixed).push(await once(mode));
  }
  const smartMs = median(smart.map((e) => e.ms));
  const fixedMs = median(fixed.map((e) => e.ms));
  const smartCpuMs = median(smart.map((e) => e.cpuMs));
  const fixedCpuMs = median(fixed.map((e) => e.cpuMs));
  const last = smart.at(-1);
  const load = [loadBefore, os.loadavg()[0]];
  return { run, records, shots, clicks: run.clicks, reps, smartMs, fixedMs, smartCpuMs, fixedCpuMs, ratio: smartMs / fixedMs, smart, fixed, load, sameCounts: last.annotations === fixed.at(-1).annotations && last.recordsExported === fixed.at(-1).recordsExported };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, d) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const root = await mkdtemp(path.join(os.tmpdir(), "qontinui-click-bench-"));
  try {
    const res = await runClickBench({ root, records: opt("records", 3000), shots: opt("shots", 500), reps: opt("reps", 3), log: (m) => process.stderr.write(`  … ${m}\n`) });
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `smart ${s(res.smartMs)} (CPU ${s(res.smartCpuMs)}), fixed ${s(res.fixedMs)} (CPU ${s(res.fixedCpuMs)}): ${res.ratio.toFixed(2)}× (target ≤ 3×); ${res.clicks} clicks, ${((res.smartCpuMs - res.fixedCpuMs) / res.clicks).toFixed(2)} ms CPU per click; load average ${res.load.map((l) => l.toFixed(1)).join(" → ")} on ${os.availableParallelism?.() ?? os.cpus().length} cores`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
