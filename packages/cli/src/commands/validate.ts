import { promises as fs } from "node:fs";
import path from "node:path";
import { DatasetError } from "@qontinui/export-core";
import { datasetPaths, validateDataset } from "@qontinui/intermediate-format";
import { onePositional, parseCommandArgs } from "../args.js";
import { isStoreArg } from "../dataset-arg.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIO } from "../io.js";

export const validateHelp = `Usage: qontinui-export validate <dataset> [--json]

Checks an intermediate dataset: every file against its JSON Schema, every
manifest image present with a hash matching its name, every box inside its
image, category ids consistent, metadata totals right. Problems are listed
with file and line. Exits 5 when there are problems, 4 when the directory is
missing or holds no dataset at all (neither metadata.json nor manifest.jsonl).
Given a store URL (postgres://…?dataset=<name>&blobs=<dir>), checks its rows
against its blobs: every blob present, of its size and hash, no orphans.

Options:
      --json    print the report as JSON
  -h, --help    this help`;

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("validate", argv, { json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${validateHelp}\n`);
    return ExitCode.Ok;
  }
  const arg = onePositional("validate", positionals, "dataset (a directory or a postgres:// store URL)");
  if (isStoreArg(arg)) return (await import("./store.js")).validateStoreCommand(arg, values.json === true, io);
  const dir = path.resolve(io.cwd, arg);
  await requireDataset(dir);
  const report = await validateDataset(dir);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const p of report.problems) io.stdout.write(`${p.file}${p.line !== undefined ? `:${p.line}` : ""}: ${p.message}\n`);
    for (const w of report.warnings) io.stdout.write(`warning: ${w.file}: ${w.message}\n`);
    io.stdout.write(
      `${report.ok ? "valid" : `${report.problems.length} problem(s)`}: ${report.checked.manifestLines} manifest lines, ${report.checked.images} images, ${report.checked.annotationFiles} annotation files, ${report.checked.boxes} boxes checked\n`,
    );
  }
  return report.ok ? ExitCode.Ok : ExitCode.Problems;
}

/** Not a dataset at all (no directory, or neither metadata.json nor manifest.jsonl) is bad input (exit 4), not a dataset with problems (exit 5). */
async function requireDataset(dir: string): Promise<void> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new DatasetError(`${dir} is not a directory; give an intermediate dataset (qontinui-export run <run-dir> --out <dataset> makes one)`);
  const paths = datasetPaths(dir);
  const present = await Promise.all([paths.metadata, paths.manifest].map((f) => fs.access(f).then(() => true, () => false)));
  if (!present.includes(true)) throw new DatasetError(`${dir} is not an intermediate dataset: no metadata.json and no manifest.jsonl`);
}
