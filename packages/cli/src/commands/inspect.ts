import path from "node:path";
import { datasetStats, formatStats, renderPreviews } from "@qontinui/dataset-inspect";
import { numberOption, onePositional, parseCommandArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import { withDatasetArg } from "../dataset-arg.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";

export const previewHelp = `Usage: qontinui-export preview <dataset> --out <dir> [--limit N]

<dataset> is a dataset directory or a store URL (postgres://…?dataset=<name>&blobs=<dir>).

Draws each image's boxes (a colour per category, label and confidence;
dashed when unverified) into <dir>/<id>.png, and a contact sheet of them all
into <dir>/contact-sheet.png.

Options:
  -o, --out <dir>     where the previews go (required)
      --limit <n>     at most n images (default 50)
      --no-sheet      no contact sheet
  -q, --quiet         no progress bar
  -h, --help          this help`;

export const statsHelp = `Usage: qontinui-export stats <dataset> [--json]

<dataset> is a dataset directory or a store URL (postgres://…?dataset=<name>&blobs=<dir>).

Per-category counts, boxes per source, verified share, confidence histogram,
image sizes and the duplicates deduplication saved.

Options:
      --json    print the statistics as JSON
  -h, --help    this help`;

export async function previewCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("preview", argv, {
    out: { type: "string", short: "o" },
    limit: { type: "string" },
    "no-sheet": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.stdout.write(`${previewHelp}\n`);
    return ExitCode.Ok;
  }
  const datasetArg = onePositional("preview", positionals, "dataset (a directory or a postgres:// store URL)");
  if (!values.out) throw new UsageError("--out <dir> is required; see 'qontinui-export preview --help'");
  const outDir = path.resolve(io.cwd, values.out);
  const limit = numberOption("preview", "limit", values.limit, (n) => Number.isInteger(n) && n > 0);
  const bar = new ProgressBar(io.stderr, !values.quiet && io.stderr.isTTY === true, "preview");
  const result = await withDatasetArg(datasetArg, io, (dataset) => renderPreviews(dataset.input, {
    outDir,
    ...(limit ? { limit } : {}),
    contactSheet: !values["no-sheet"],
    onProgress: (done: number, total: number) => bar.update(done, total),
  } as Parameters<typeof renderPreviews>[1]));
  bar.done();
  io.stdout.write(`${result.images.length} preview(s) in ${path.resolve(io.cwd, values.out)}${result.contactSheet ? `\ncontact sheet: ${result.contactSheet}` : ""}\n`);
  // An image that could not be drawn is named with the reason, so a missing or broken file is not a silent gap.
  for (const s of result.skipped) io.stderr.write(`skipped ${s.id}: ${s.reason}\n`);
  return ExitCode.Ok;
}

export async function statsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("stats", argv, { json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${statsHelp}\n`);
    return ExitCode.Ok;
  }
  const stats = await withDatasetArg(onePositional("stats", positionals, "dataset (a directory or a postgres:// store URL)"), io, (dataset) => datasetStats(dataset.input));
  io.stdout.write(values.json ? `${JSON.stringify(stats, null, 2)}\n` : `${formatStats(stats)}\n`);
  return ExitCode.Ok;
}
