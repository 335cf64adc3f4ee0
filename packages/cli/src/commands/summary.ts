import { datasetSummary } from "@qontinui/intermediate-format";
import { onePositional, parseCommandArgs } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import { withDatasetArg } from "../dataset-arg.js";
import type { CliIO } from "../io.js";

export const summaryHelp = `Usage: qontinui-export summary <dataset> [--json]

<dataset> is a dataset directory or a store URL (postgres://…?dataset=<name>&blobs=<dir>).

Prints what an intermediate dataset holds: version, totals, categories,
manifest and reviewed entries (the Python exporter's get_summary).

Options:
      --json    print the summary as JSON
  -h, --help    this help`;

export async function summaryCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("summary", argv, { json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${summaryHelp}\n`);
    return ExitCode.Ok;
  }
  const { s, dir } = await withDatasetArg(onePositional("summary", positionals, "dataset (a directory or a postgres:// store URL)"), io, async (dataset) => ({
    s: await datasetSummary(dataset.input),
    dir: dataset.location,
  }));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const lines = [
    `Dataset ${dir}`,
    `  version            ${s.dataset_version ?? "?"}`,
    `  images             ${s.total_images ?? "?"}`,
    `  annotations        ${s.total_annotations ?? "?"}`,
    `  manifest entries   ${s.manifest_entries} (${s.reviewed_entries} reviewed)`,
    `  categories         ${s.total_categories}`,
    ...s.categories.map((c) => `    ${String(c.id).padStart(4)}  ${c.name}`),
  ];
  if (s.unreadable_manifest_lines.length) lines.push(`  unreadable manifest lines: ${s.unreadable_manifest_lines.join(", ")} (run 'qontinui-export validate')`);
  io.stdout.write(`${lines.join("\n")}\n`);
  return ExitCode.Ok;
}
