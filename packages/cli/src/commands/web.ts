import path from "node:path";
import { numberOption, parseCommandArgs, onePositional } from "../args.js";
import { withDatasetArg } from "../dataset-arg.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";

export const webZipHelp = `Usage: qontinui-export web-zip <dataset> --out <file.zip> [options]

Writes the dataset as the ZIP qontinui-web's dataset import accepts
(manifest.jsonl with the fields it reads, width and height always, its source
and element_type values, integer boxes inside the image, review_status on every
box). A dataset larger than one ZIP may be is split: F.zip, F-2.zip, …, each a
whole dataset of its own for the import. <dataset> is a dataset directory or a
store URL (postgres://…?dataset=<name>&blobs=<dir>). See
packages/web-exchange/docs/WEB_IMPORT.md for the field-by-field rules.

Options:
  -o, --out <file.zip>          the (first) ZIP (required)
      --max-images <n>          most images in one ZIP (default 1000)
      --max-bytes <n>           most bytes of one ZIP (default 268435456 = 256 MiB)
      --category-id-base <0|1>  added to the dataset's 0-based category ids (default 0)
      --include-rejected        also write boxes a reviewer rejected (their import makes them pending again)
      --no-compress-json        store the JSON entries instead of deflating them
      --json                    print the summary as JSON
  -q, --quiet                   no progress bar
  -h, --help                    this help`;

export const webReviewHelp = `Usage: qontinui-export web-review <dataset> <annotations.json|.jsonl> [options]

Brings review decisions made in qontinui-web back into the dataset: reads pages
of its annotations API (GET /api/v1/datasets/<id>/annotations, JSON or JSON
Lines) for boxes exported by web-zip, and applies approved / rejected / flagged
(and boxes moved there and approved) through the same path as
'qontinui-export review', under the dataset's lock, logged in review/log.jsonl.

Options:
      --overwrite         let a decision made there replace a different one made here
      --dry-run           say what would change, write nothing
      --reviewer <name>   recorded in the review log (default qontinui-web)
      --json              print the summary as JSON
  -h, --help              this help`;

export async function webZipCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("web-zip", argv, {
    out: { type: "string", short: "o" },
    "max-images": { type: "string" },
    "max-bytes": { type: "string" },
    "category-id-base": { type: "string" },
    "include-rejected": { type: "boolean" },
    "no-compress-json": { type: "boolean" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.stdout.write(`${webZipHelp}\n`);
    return ExitCode.Ok;
  }
  const datasetArg = onePositional("web-zip", positionals, "dataset (a directory or a postgres:// store URL)");
  if (!values.out) throw new UsageError("--out <file.zip> is required; see 'qontinui-export web-zip --help'");
  const out = path.resolve(io.cwd, values.out);
  const maxImagesPerZip = numberOption("web-zip", "max-images", values["max-images"], (n) => Number.isInteger(n) && n >= 1);
  const maxBytesPerZip = numberOption("web-zip", "max-bytes", values["max-bytes"], (n) => Number.isInteger(n) && n >= 65536);
  const categoryIdBase = numberOption("web-zip", "category-id-base", values["category-id-base"], (n) => n === 0 || n === 1) as 0 | 1 | undefined;
  const { writeWebZip } = await import("@qontinui/web-exchange");
  const bar = new ProgressBar(io.stderr, !(values.quiet || values.json) && io.stderr.isTTY === true, "web-zip");
  const result = await withDatasetArg(datasetArg, io, (dataset) =>
    writeWebZip(dataset.input, out, {
      ...(maxImagesPerZip !== undefined ? { maxImagesPerZip } : {}),
      ...(maxBytesPerZip !== undefined ? { maxBytesPerZip } : {}),
      ...(categoryIdBase !== undefined ? { categoryIdBase } : {}),
      ...(values["include-rejected"] ? { includeRejected: true } : {}),
      ...(values["no-compress-json"] ? { compressJson: false } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress: (p) => bar.update(p.imagesDone, p.imagesTotal),
      logger: {
        info: () => {},
        warn: (m) => {
          bar.done();
          io.stderr.write(`warning: ${m.replace(/^web-zip: /, "")}\n`);
        },
      },
    }),
  );
  bar.done();
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return ExitCode.Ok;
  }
  for (const shard of result.shards) io.stdout.write(`${shard.file}: ${shard.images} images, ${shard.annotations} boxes, ${shard.bytes} bytes\n`);
  io.stdout.write(`web ZIP written: ${result.images} images, ${result.annotations} boxes in ${result.files.length} file(s); review ${Object.entries(result.reviewStatus).map(([k, n]) => `${k} ${n}`).join(", ")}\n`);
  for (const [reason, n] of Object.entries(result.skipped)) io.stdout.write(`  left out ${n} × ${reason}\n`);
  for (const [reason, n] of Object.entries(result.repaired)) io.stdout.write(`  changed to fit ${n} × ${reason}\n`);
  return ExitCode.Ok;
}

export async function webReviewCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("web-review", argv, {
    overwrite: { type: "boolean" },
    "dry-run": { type: "boolean" },
    reviewer: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    io.stdout.write(`${webReviewHelp}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length !== 2) throw new UsageError(`give a dataset directory and the file of qontinui-web annotations, got ${positionals.length}; see 'qontinui-export web-review --help'`);
  const [dataset, file] = positionals.map((p) => path.resolve(io.cwd, p)) as [string, string];
  const { applyWebReview } = await import("@qontinui/web-exchange");
  const result = await applyWebReview(dataset, file, {
    ...(values.overwrite ? { overwrite: true } : {}),
    ...(values["dry-run"] ? { dryRun: true } : {}),
    ...(values.reviewer ? { reviewer: values.reviewer } : {}),
    logger: { info: () => {}, warn: (m) => io.stderr.write(`warning: ${m}\n`) },
  });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const a = result.applied;
  io.stdout.write(
    `${values["dry-run"] ? "would apply" : "applied"}: ${a.accept} accepted, ${a.reject} rejected, ${a.flag} flagged, ${a.edit} edited (of ${result.read} read); ${result.unchanged} unchanged, ${result.conflicts} conflicts kept${values.overwrite ? "" : " (--overwrite to replace them)"}, ${result.notFound} no longer here, ${result.notFromThisDataset} not from this dataset\n`,
  );
  return ExitCode.Ok;
}
