import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import {
  actionTypes,
  ConfigError,
  DatasetError,
  type FormatDescriptor,
  type ExportStatistics,
  type Problem,
  type RecordFilter,
  runPipeline,
  startImageCheck,
  successfulOnly,
  withMatches,
  type Writer,
} from "@qontinui/export-core";
import { clickLabeler } from "@qontinui/labeler-click";
import { templateLabeler } from "@qontinui/labeler-template";
import { sourceBoxesLabeler } from "@qontinui/labeler-source-boxes";
import { describePicked, type OpenedRun, openRun, RUN_FORMATS, type RunFormat } from "@qontinui/source-runner";
import { FORMATS, formatNamed } from "@qontinui/export-service";
import type { ToCocoSummary } from "@qontinui/writer-coco";
import { type ImageMode, intermediateWriter } from "@qontinui/writer-intermediate";
import { vocWriter } from "@qontinui/writer-voc";
import { yoloWriter } from "@qontinui/writer-yolo";
import { numberOption, onePositional, parseCommandArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";
import { foreignFlags, formatFlagHelp, formatFlagSpec, formatOptions } from "./format-options.js";
import { splitOptions } from "./split-options.js";

export const runHelp = `Usage: qontinui-export run <run-dir> --out <dataset> [options]
       qontinui-export run <run-dir> --store <postgres://…> [options]

Exports what a qontinui runner left on disk into an intermediate dataset.
<run-dir> may hold any of these (it says which it picked):
  run-data     the runner's run_data/ (screenshots/screenshot-NNNN.png + JSON
               sidecars, debug_visuals/ in debug mode), given itself or the
               qontinui_* temp folder around it; template boxes come from the
               debug visuals, or from tree events when they are joined
  grounding    grounding.jsonl (+ rotated grounding.<k>.jsonl) with images/,
               given itself or under run_data/dataset/; every element's box
  tree-events  execution-tree events (one JSON event a line) with --events,
               screenshots from run_data/
  records      records.jsonl (one ActionExecutionRecord a line) + screenshots
Several found in one directory are exported together (images shared between
them are stored once). Exporting into an existing dataset resumes it: records
already there are not added again, categories keep their ids.

Options:
  -o, --out <dir>          dataset directory (created; must be empty or a dataset)
      --store <url>        instead of --out: a PostgreSQL-backed store many runners
                           write at once, postgres://user@host:port/db?dataset=<name>&blobs=<dir>
                           (default $QONTINUI_STORE when --out is not given); convert it
                           afterwards with the coco/yolo/voc commands given the URL
      --source <format>    read only this format: run-data, tree-events,
                           grounding or records (default: every one found)
      --events <file>      tree events to join to a run_data export (action
                           types, success, click points, boxes when debug
                           visuals are off); default: tree-events.jsonl or
                           events.jsonl beside run_data/, if there is one
      --successful-only    only records with success: true
      --with-matches       only records with a match_summary
      --action-type <t>    only records of this action_type (repeatable)
      --click-mode <m>     smart (element boundary, default) or fixed (50x50 box)
      --click-box <px>     size of the fixed click box (default 50)
      --image-mode <m>     copy (default), hardlink or auto (hardlink when possible)
      --dataset-version <v> dataset_version written in metadata (default 1.0.0)
      --coco               also write the whole dataset as COCO: <out>/dataset.json
      --format <list>      extra formats written in the same pass: ${FORMATS.map((f) => f.name).join(",")}
                           (into <out>/<format>; they hold this run's records;
                           use the ${FORMATS.map((f) => f.name).join("/")} commands for the whole dataset)
      --link               with --format: hard-link images where a format copies
                           them (default with --image-mode hardlink or auto)
      --keep-duplicates    with --format/--coco: keep near-identical boxes
                           different labelers put on one element (IoU >= 0.8;
                           default: merged, the template's name wins; the
                           dataset always keeps every box)
${formatFlagHelp(FORMATS, 27, false, ["force"]).join("\n")}
      --split <ratios>     with --coco/--format: train,val,test fractions, e.g. 0.7,0.2,0.1
      --seed <n>           split seed (default 0)
      --stratify           spread categories over the splits
      --concurrency <n>    screenshots read at once (default 8)
      --max-pixels <n>     refuse images with more pixels (default 67108864)
      --no-decode-check    store screenshots without checking their image data
                           decodes (faster; by default each distinct screenshot's
                           data is inflated/walked once, an undecodable one is
                           skipped as screenshot_undecodable; in 1 thread on 2
                           cores, more above; QONTINUI_CHECK_THREADS=n sets it)
      --force              write into a non-empty directory that is not a dataset
                           (and, with --format, one that is not that format's output)
      --problems <file>    write every skipped or repaired record to <file> as JSON
                           lines (line, action_id, reason, severity, message)
      --strict             exit 5 when any record was skipped
      --json               print the summary as JSON on stdout
  -q, --quiet              no progress bar
  -h, --help               this help

Exit codes: 0 ok, 2 usage, 3 dataset locked, 4 bad input, 5 problems (--strict),
130 interrupted (run the same command again to continue).`;


async function countLines(file: string): Promise<number | undefined> {
  try {
    let n = 0;
    let last = 10;
    for await (const chunk of createReadStream(file)) {
      const buf = chunk as Buffer;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
      if (buf.length > 0) last = buf[buf.length - 1]!;
    }
    return last === 10 ? n : n + 1;
  } catch {
    return undefined;
  }
}

export async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("run", argv, {
    out: { type: "string", short: "o" },
    store: { type: "string" },
    source: { type: "string" },
    events: { type: "string" },
    "successful-only": { type: "boolean" },
    "with-matches": { type: "boolean" },
    "action-type": { type: "string", multiple: true },
    "click-mode": { type: "string" },
    "click-box": { type: "string" },
    "image-mode": { type: "string" },
    "dataset-version": { type: "string" },
    coco: { type: "boolean" },
    format: { type: "string" },
    link: { type: "boolean" },
    "keep-duplicates": { type: "boolean" },
    ...formatFlagSpec(FORMATS),
    split: { type: "string" },
    seed: { type: "string" },
    stratify: { type: "boolean" },
    concurrency: { type: "string" },
    "max-pixels": { type: "string" },
    "no-decode-check": { type: "boolean" },
    force: { type: "boolean" },
    strict: { type: "boolean" },
    problems: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.stdout.write(`${runHelp}\n`);
    return ExitCode.Ok;
  }
  // The image-check thread boots (~0.1 s) while the run is opened and the dataset made ready.
  if (!values["no-decode-check"]) startImageCheck();
  const runDir = path.resolve(io.cwd, onePositional("run", positionals, "run directory"));
  if (values.out && values.store) throw new UsageError("give --out <dataset> or --store <url>, not both; see 'qontinui-export run --help'");
  const storeUrl = values.store ?? (values.out ? undefined : io.env.QONTINUI_STORE || undefined);
  if (!values.out && !storeUrl) throw new UsageError("--out <dataset> is required (or --store <postgres://…>); see 'qontinui-export run --help'");
  if (storeUrl && (values.format || values.coco)) {
    throw new UsageError("--format and --coco write beside an on-disk dataset; with --store, convert the store afterwards (qontinui-export coco <store-url> --out <dir>)");
  }
  const out = values.out ? path.resolve(io.cwd, values.out) : "";
  const clickMode = values["click-mode"] ?? "smart";
  if (clickMode !== "smart" && clickMode !== "fixed") throw new UsageError(`run: --click-mode must be smart or fixed, not ${JSON.stringify(clickMode)}`);
  const imageMode = (values["image-mode"] ?? "copy") as ImageMode;
  if (!["copy", "hardlink", "auto"].includes(imageMode)) throw new UsageError(`run: --image-mode must be copy, hardlink or auto, not ${JSON.stringify(imageMode)}`);
  const boxSize = numberOption("run", "click-box", values["click-box"], (n) => Number.isInteger(n) && n > 0);
  const concurrency = numberOption("run", "concurrency", values.concurrency, (n) => Number.isInteger(n) && n > 0 && n <= 256);
  const maxPixels = numberOption("run", "max-pixels", values["max-pixels"], (n) => n > 0);
  const formats: FormatDescriptor<any>[] = [];
  for (const name of new Set((values.format ?? "").split(",").map((x) => x.trim()).filter((x) => x && x !== "intermediate"))) {
    const f = formatNamed(name);
    if (!f) throw new UsageError(`run: unknown format ${JSON.stringify(name)} in --format; choose from ${FORMATS.map((x) => x.name).join(", ")}`);
    formats.push(f);
  }
  // --coco converts the whole dataset at the end, with the same COCO flags.
  const cocoAfter = values.coco ? formatNamed("coco") : undefined;
  // --force is run's own (the dataset's), and the formats' too.
  const strays = foreignFlags(FORMATS, cocoAfter ? [...formats, cocoAfter] : formats, values as Record<string, unknown>, ["force"]);
  if (strays.length > 0) throw new UsageError(`run: ${strays.map((x) => `--${x}`).join(", ")} belong${strays.length === 1 ? "s" : ""} to a format not in --format (${formats.map((f) => f.name).join(",") || "none given"})`);
  const formatOptionsOf = new Map(formats.map((f) => [f, formatOptions("run", f, values as Record<string, unknown>)]));
  const split = splitOptions("run", values);
  const sourceFormat = values.source;
  if (sourceFormat !== undefined && !(RUN_FORMATS as readonly string[]).includes(sourceFormat)) {
    throw new UsageError(`run: --source must be one of ${RUN_FORMATS.join(", ")}, not ${JSON.stringify(sourceFormat)}`);
  }
  const datasetVersion = values["dataset-version"] ?? "1.0.0";

  try {
    const st = await fs.stat(runDir);
    if (!st.isDirectory()) throw new Error();
  } catch {
    throw new DatasetError(`${runDir} is not a directory; give the runner's run_data directory, a grounding dataset folder or a records.jsonl run`);
  }
  let run: OpenedRun;
  try {
    run = await openRun(runDir, {
      ...(sourceFormat !== undefined ? { format: sourceFormat as RunFormat } : {}),
      ...(values.events !== undefined ? { events: path.resolve(io.cwd, values.events) } : {}),
    });
  } catch (e) {
    // Nothing the exporter knows in the directory, or a missing events file: the input is wrong, not the command line.
    if (!(e instanceof ConfigError)) throw e;
    throw new DatasetError(e.message);
  }
  // Said even with --quiet (which only hides the bar): which format was picked matters; --json carries it as `sources`.
  if (!values.json) io.stderr.write(`reading ${runDir} as ${describePicked(runDir, run.picked)}\n`);

  const filters: RecordFilter[] = [];
  if (values["successful-only"]) filters.push(successfulOnly);
  if (values["with-matches"]) filters.push(withMatches);
  if (values["action-type"]?.length) filters.push(actionTypes(values["action-type"]));

  const keep = values["keep-duplicates"] ? { keepDuplicates: true } : {};
  // A store is opened only when asked for (its package, and pg with it, load only then).
  const store = storeUrl ? await (await import("@qontinui/store-postgres")).openStore({ url: storeUrl, env: io.env, datasetVersion }) : undefined;
  const closeStore = async () => store?.close();
  const writers: Writer[] = store
    ? [(await import("@qontinui/store-postgres")).storeWriter(store)]
    : [intermediateWriter({ outDir: out, datasetVersion, imageMode, force: values.force ?? false })];
  for (const f of formats) {
    writers.push(
      f.writer(
        { out: path.join(out, f.name), ...(split ? { split } : {}), datasetImagesDir: path.join(out, "images"), linkImages: values.link === true || imageMode !== "copy", ...keep },
        formatOptionsOf.get(f),
      ),
    );
  }

  const quiet = values.quiet || values.json || !io.stderr.isTTY;
  const bar = new ProgressBar(io.stderr, !quiet, "exporting");
  // The total only serves the bar: no extra pass over records.jsonl when nothing is drawn.
  const records = run.picked.find((p) => p.format === "records");
  const total = quiet || run.picked.length !== 1 || !records ? undefined : await countLines(path.join(records.dir, "records.jsonl"));
  const logger = {
    info: () => {},
    warn: (m: string) => {
      bar.done();
      io.stderr.write(`warning: ${m}\n`);
    },
  };
  // Every problem, one JSON line each, for whoever wants to know which records were skipped and why.
  const problemsFile = values.problems ? path.resolve(io.cwd, values.problems) : undefined;
  const problemLines: string[] = [];
  let problemsHandle: fs.FileHandle | undefined;
  let problemsWrite: Promise<unknown> = Promise.resolve();
  if (problemsFile) problemsHandle = await fs.open(problemsFile, "w");
  const onProblem = (p: Problem) => {
    problemLines.push(
      `${JSON.stringify({ line: p.line ?? null, action_id: p.actionId ?? null, reason: p.reason, severity: p.severity, message: p.message, ...(p.plugin ? { plugin: p.plugin } : {}) })}\n`,
    );
    if (problemLines.length >= 256) problemsWrite = problemsWrite.then(() => problemsHandle!.write(problemLines.splice(0).join("")));
  };
  const result = await runPipeline({
    source: run.source,
    labelers: [templateLabeler(), clickLabeler({ mode: clickMode, ...(boxSize ? { boxSize } : {}) }), sourceBoxesLabeler()],
    writers,
    filters,
    datasetVersion,
    ...(concurrency ? { concurrency } : {}),
    ...(maxPixels ? { maxPixels } : {}),
    ...(values["no-decode-check"] ? { checkImageData: false } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    logger,
    ...(problemsHandle ? { onProblem } : {}),
    onProgress: (e) => bar.update(e.recordsRead, total, `${(e.bytesRead / 1e6).toFixed(1)} MB`),
  }).finally(async () => {
    await closeStore();
    if (!problemsHandle) return;
    await problemsWrite;
    await problemsHandle.write(problemLines.splice(0).join(""));
    await problemsHandle.close();
  });
  bar.done();

  let coco: unknown;
  if (cocoAfter) {
    coco = await cocoAfter.fromDataset(out, { ...(split ? { split } : {}), ...keep }, formatOptions("run", cocoAfter, values as Record<string, unknown>));
  }
  const s = result.statistics;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ runDir, out: store ? store.location : out, sources: run.picked, statistics: s, writers: result.writers, ...(coco ? { coco } : {}) }, null, 2)}\n`);
  } else {
    io.stdout.write(formatRunSummary(runDir, store ? store.location : out, s, result.writers));
    if (coco) io.stdout.write(formatCocoLine(coco as ToCocoSummary, out));
  }
  if (values.strict && s.recordsSkipped > 0) return ExitCode.Problems;
  return ExitCode.Ok;
}

export function formatRunSummary(runDir: string, out: string, s: ExportStatistics, writers: { writer: string; [k: string]: unknown }[]): string {
  const lines = [
    `Exported ${runDir}`,
    `     into ${out}`,
    `records   read ${s.recordsRead}, exported ${s.recordsExported}, already in dataset ${s.recordsAlreadyExported}, filtered ${s.recordsFiltered}, skipped ${s.recordsSkipped}`,
    `images    ${s.uniqueImages} distinct in this run (${(s.bytesRead / 1e6).toFixed(1)} MB read)`,
    `boxes     ${s.annotations} labelled${Object.keys(s.annotationsBySource).length ? ` (${Object.entries(s.annotationsBySource).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`,
  ];
  const inter = writers.find((w) => w.writer === "intermediate" || w.writer === "store");
  if (inter && inter.totalRecords !== undefined) lines.push(`dataset   ${inter.totalRecords} records, ${inter.totalImages} images, ${inter.totalAnnotations} distinct boxes in total`);
  if (s.problems.total > 0) {
    lines.push(`problems  ${s.problems.total}:`);
    for (const [reason, n] of Object.entries(s.problems.byReason).sort((a, b) => b[1] - a[1])) {
      const ex = s.problems.examples[reason]?.[0];
      lines.push(`  ${reason.padEnd(22)} ${String(n).padStart(6)}${ex ? `  e.g. ${ex.line ? `line ${ex.line}: ` : ""}${ex.message}` : ""}`);
    }
  }
  lines.push(`took      ${(s.durationMs / 1000).toFixed(2)} s`);
  return `${lines.join("\n")}\n`;
}

function formatCocoLine(summary: ToCocoSummary, out: string): string {
  const files = summary.files.map((f) => `${path.relative(out, f.file)} (${f.images} images, ${f.annotations} boxes)`).join(", ");
  const images = `${path.relative(out, summary.imagesDir) || "."}/${summary.layout === "coco2017" ? "<split>/" : ""}`;
  return `coco      ${files}; file_name is relative to ${images}\n`;
}
