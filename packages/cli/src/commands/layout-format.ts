import path from "node:path";
import { toVoc } from "@qontinui/writer-voc";
import { toYolo } from "@qontinui/writer-yolo";
import { onePositional, parseCommandArgs } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";
import { formatConverted } from "./coco.js";
import { splitOptions } from "./split-options.js";

const help = (name: string, what: string) => `Usage: qontinui-export ${name} <dataset> --out <dir> [options]

Converts an intermediate dataset to ${what}.

Options:
  -o, --out <dir>       output directory (required)
      --split <ratios>  train,val,test fractions, e.g. 0.7,0.2,0.1
      --seed <n>        split seed (default 0)
      --stratify        spread each category over the splits
      --link            hard-link images instead of copying (same filesystem only)
      --json            print the summary as JSON
  -q, --quiet           no progress bar
  -h, --help            this help`;

export const yoloHelp = help("yolo", "the Ultralytics YOLO layout (images/<split>, labels/<split>, data.yaml)");
export const vocHelp = help("voc", "Pascal VOC (Annotations/, JPEGImages/, ImageSets/Main/)");

async function convert(name: "yolo" | "voc", argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(name, argv, {
    out: { type: "string", short: "o" },
    split: { type: "string" },
    seed: { type: "string" },
    stratify: { type: "boolean" },
    link: { type: "boolean" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.stdout.write(`${name === "yolo" ? yoloHelp : vocHelp}\n`);
    return ExitCode.Ok;
  }
  const dir = path.resolve(io.cwd, onePositional(name, positionals, "dataset directory"));
  if (!values.out) throw new UsageError(`${name}: --out <dir> is required\nRun 'qontinui-export ${name} --help' for usage.`);
  const split = splitOptions(name, values);
  const bar = new ProgressBar(io.stderr, !(values.quiet || values.json) && io.stderr.isTTY === true, name);
  const options = {
    outDir: path.resolve(io.cwd, values.out),
    ...(split ? { split } : {}),
    imageMode: values.link ? "hardlink" : "copy",
    onProgress: (done: number, total: number) => bar.update(done, total),
  };
  const summary = name === "yolo" ? await toYolo(dir, options as Parameters<typeof toYolo>[1]) : await toVoc(dir, options as Parameters<typeof toVoc>[1]);
  bar.done();
  io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatConverted(name.toUpperCase(), summary)}\n`);
  return ExitCode.Ok;
}

export const yoloCommand = (argv: string[], io: CliIO) => convert("yolo", argv, io);
export const vocCommand = (argv: string[], io: CliIO) => convert("voc", argv, io);
