import path from "node:path";
import { mergeDatasets } from "@qontinui/writer-intermediate";
import { parseCommandArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import type { CliIO } from "../io.js";

export const mergeHelp = `Usage: qontinui-export merge <dataset>... --out <dataset>

Combines intermediate datasets exported on different machines: images by
content hash, categories reconciled by name, manifests concatenated without
duplicates. Merging into an existing dataset extends it; merging the same
inputs again changes nothing.

Options:
  -o, --out <dir>   the merged dataset (required)
      --force       write into a non-empty directory that is not a dataset
      --json        print the summary as JSON
  -h, --help        this help`;

export async function mergeCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("merge", argv, {
    out: { type: "string", short: "o" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) {
    io.stdout.write(`${mergeHelp}\n`);
    return ExitCode.Ok;
  }
  if (!values.out) throw new UsageError("--out <dataset> is required; see 'qontinui-export merge --help'");
  if (positionals.length === 0) throw new UsageError("give one or more datasets to merge; see 'qontinui-export merge --help'");
  const summary = await mergeDatasets(
    positionals.map((p) => path.resolve(io.cwd, p)),
    {
      outDir: path.resolve(io.cwd, values.out),
      force: values.force ?? false,
      logger: { info: () => {}, warn: (m) => io.stderr.write(`warning: ${m}\n`) },
    },
  );
  if (values.json) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    for (const i of summary.inputs) io.stdout.write(`${i.dir}: ${i.entries} entries, ${i.appended} added, ${i.duplicates} already there\n`);
    for (const [reason, n] of Object.entries(summary.problems.byReason)) io.stdout.write(`  skipped ${n} × ${reason}\n`);
    const d = summary.dataset;
    io.stdout.write(`merged dataset ${d.outDir}: ${d.totalRecords} records, ${d.totalImages} images, ${d.totalAnnotations} boxes\n`);
  }
  return ExitCode.Ok;
}
