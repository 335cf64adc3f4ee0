// Figure 7's export in several built copies of the tree, by turns in one process, with the strict
// floor between rounds: what a change did, measured the same minute on the same load (the machine's
// speed drifts by half over an hour, so figures taken at different times do not compare).
//
//   git worktree add /tmp/before <rev> && (cd /tmp/before && pnpm install && pnpm build)
//   node bench/reuse-bench.mjs --generate /tmp/reuse-run
//   node bench/compare-trees.mjs --run /tmp/reuse-run [--no-decode-check] [--reps 7] /tmp/before .
//   node bench/compare-trees.mjs --append [--images 100000] [--reps 10] /tmp/before .
//
// Prints, per tree, the median export time, its ratio to the median strict floor, and the median
// time from the last record to the end of the export (the close). With --append, figure 2 instead:
// one dataset of --images tiny images (built by the last tree), then 50-record appends into it by
// each tree in turn (the dataset format is the same), median per tree.
import { execSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { ioFloor } from "./floor.mjs";
import { median } from "./measure.mjs";

const args = process.argv.slice(2);
const value = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
const check = !args.includes("--no-decode-check");
const reps = Number(value("--reps", "7"));
const runDir = path.resolve(value("--run", "/tmp/reuse-run"));
const flagValues = new Set([value("--reps"), value("--run")]);
const flagValuesAll = new Set([...flagValues, value("--images")]);
const trees = args.filter((a) => !a.startsWith("--") && !flagValuesAll.has(a)).map((t) => path.resolve(t));
if (trees.length === 0) throw new Error("usage: node bench/compare-trees.mjs --run <run dir> [--no-decode-check] [--reps N] <tree>...  |  --append [--images N] [--reps N] <tree>...");

if (args.includes("--append")) {
  const benches = await Promise.all(trees.map((t) => import(path.join(t, "bench/append-bench.mjs"))));
  const images = Number(value("--images", "100000"));
  const root = `/tmp/qontinui-compare-${process.pid}-append`;
  const large = path.join(root, "large");
  const t0 = performance.now();
  await benches.at(-1).buildLargeDataset(large, images);
  console.log(`built a ${images}-image dataset in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const times = trees.map(() => []);
  let batch = 0;
  for (let r = 0; r < Number(value("--reps", "10")); r++) {
    for (const i of r % 2 ? [...trees.keys()].reverse() : [...trees.keys()]) {
      const runDir = path.join(root, `batch-${batch}`);
      await benches[i].writeBatchRun(runDir, `b${batch++}`, 50);
      times[i].push((await benches[i].appendBatch(runDir, large)).ms);
    }
  }
  rmSync(root, { recursive: true, force: true });
  trees.forEach((t, i) => console.log(`${t}: append of 50 records ${median(times[i]).toFixed(1)} ms; all ${times[i].map((x) => x.toFixed(0)).join(" ")}`));
  process.exit(0);
}

const variants = [];
for (const tree of trees) {
  const load = (name) => import(path.join(tree, "packages", name, "dist/index.js"));
  const [core, inter, click, template, source] = await Promise.all(["export-core", "writer-intermediate", "labeler-click", "labeler-template", "source-runner"].map(load));
  variants.push({ tree, core, inter, click, template, source, ms: [], close: [] });
}

let n = 0;
const scratch = (kind) => `/tmp/qontinui-compare-${process.pid}-${kind}-${n++}`;

/** One export as the CLI does it (fixed clicks, intermediate writer only); total and close times. */
async function exportOnce(v) {
  const outDir = scratch("export");
  execSync("sync");
  let last = 0;
  const t0 = performance.now();
  await v.core.runPipeline({
    source: v.source.runDirectorySource(runDir),
    labelers: [v.template.templateLabeler(), v.click.clickLabeler({ mode: "fixed" })],
    writers: [v.inter.intermediateWriter({ outDir, imageMode: "copy" })],
    logger: v.core.silentLogger,
    ...(check ? {} : { checkImageData: false }),
    onProgress: () => {
      last = performance.now();
    },
  });
  const end = performance.now();
  rmSync(outDir, { recursive: true, force: true });
  return { ms: end - t0, close: end - last };
}

async function floorOnce() {
  const outDir = scratch("floor");
  execSync("sync");
  const f = await ioFloor(runDir, outDir, { perRecord: false });
  rmSync(outDir, { recursive: true, force: true });
  return f.ms;
}

for (const v of variants) await exportOnce(v); // warm-up: compiled code, page cache
const floors = [];
for (let r = 0; r < reps; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const x = await exportOnce(v);
    v.ms.push(x.ms);
    v.close.push(x.close);
  }
  floors.push(await floorOnce());
}
const floor = median(floors);
console.log(`${runDir}, decode check ${check ? "on" : "off"}, ${reps} rounds: strict floor ${floor.toFixed(0)} ms`);
for (const v of variants) {
  const ms = median(v.ms);
  console.log(`${v.tree}: export ${ms.toFixed(0)} ms (${(ms / floor).toFixed(2)}× the floor), close ${median(v.close).toFixed(0)} ms; all ${v.ms.map((x) => x.toFixed(0)).join(" ")}`);
}
process.exit(0);
