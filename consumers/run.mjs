#!/usr/bin/env node
// Consumer checks: do the datasets we write load in the tools people train with?
// Generates a realistic runner session (full-size 1920x1080 screenshots), exports
// it, converts it with one split seed to COCO, YOLO and VOC, then:
//   - torchvision CocoDetection loads every split and Faster R-CNN trains a few steps on it
//   - torchvision VOCDetection loads train, val and trainval (VOCdevkit/VOC2012 -> the output)
//   - the YOLO output obeys Ultralytics' rules (yolo-rules.mjs, from its source)
//   - every split holds the same images in all three, and each image the same boxes
// and once more, without training, on the same dataset with hostile category names
// (XML and YAML specials, non-ASCII, line breaks, padding).
// Needs Debian's torchvision: apt-get install -y python3-torchvision (run with /usr/bin/python3).
//
//   pnpm test:consumers                 (builds first)
//   node consumers/run.mjs [--work DIR] [--keep] [--steps N] [--batch-size N]
//
// Exit 0 when every check passes, 1 when one fails, 2 when a prerequisite is missing.
import { spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSession } from "@qontinui/runner-sessions";
import sharp from "sharp";
import { SPLITS, cocoMembership, compareBoxes, compareMembership, vocMembership, yoloToPixels } from "./cross-format.mjs";
import { checkYoloOutput } from "./yolo-rules.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const CLI = path.join(repo, "packages", "cli", "dist", "bin.js");
const PYTHON = process.env.CONSUMERS_PYTHON ?? "/usr/bin/python3";
const USAGE = "usage: node consumers/run.mjs [--work DIR] [--keep] [--steps N] [--batch-size N]";
const SPLIT = "0.7,0.2,0.1";
const SEED = "7";
const SESSION = { seed: 7, actions: 80, distinctScreens: 30, width: 1920, height: 1080 };
// YOLO: 6 decimals of a 1920 px side are 0.002 px; VOC: whole pixels, each edge rounded once.
const YOLO_TOLERANCE_PX = 0.01;
const VOC_TOLERANCE_PX = 1;
/** Category names that break naive writers: XML and YAML specials, scalars YAML would retype, non-ASCII, control characters. */
const HOSTILE_NAMES = [
  `<b>&"quoted" 'x'`,
  "ボタン 送信",
  "yes",
  "null",
  "1.0",
  "~",
  "# not a comment",
  "key: value",
  "- dash",
  "[list]",
  "{braces}",
  "&anchor *alias",
  "!tag %pct @at `tick`",
  "a/b\\c",
  "tab\there",
  "new\nline",
  "emoji 🙂",
  "\u202eRTL override",
  "  padded  ",
];
/**
 * What each format must call the names above: category names are normalised once, the same in every
 * format (controls and line breaks become a space, padding goes; see normalizeCategoryName), so a name
 * a VOC parser strips or a YAML reader folds reads back the same everywhere. Written out here, not
 * computed with the package's own function.
 */
const NORMALISED = new Map([
  ["tab\there", "tab here"],
  ["new\nline", "new line"],
  ["  padded  ", "padded"],
]);

