import path from "node:path";
import type { FormatDescriptor } from "@qontinui/export-core";
import { onePositional, parseCommandArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import { withDatasetArg } from "../dataset-arg.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";
import { formatFlagHelp, formatFlagSpec, formatOptions } from "./format-options.js";
import { splitOptions } from "./split-options.js";

/** `qontinui-export <format> --help`, from the format's descriptor. */
export function convertHelp(format: FormatDescriptor<any>): string {
  const out =
    format.out === "dir"
      ? "  -o, --out <dir>           output directory (required)"
      : "  -o, --out <path>          output file (no split) or directory (with --split);\n                            default <dataset>/dataset.json, or <dataset>/" + format.name + "/ with --split";
  return `Usage: qontinui-export ${format.name} <dataset> ${format.out === "dir" ? "--out <dir> " : ""}[options]

Converts an intermediate dataset (ours or the Python runner's) to
${format.summary}. <dataset> is a dataset directory or a store URL
(postgres://…?dataset=<name>&blobs=<dir>).

Options:
${out}
      --split <ratios>      train,val,test fractions, e.g. 0.7,0.2,0.1
      --seed <n>            split seed (default 0): same seed, same split
      --stratify            spread each category over the splits
      --link                hard-link images where the format copies them
                            (same filesystem only; falls back to a copy)
      --reviewed-only       only images reviewed with 'qontinui-export review'
      --keep-duplicates     keep near-identical boxes different labelers put
                            on one element (IoU >= 0.8; default: merged into
                            one, the template's name over the click's category)
${formatFlagHelp([format], 28, true).join("\n")}${format.flags.length ? "\n" : ""}      --json                print the summary as JSON
  -q, --quiet               no progress bar
  -h, --help                this help`;
}

/** The converter command of a format: dataset directory in, the format out. */
export function convertCommand(format: FormatDescriptor<any>) {
  return async (argv: string[], io: CliIO): Promise<number> => {
    const name = format.name;
    const { values, positionals } = parseCommandArgs(name, argv, {
      out: { type: "string", short: "o" },
      split: { type: "string" },
      seed: { type: "string" },
      stratify: { type: "boolean" },
      link: { type: "boolean" },
      "keep-duplicates": { type: "boolean" },
      "reviewed-only": { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      ...formatFlagSpec([format]),
    });
    if (values.help) {
      io.stdout.write(`${convertHelp(format)}\n`);
      return ExitCode.Ok;
    }
    const datasetArg = onePositional(name, positionals, "dataset (a directory or a postgres:// store URL)");
    if (format.out === "dir" && !values.out) throw new UsageError(`--out <dir> is required; see 'qontinui-export ${name} --help'`);
    const split = splitOptions(name, values);
    const options = formatOptions(name, format, values as Record<string, unknown>);
    const bar = new ProgressBar(io.stderr, !(values.quiet || values.json) && io.stderr.isTTY === true, name);
    const summary = await withDatasetArg(datasetArg, io, (dataset) => format.fromDataset(
      dataset.input,
      {
        ...(values.out ? { out: path.resolve(io.cwd, values.out) } : {}),
        ...(split ? { split } : {}),
        ...(values.link ? { linkImages: true } : {}),
        ...(values["keep-duplicates"] ? { keepDuplicates: true } : {}),
        ...(values["reviewed-only"] ? { reviewedOnly: true } : {}),
        onProgress: (done, total) => bar.update(done, total),
        // Warnings (boxes left out of a hostile dataset, images that do not decode, torn manifest lines) reach the user.
        logger: {
          info: () => {},
          warn: (message: string) => {
            bar.done(); // the bar redraws on the next update
            io.stderr.write(`${name}: warning: ${message}\n`);
          },
        },
      },
      options,
    ));
    bar.done();
    io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatConverted(name.toUpperCase(), summary)}\n`);
    return ExitCode.Ok;
  };
}

/** One readable block for a converter's summary object. */
export function formatConverted(format: string, summary: unknown): string {
  const lines = [`${format} written:`];
  for (const [k, v] of Object.entries(summary as Record<string, unknown>)) {
    if (Array.isArray(v) && v.every((e) => typeof e === "object" && e !== null)) {
      // One line per element (the files of a split), its fields as "key value".
      lines.push(`  ${k}`);
      for (const e of v) lines.push(`    ${Object.entries(e as Record<string, unknown>).map(([ek, ev]) => `${ek} ${String(ev)}`).join(", ")}`);
      continue;
    }
    lines.push(`  ${k.padEnd(20)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  }
  return lines.join("\n");
}
