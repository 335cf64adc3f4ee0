import { FORMATS } from "@qontinui/export-service";
import { convertCommand } from "./commands/convert.js";
import { previewCommand, statsCommand } from "./commands/inspect.js";
import { mergeCommand } from "./commands/merge.js";
import { runCommand } from "./commands/run.js";
import { summaryCommand } from "./commands/summary.js";
import { validateCommand } from "./commands/validate.js";
import { ExitCode, exitCodeFor, UsageError } from "./exit-codes.js";
import type { CliIO } from "./io.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; about: string }> = {
  run: { run: runCommand, about: "export run_data/, tree events, grounding.jsonl or records.jsonl into a dataset" },
  summary: { run: summaryCommand, about: "versions, totals, categories of a dataset" },
  // One converter command per registered format, from its descriptor.
  ...Object.fromEntries(FORMATS.map((f) => [f.name, { run: convertCommand(f), about: `convert a dataset to ${f.title}` }])),
  validate: { run: validateCommand, about: "check a dataset: schemas, hashes, boxes, categories, totals" },
  preview: { run: previewCommand, about: "draw boxes over images, and a contact sheet" },
  stats: { run: statsCommand, about: "per-category counts, sources, confidence, sizes" },
  merge: { run: mergeCommand, about: "combine datasets exported on different machines" },
};

export const VERSION = "0.1.0";

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `qontinui-export ${VERSION}: GUI-automation runs → object-detection training datasets

Usage: qontinui-export <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.about}`)
  .join("\n")}

Typical use:
  qontinui-export run /tmp/qontinui_ab12/run_data --out ./datasets/gui
  qontinui-export coco ./datasets/gui --split 0.8,0.1,0.1 --seed 42
  qontinui-export validate ./datasets/gui

Run 'qontinui-export <command> --help' for a command's options.
Exit codes: 0 ok, 1 failure, 2 usage, 3 dataset locked, 4 bad input, 5 problems found, 130 interrupted.`;
}

/** Runs one command line; returns the exit code (never calls process.exit: tests run it in-process). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`qontinui-export: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}\n`);
    return ExitCode.Usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    const code = exitCodeFor(e);
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`qontinui-export ${name}: ${message}\n`);
    if (code === ExitCode.Failed && e instanceof Error && e.stack && io.env.QONTINUI_DEBUG) io.stderr.write(`${e.stack}\n`);
    return code;
  }
}

export { UsageError };