function parseArgs(argv) {
  const args = { work: undefined, keep: false, steps: 3, batchSize: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--work") args.work = path.resolve(argv[++i] ?? "");
    else if (a === "--keep") args.keep = true;
    else if (a === "--steps") args.steps = Number(argv[++i]);
    else if (a === "--batch-size") args.batchSize = Number(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  if (!(Number.isInteger(args.steps) && args.steps > 0) || !(Number.isInteger(args.batchSize) && args.batchSize > 0)) {
    console.error(`--steps and --batch-size take positive integers\n${USAGE}`);
    process.exit(2);
  }
  return args;
}

/** Runs a command; resolves with its exit code and what it printed (echoed live when `echo`). */
function run(cmd, argv, { echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" };
    const child = spawn(cmd, argv, { cwd: repo, stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (echo) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (argv) => run(process.execPath, [CLI, ...argv]);

async function preflight() {
  const missing = [];
  if (!existsSync(CLI)) missing.push(`${path.relative(process.cwd(), CLI)} is not built: run \`pnpm build\` (or \`pnpm test:consumers\`, which builds first)`);
  const probe = await run(PYTHON, ["-c", "import torch, torchvision, yaml, PIL; print(torch.__version__, torchvision.__version__)"]).catch((e) => ({
    code: -1,
    stdout: "",
    stderr: e.message,
  }));
  if (probe.code !== 0) {
    missing.push(
      `${PYTHON} cannot import torch, torchvision, yaml and PIL (${probe.stderr.trim().split("\n").at(-1)}).\n` +
        "    Install Debian's: apt-get install -y python3-torchvision   (or set CONSUMERS_PYTHON to a python that has them)",
    );
  }
  return { missing, versions: probe.stdout.trim() };
}

const rows = [];
function record(check, ok, detail, seconds) {
  rows.push({ check, status: ok ? "PASS" : "FAIL", detail, seconds });
}

function listProblems(problems, max = 8) {
  for (const p of problems.slice(0, max)) console.log(`    - ${p.replace(/\n/g, "\\n")}`);
  if (problems.length > max) console.log(`    ... and ${problems.length - max} more`);
}

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return [value, (performance.now() - t) / 1000];
}

const firstProblem = (problems) => (problems.length ? `; ${problems.length} problem(s): ${problems[0].replace(/\n/g, "\\n")}` : "");

function printTable(totalSeconds) {
  const w1 = Math.max(...rows.map((r) => r.check.length), 5);
  const w3 = Math.min(Math.max(...rows.map((r) => r.detail.length), 6), 100);
  const line = `${"-".repeat(w1 + 2)}+--------+${"-".repeat(w3 + 2)}+--------`;
  console.log(`\n ${"check".padEnd(w1)} | result | ${"detail".padEnd(w3)} | time`);
  console.log(line);
  for (const r of rows) {
    const detail = r.detail.length > w3 ? `${r.detail.slice(0, w3 - 1)}…` : r.detail;
    const t = r.seconds === undefined ? "" : `${r.seconds.toFixed(1)} s`;
    console.log(` ${r.check.padEnd(w1)} | ${r.status.padEnd(6)} | ${detail.padEnd(w3)} | ${t}`);
  }
  console.log(line);
  const failed = rows.filter((r) => r.status === "FAIL").length;
  console.log(`consumers: ${rows.length - failed} passed, ${failed} failed  (total ${totalSeconds.toFixed(1)} s)`);
  return failed;
}

/** Converts `dataset` to COCO, YOLO and VOC under `out/` with the one split seed. */
async function convertAll(dataset, out, { coco2017 }) {
  const split = ["--split", SPLIT, "--seed", SEED];
  const targets = {
    coco: ["coco", dataset, "--out", path.join(out, "coco"), ...split, ...(coco2017 ? ["--layout", "coco2017"] : []), "--json", "-q"],
    yolo: ["yolo", dataset, "--out", path.join(out, "yolo"), ...split, "--json", "-q"],
    voc: ["voc", dataset, "--out", path.join(out, "voc"), ...split, "--json", "-q"],
  };
  const result = { problems: [], dirs: { coco: path.join(out, "coco"), yolo: path.join(out, "yolo"), voc: path.join(out, "voc") } };
  for (const [name, argv] of Object.entries(targets)) {
    const [res, t] = await timed(() => cli(argv));
    console.log(`$ qontinui-export ${argv.map((a) => path.relative(out, a) || a).map((a) => (a.startsWith("..") ? path.basename(a) : a)).join(" ")}  (${t.toFixed(1)} s)`);
    if (res.code !== 0) {
      console.log(`  failed (exit ${res.code}): ${res.stderr.trim()}`);
      result.problems.push(`qontinui-export ${name} failed (exit ${res.code}): ${res.stderr.trim().split("\n")[0]}`);
      continue;
    }
    result[name] = JSON.parse(res.stdout);
  }
  if (result.coco) {
    result.cocoFiles = result.coco.files.map((f) => ({
      split: f.split,
      annFile: f.file,
      // coco2017: file_name relative to images/<split>/; flat: to the dataset's images/.
      root: coco2017 ? path.join(result.dirs.coco, "images", f.split) : result.coco.imagesDir,
    }));
  }
  return result;
}

async function runCocoCheck(cocoFiles, work, name, { steps, batchSize }) {
  const reportFile = path.join(work, `${name}-coco-report.json`);
  await fs.rm(reportFile, { force: true });
  const argv = [path.join(here, "torchvision_coco.py"), "--steps", String(steps), "--batch-size", String(batchSize), "--report", reportFile];
  for (const f of cocoFiles) argv.push("--split", f.split, f.root, f.annFile);
  const [res, seconds] = await timed(() => run(PYTHON, argv, { echo: true }));
  const report = existsSync(reportFile) ? JSON.parse(await fs.readFile(reportFile, "utf8")) : undefined;
  const failures = report?.failures ?? [`torchvision_coco.py exited ${res.code} without a report: ${res.stderr.trim().split("\n").at(-1)}`];
  return {
    report,
    seconds,
    loadFailures: failures.filter((f) => !f.startsWith("training:")),
    trainFailures: failures.filter((f) => f.startsWith("training:")),
  };
}

async function runVocCheck(vocDir, work, name, categories) {
  const catsFile = path.join(work, `${name}-categories.json`);
  const reportFile = path.join(work, `${name}-voc-report.json`);
  await fs.writeFile(catsFile, JSON.stringify(categories));
  await fs.rm(reportFile, { force: true });
  const argv = [path.join(here, "torchvision_voc.py"), "--voc", vocDir, "--root", path.join(work, `${name}-voc_root`), "--categories", catsFile, "--report", reportFile];
  const [res, seconds] = await timed(() => run(PYTHON, argv, { echo: true }));
  const report = existsSync(reportFile) ? JSON.parse(await fs.readFile(reportFile, "utf8")) : undefined;
  return { report, seconds, failures: report?.failures ?? [`torchvision_voc.py exited ${res.code} without a report: ${res.stderr.trim().split("\n").at(-1)}`] };
}

async function runYoloCheck(yoloDir, categories) {
  const loadYaml = async (file) => {
    const res = await run(PYTHON, [path.join(here, "ultralytics_yaml.py"), file]);
    if (res.code !== 0) throw new Error(`PyYAML cannot load ${file}: ${res.stderr.trim().split("\n").at(-1)}`);
    return JSON.parse(res.stdout);
  };
  const decodeImage = async (file) => {
    const { info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    const { format } = await sharp(file).metadata();
    return { format, width: info.width, height: info.height };
  };
  const [result, seconds] = await timed(() =>
    checkYoloOutput(yoloDir, { loadYaml, decodeImage, categories }).catch((e) => ({ problems: [e.message], splits: {}, nc: 0 })),
  );
  const per = Object.entries(result.splits)
    .map(([s, v]) => `${s} ${v.images} images/${v.boxCount} boxes`)
    .join(", ");
  console.log(`  ${per || "no split"}; nc ${result.nc}; ${result.problems.length} problem(s)`);
  listProblems(result.problems);
  return { ...result, per, seconds };
}

/** The same images per split in every format, and the same boxes per image as each consumer read them. */
async function compareFormats(conv, coco, voc, yolo, datasetIds, categories, coco2017) {
  const cocoSets = await cocoMembership(conv.cocoFiles);
  const vocSets = await vocMembership(conv.dirs.voc);
  const formats = {
    COCO: Object.fromEntries(SPLITS.map((s) => [s, cocoSets[s]?.stems ?? new Set()])),
    YOLO: Object.fromEntries(SPLITS.map((s) => [s, yolo.splits[s]?.stems ?? new Set()])),
    VOC: Object.fromEntries(SPLITS.map((s) => [s, vocSets.splits[s].stems])),
  };
  const membership = compareMembership(formats, datasetIds);
  const memberProblems = [...vocSets.problems, ...membership.problems];
  // coco2017 places each split's images in images/<split>/: exactly the split's file_names.
  if (coco2017) {
    for (const f of conv.cocoFiles) {
      const onDisk = new Set(await fs.readdir(f.root).catch(() => []));
      const listed = new Set(cocoSets[f.split].fileNames);
      const missing = [...listed].filter((x) => !onDisk.has(x));
      const extra = [...onDisk].filter((x) => !listed.has(x));
      if (missing.length) memberProblems.push(`COCO images/${f.split}/ lacks ${missing.length} listed file(s): ${missing.slice(0, 3).join(", ")}`);
      if (extra.length) memberProblems.push(`COCO images/${f.split}/ holds ${extra.length} unlisted file(s): ${extra.slice(0, 3).join(", ")}`);
    }
  }
  const counts = SPLITS.map((s) => `${s} ${Object.values(membership.counts[s]).join("/")}`).join(", ");

  // Boxes: COCO as CocoDetection returned them is the reference.
  const cocoItems = new Map();
  for (const s of coco.report?.splits ?? []) for (const [stem, b] of Object.entries(s.items)) cocoItems.set(stem, b);
  const yoloItems = new Map();
  for (const s of Object.values(yolo.splits)) {
    for (const [stem, b] of s.boxes) {
      const size = s.sizes.get(stem);
      if (size) yoloItems.set(stem, yoloToPixels(b, size, categories));
    }
  }
  const vocItems = new Map(Object.entries(voc.report?.items ?? {}));
  const y = compareBoxes("COCO", cocoItems, "YOLO", yoloItems, YOLO_TOLERANCE_PX);
  const v = compareBoxes("COCO", cocoItems, "VOC", vocItems, VOC_TOLERANCE_PX);
  const boxProblems = [...y.problems, ...v.problems];
  if (y.images === 0 || v.images === 0) boxProblems.push(`nothing to compare: COCO ${cocoItems.size}, YOLO ${yoloItems.size}, VOC ${vocItems.size} images read`);
  const boxes = `${y.images} images/${y.boxes} boxes vs YOLO (±${YOLO_TOLERANCE_PX} px), ${v.images}/${v.boxes} vs VOC (±${VOC_TOLERANCE_PX} px)`;
  return { cocoSets, counts, memberProblems, boxes, boxProblems };
}

/** A copy of `src` (an intermediate dataset) whose categories are renamed: registry ids and boxes unchanged. */
async function renameCategories(src, dst, renames) {
  await fs.cp(src, dst, { recursive: true, filter: (f) => !f.includes(`${path.sep}.qontinui`) });
  const metaFile = path.join(dst, "metadata.json");
  const meta = JSON.parse(await fs.readFile(metaFile, "utf8"));
  const rename = (n) => renames.get(n) ?? n;
  meta.category_map = Object.fromEntries(Object.entries(meta.category_map).map(([n, id]) => [rename(n), id]));
  if (Array.isArray(meta.categories)) meta.categories = meta.categories.map((c) => ({ ...c, name: rename(c.name) }));
  await fs.writeFile(metaFile, JSON.stringify(meta, null, 2));
  const annDir = path.join(dst, "annotations");
  for (const f of await fs.readdir(annDir)) {
    const file = path.join(annDir, f);
    const ann = JSON.parse(await fs.readFile(file, "utf8"));
    for (const a of ann.annotations ?? []) a.category_name = rename(a.category_name);
    await fs.writeFile(file, JSON.stringify(ann, null, 2));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const { missing, versions } = await preflight();
  if (missing.length) {
    console.error("consumer checks cannot run:");
    for (const m of missing) console.error(`  - ${m}`);
    process.exit(2);
  }
  const work = args.work ?? (await fs.mkdtemp(path.join(os.tmpdir(), "qontinui-consumers-")));
  await fs.mkdir(work, { recursive: true });
  for (const entry of await fs.readdir(work)) await fs.rm(path.join(work, entry), { recursive: true, force: true });
  const [torchVersion, visionVersion] = versions.split(" ");
  console.log(`consumer checks in ${work}  (${PYTHON}: torch ${torchVersion}, torchvision ${visionVersion})`);
  const p = (...s) => path.join(work, ...s);

  // 1. A runner session and its intermediate dataset.
  const [truth, tGen] = await timed(() => generateSession(p("session"), SESSION));
  const [exported, tRun] = await timed(() => cli(["run", p("session"), "--out", p("dataset"), "--json", "-q"]));
  if (exported.code !== 0) {
    console.error(`qontinui-export run failed (exit ${exported.code}):\n${exported.stderr}${exported.stdout}`);
    record("session + export run", false, `qontinui-export run: exit ${exported.code}`, tRun);
    printTable((performance.now() - started) / 1000);
    process.exit(1);
  }
  const stats = JSON.parse(exported.stdout).statistics;
  const metadata = JSON.parse(await fs.readFile(p("dataset", "metadata.json"), "utf8"));
  const categories = Object.entries(metadata.category_map)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
  const datasetIds = new Set((await fs.readdir(p("dataset", "images"))).map((f) => path.parse(f).name));
  console.log(
    `session: ${truth.counts.screenshots} screenshots ${SESSION.width}x${SESSION.height}, ${truth.counts.actions} actions (${tGen.toFixed(1)} s); ` +
      `dataset: ${datasetIds.size} images, ${stats.annotations} boxes, ${categories.length} categories (${tRun.toFixed(1)} s)`,
  );
  record("session + export run", true, `${truth.counts.screenshots} screenshots ${SESSION.width}x${SESSION.height} → ${datasetIds.size} images, ${categories.length} categories`, tGen + tRun);

  // 2. Conversions, one split seed for all; the coco2017 layout when this build has it.
  const cocoHelp = await cli(["coco", "--help"]);
  if (cocoHelp.code !== 0) {
    console.error(`qontinui-export coco --help failed (exit ${cocoHelp.code}): ${cocoHelp.stderr.trim()}`);
    process.exit(1);
  }
  const coco2017 = /--layout\b/.test(cocoHelp.stdout) && /coco2017/.test(cocoHelp.stdout);
  console.log(
    coco2017
      ? "COCO: coco2017 layout (annotations/<split>.json, images/<split>/)"
      : "COCO: flat layout (`coco --help` has no --layout coco2017; file_name relative to the dataset's images/)",
  );
  const [conv, tConv] = await timed(() => convertAll(p("dataset"), p("out"), { coco2017 }));
  record("convert coco, yolo, voc", conv.problems.length === 0, `--split ${SPLIT} --seed ${SEED}; COCO ${coco2017 ? "coco2017" : "flat"} layout${firstProblem(conv.problems)}`, tConv);

  // 3. torchvision CocoDetection + Faster R-CNN.
  let coco = { report: undefined };
  if (conv.cocoFiles) {
    console.log("\n== torchvision CocoDetection + fasterrcnn_mobilenet_v3_large_320_fpn");
    coco = await runCocoCheck(conv.cocoFiles, work, "session", args);
    const perSplit = (coco.report?.splits ?? []).map((s) => `${s.name} ${s.images}/${s.boxes}`).join(", ");
    const tr = coco.report?.training;
    record(`COCO: CocoDetection loads ${conv.cocoFiles.map((f) => f.split).join("/")}`, coco.loadFailures.length === 0, `images/boxes ${perSplit || "none"}${firstProblem(coco.loadFailures)}`, coco.seconds - (tr?.seconds ?? 0));
    record(
      "COCO: Faster R-CNN training steps",
      Boolean(tr) && tr.steps === args.steps && coco.trainFailures.length === 0,
      `${tr ? `${tr.steps} steps x batch ${tr.batchSize}, ${tr.numClasses} classes, losses ${tr.losses.join(" → ")}` : "did not run"}${firstProblem(coco.trainFailures)}`,
      tr?.seconds ?? 0,
    );
  }

  // 4. torchvision VOCDetection.
  let voc = { report: undefined };
  if (conv.voc) {
    console.log("\n== torchvision VOCDetection (year 2012)");
    voc = await runVocCheck(conv.dirs.voc, work, "session", categories);
    const sets = Object.entries(voc.report?.sets ?? {})
      .map(([s, v]) => `${s} ${v.loaded}/${v.images}`)
      .join(", ");
    record("VOC: VOCDetection loads train/val/trainval (+test)", voc.failures.length === 0, `loaded/listed ${sets || "none"}${firstProblem(voc.failures)}`, voc.seconds);
  }

  // 5. YOLO as Ultralytics reads it.
  let yolo;
  if (conv.yolo) {
    console.log("\n== YOLO: Ultralytics' rules");
    yolo = await runYoloCheck(conv.dirs.yolo, categories);
    record("YOLO: Ultralytics rules", yolo.problems.length === 0, `${yolo.per}${firstProblem(yolo.problems)}`, yolo.seconds);
  }

  // 6. One seed, one split: membership, reproducibility, boxes.
  if (conv.cocoFiles && conv.voc && yolo) {
    console.log("\n== Same split and same boxes in COCO, YOLO and VOC");
    const [cmp, t] = await timed(() => compareFormats(conv, coco, voc, yolo, datasetIds, categories, coco2017));
    console.log(`  images per split (COCO/YOLO/VOC): ${cmp.counts}; ${cmp.memberProblems.length} problem(s)`);
    listProblems(cmp.memberProblems);
    record("same images per split (COCO/YOLO/VOC)", cmp.memberProblems.length === 0, `${cmp.counts}${firstProblem(cmp.memberProblems)}`, t);

    const [again, t2] = await timed(async () => {
      const res = await cli(["coco", p("dataset"), "--out", p("out", "coco-again"), "--split", SPLIT, "--seed", SEED, "--json", "-q"]);
      if (res.code !== 0) return [`second coco conversion failed: exit ${res.code}`];
      const second = await cocoMembership(JSON.parse(res.stdout).files.map((f) => ({ split: f.split, annFile: f.file })));
      return SPLITS.filter((s) => [...(cmp.cocoSets[s]?.stems ?? [])].sort().join() !== [...(second[s]?.stems ?? [])].sort().join()).map(
        (s) => `${s} differs between two conversions with seed ${SEED}`,
      );
    });
    listProblems(again);
    record(`seed ${SEED} twice → same split`, again.length === 0, again[0] ?? "COCO converted again (flat layout): identical membership", t2);

    console.log(`  boxes: ${cmp.boxes}; ${cmp.boxProblems.length} image(s) differ`);
    listProblems(cmp.boxProblems);
    record("same boxes per image (COCO vs YOLO, VOC)", cmp.boxProblems.length === 0, `${cmp.boxes}${firstProblem(cmp.boxProblems)}`, 0);
  } else {
    record("same images per split (COCO/YOLO/VOC)", false, "an output is missing", 0);
  }

  // 7. The same dataset with hostile category names: every name reaches every consumer unchanged.
  console.log("\n== Hostile category names (no training)");
  const [names, tNames] = await timed(async () => {
    const renames = new Map(categories.slice(0, HOSTILE_NAMES.length).map((n, i) => [n, HOSTILE_NAMES[i]]));
    const renamed = categories.map((n) => renames.get(n) ?? n).map((n) => NORMALISED.get(n) ?? n);
    await renameCategories(p("dataset"), p("dataset-names"), renames);
    const nconv = await convertAll(p("dataset-names"), p("out-names"), { coco2017 });
    const problems = [...nconv.problems];
    if (!nconv.cocoFiles || !nconv.voc || !nconv.yolo) return problems;
    const ncoco = await runCocoCheck(nconv.cocoFiles, work, "names", { steps: 0, batchSize: 1 });
    const nvoc = await runVocCheck(nconv.dirs.voc, work, "names", renamed);
    const nyolo = await runYoloCheck(nconv.dirs.yolo, renamed);
    const cmp = await compareFormats(nconv, ncoco, nvoc, nyolo, datasetIds, renamed, coco2017);
    const tag = (f, list) => list.map((x) => `${f}: ${x}`);
    problems.push(...tag("COCO", ncoco.loadFailures), ...tag("VOC", nvoc.failures), ...tag("YOLO", nyolo.problems), ...cmp.memberProblems, ...cmp.boxProblems);
    console.log(`  images per split (COCO/YOLO/VOC): ${cmp.counts}; boxes: ${cmp.boxes}; ${cmp.boxProblems.length} image(s) differ`);
    listProblems([...cmp.memberProblems, ...cmp.boxProblems]); // the checks above listed their own
    return problems;
  });
  record(`hostile category names (${HOSTILE_NAMES.length}) in COCO/YOLO/VOC`, names.length === 0, `XML/YAML specials, non-ASCII, line break, padding${firstProblem(names)}`, tNames);

  const failed = printTable((performance.now() - started) / 1000);
  if (!failed && !args.keep && !args.work) await fs.rm(work, { recursive: true, force: true });
  else console.log(`outputs ${failed ? "kept for inspection " : ""}in ${work}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`consumer checks crashed: ${e.stack ?? e}`);
  process.exit(1);
});
