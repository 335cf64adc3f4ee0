import path from "node:path";
import { toCoco } from "@qontinui/writer-coco";
import { numberOption, onePositional, parseCommandArgs } from "../args.js";
import { ExitCode } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";
import { splitOptions } from "./split-options.js";

export const cocoHelp = `Usage: qontinui-export coco <dataset> [options]

Converts an intermediate dataset (ours or the Python runner's) to COCO
detection JSON. Without --split: <dataset>/dataset.json (or --out FILE).
With --split: one file per split in --out DIR (default <dataset>/coco).

Options:
  -o, --out <path>            output file (no split) or directory (with --split)
      --split <ratios>        train,val,test fractions, e.g. 0.7,0.2,0.1
      --seed <n>              split seed (default 0): same seed, same split
      --stratify              spread each category over the splits
      --category-id-base <n>  first category id: 1 (default, COCO) or 0
      --verified-only         only boxes confirmed by a click (verified: true)
      --min-confidence <x>    only boxes with confidence >= x
      --drop-empty            leave out images without boxes
      --json                  print the summary as JSON
  -q, --quiet                 no progress bar
  -h, --help                  this help`;

export async function cocoCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("coco", argv, {
    out: { type: "string", short: "o" },
    split: { type: "string" },
    seed: { type: "string" },
    stratify: { type: "boolean" },
    "category-id-base": { type: "string" },
    "verified-only": { type: "boolean" },
    "min-confidence": { type: "string" },
    "drop-empty": { type: "boolean" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.stdout.write(`${cocoHelp}\n`);
    return ExitCode.Ok;
  }
  const dir = path.resolve(io.cwd, onePositional("coco", positionals, "dataset directory"));
  const split = splitOptions("coco", values);
  const base = numberOption("coco", "category-id-base", values["category-id-base"], (n) => n === 0 || n === 1);
  const minConfidence = numberOption("coco", "min-confidence", values["min-confidence"], (n) => n >= 0 && n <= 1);
  const bar = new ProgressBar(io.stderr, !(values.quiet || values.json) && io.stderr.isTTY === true, "coco");
  const options = {
    ...(values.out ? (split ? { outDir: path.resolve(io.cwd, values.out) } : { out: path.resolve(io.cwd, values.out) }) : {}),
    ...(split ? { split } : {}),
    ...(base !== undefined ? { categoryIdBase: base } : {}),
    ...(minConfidence !== undefined ? { minConfidence } : {}),
    verifiedOnly: values["verified-only"] ?? false,
    includeEmptyImages: !values["drop-empty"],
    onProgress: (done: number, total: number) => bar.update(done, total),
  };
  const summary = await toCoco(dir, options as Parameters<typeof toCoco>[1]);
  bar.done();
  io.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatConverted("COCO", summary)}\n`);
  return ExitCode.Ok;
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
