import { ExitCode } from "./exit-code.js";
import type { CliIO } from "./io.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

/**
 * The converter commands, one per output format registered in
 * @qontinui/export-service's FORMATS (test/start-up.test.ts keeps the two
 * lists equal). Listed here so that `--help`, `--version` and every other
 * command start without loading all format packages (and sharp with them);
 * a converter command loads its format's descriptor when it runs.
 */
export const FORMAT_COMMANDS: readonly { name: string; title: string }[] = [
  { name: "coco", title: "COCO detection JSON" },
  { name: "yolo", title: "the Ultralytics YOLO layout" },
  { name: "voc", title: "Pascal VOC" },
];

/** A format's converter command, its descriptor loaded when it runs. */
function formatCommand(name: string): Command {
  return async (argv, io) => {
    const [{ formatNamed }, { convertCommand }] = await Promise.all([import("@qontinui/export-service"), import("./commands/convert.js")]);
    const format = formatNamed(name);
    if (!format) throw new Error(`format ${name} is listed by the CLI but not registered in @qontinui/export-service`);
    return convertCommand(format)(argv, io);
  };
}

// Each command's module (and the packages it needs) is imported when that command runs, not at start.
const COMMANDS: Record<string, { run: Command; about: string }> = {
  run: { run: async (argv, io) => (await import("./commands/run.js")).runCommand(argv, io), about: "export run_data/, tree events, grounding.jsonl or records.jsonl into a dataset" },
  summary: { run: async (argv, io) => (await import("./commands/summary.js")).summaryCommand(argv, io), about: "versions, totals, categories of a dataset" },
  ...Object.fromEntries(FORMAT_COMMANDS.map((f) => [f.name, { run: formatCommand(f.name), about: `convert a dataset to ${f.title}` }])),
  validate: { run: async (argv, io) => (await import("./commands/validate.js")).validateCommand(argv, io), about: "check a dataset: schemas, hashes, boxes, categories, totals" },
  preview: { run: async (argv, io) => (await import("./commands/inspect.js")).previewCommand(argv, io), about: "draw boxes over images, and a contact sheet" },
  stats: { run: async (argv, io) => (await import("./commands/inspect.js")).statsCommand(argv, io), about: "per-category counts, sources, confidence, sizes" },
  merge: { run: async (argv, io) => (await import("./commands/merge.js")).mergeCommand(argv, io), about: "combine datasets exported on different machines" },
  review: { run: async (argv, io) => (await import("@qontinui/review")).reviewCommand(argv, io), about: "review boxes in the browser: accept, reject, fix, lowest confidence first" },
  ingest: { run: async (argv, io) => (await import("./commands/store.js")).ingestCommand(argv, io), about: "load datasets (shards) into a PostgreSQL-backed store many runners share" },
  export: { run: async (argv, io) => (await import("./commands/store.js")).exportCommand(argv, io), about: "write a store's dataset as an on-disk dataset" },
  sweep: { run: async (argv, io) => (await import("./commands/store.js")).sweepCommand(argv, io), about: "remove a store's blobs no row names" },
  "web-zip": { run: async (argv, io) => (await import("./commands/web.js")).webZipCommand(argv, io), about: "write the ZIP qontinui-web's dataset import accepts" },
  "web-review": { run: async (argv, io) => (await import("./commands/web.js")).webReviewCommand(argv, io), about: "apply review decisions made in qontinui-web to the dataset" },
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
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`qontinui-export: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}\n`);
    return ExitCode.Usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    // Only now: exit-codes.js knows export-core's error classes, which --help need not load.
    const { exitCodeFor } = await import("./exit-codes.js");
    const code = exitCodeFor(e);
    io.stderr.write(`qontinui-export ${name}: ${oneLine(e instanceof Error ? e.message : String(e), name)}\n`);
    if (code === ExitCode.Failed && e instanceof Error && e.stack && io.env.QONTINUI_DEBUG) io.stderr.write(`${e.stack}\n`);
    return code;
  }
}

/** A message as one line, without the command's name repeated in front (errors from the libraries often start with it). */
function oneLine(message: string, command: string): string {
  let text = message.replace(/\s*\n\s*/g, " ").trim();
  while (text.startsWith(`${command}: `)) text = text.slice(command.length + 2);
  return text;
}
