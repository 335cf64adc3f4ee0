import path from "node:path";
import { parseCommandArgs, numberOption, onePositional } from "../args.js";
import { ExitCode, UsageError } from "../exit-codes.js";
import type { CliIO } from "../io.js";
import { ProgressBar } from "../progress-bar.js";

const STORE_URL = "postgres://user@host:port/db?dataset=<name>&blobs=<dir>";

export const ingestHelp = `Usage: qontinui-export ingest <dataset>... --store <url>

Loads intermediate datasets (shards exported on different machines) into a
PostgreSQL-backed store. Any number of ingests and exports may write one store
at once: each image is stored once (content-addressed blobs), a record already
there is not added again, boxes are deduplicated. Re-running adds nothing.

<url>: ${STORE_URL} (default $QONTINUI_STORE)

Options:
      --store <url>   the store (created on first use)
      --json          print the summaries as JSON
  -h, --help          this help`;

export const exportHelp = `Usage: qontinui-export export <store-url> --to <dir>

Writes a store's dataset as an on-disk intermediate dataset. Records come in
the store's order: by origin (an ingested shard's absolute path, or a 'run
--store' session's start time and runner id), then as each origin wrote them;
so the result is byte for byte what 'qontinui-export merge' gives for the same
shards listed in that order (by default: sorted by path), but for metadata's
created and export_time_seconds.

Options:
      --to <dir>    the dataset directory to write (must be empty or absent)
      --force       write into a non-empty directory that is not a dataset
      --json        print the summary as JSON
  -h, --help        this help`;

export const sweepHelp = `Usage: qontinui-export sweep <store-url> [--grace <seconds>] [--dry-run]

Removes blobs no image row names (left by writers killed between storing an
image and committing its records). Safe while writers run: blobs younger than
the grace period are kept.

Options:
      --grace <s>   keep unnamed blobs younger than this many seconds (default 3600)
      --dry-run     list what would be removed, remove nothing
      --json        print the summary as JSON
  -h, --help        this help`;

function storeArg(command: string, given: string | undefined, io: CliIO): string {
  const url = given ?? (io.env.QONTINUI_STORE || undefined);
  if (!url) throw new UsageError(`give the store: --store <url> or QONTINUI_STORE (${STORE_URL}); see 'qontinui-export ${command} --help'`);
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new UsageError(`${JSON.stringify(url.slice(0, 80))} is not a store URL (${STORE_URL})`);
  return url;
}

export async function ingestCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("ingest", argv, { store: { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${ingestHelp}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length === 0) throw new UsageError("give one or more datasets to ingest; see 'qontinui-export ingest --help'");
  const url = storeArg("ingest", values.store, io);
  const { openStore, ingestDataset } = await import("@qontinui/store-postgres");
  const store = await openStore({ url, env: io.env });
  const summaries = [];
  try {
    for (const dir of positionals.map((p) => path.resolve(io.cwd, p))) {
      const s = await ingestDataset(store, dir);
      summaries.push(s);
      if (!values.json) {
        io.stdout.write(`${s.dir}: ${s.entries} entries, ${s.appended} added, ${s.duplicates} already there, ${s.imagesAdded} new images, ${s.annotationsAdded} new boxes\n`);
        for (const [reason, n] of Object.entries(s.problems.byReason)) io.stdout.write(`  skipped ${n} × ${reason}\n`);
      }
    }
  } finally {
    await store.close();
  }
  if (values.json) io.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  else io.stdout.write(`into ${store.location}\n`);
  return ExitCode.Ok;
}

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("export", argv, { to: { type: "string" }, force: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${exportHelp}\n`);
    return ExitCode.Ok;
  }
  const url = storeArg("export", positionals.length ? onePositional("export", positionals, "store URL") : undefined, io);
  if (!values.to) throw new UsageError("--to <dir> is required; see 'qontinui-export export --help'");
  const to = path.resolve(io.cwd, values.to);
  const { openStore, exportToDirectory } = await import("@qontinui/store-postgres");
  const store = await openStore({ url, env: io.env, create: false });
  const bar = new ProgressBar(io.stderr, !values.json && io.stderr.isTTY === true, "export");
  let summary;
  try {
    summary = await exportToDirectory(store, to, {
      force: values.force ?? false,
      onProgress: (done) => bar.update(done, undefined),
      logger: { info: () => {}, warn: (m: string) => io.stderr.write(`warning: ${m}\n`) },
    });
  } finally {
    bar.done();
    await store.close();
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const d = summary.dataset as { totalRecords?: number; totalImages?: number; totalAnnotations?: number };
  io.stdout.write(`exported ${store.location}\n     into ${to}: ${d.totalRecords} records, ${d.totalImages} images, ${d.totalAnnotations} boxes\n`);
  for (const [reason, n] of Object.entries(summary.boxesLeftOut)) io.stdout.write(`  left out ${n} box(es) × ${reason}\n`);
  return ExitCode.Ok;
}

export async function sweepCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("sweep", argv, { grace: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } });
  if (values.help) {
    io.stdout.write(`${sweepHelp}\n`);
    return ExitCode.Ok;
  }
  const url = storeArg("sweep", positionals.length ? onePositional("sweep", positionals, "store URL") : undefined, io);
  const grace = numberOption("sweep", "grace", values.grace, (n) => n >= 0);
  const { openStore, sweepBlobs } = await import("@qontinui/store-postgres");
  const store = await openStore({ url, env: io.env, create: false });
  let summary;
  try {
    summary = await sweepBlobs(store, { ...(grace !== undefined ? { graceMs: grace * 1000 } : {}), ...(values["dry-run"] ? { dryRun: true } : {}) });
  } finally {
    await store.close();
  }
  if (values.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    io.stdout.write(
      `${values["dry-run"] ? "would remove" : "removed"} ${summary.removed.length} unnamed blob(s), ${(summary.bytesRemoved / 1e6).toFixed(1)} MB; ${summary.blobs} blobs, ${summary.referenced} named, ${summary.keptYoung} unnamed but younger than the grace period\n`,
    );
  }
  return ExitCode.Ok;
}

/** `validate <postgres://…>`: rows against blobs (the directory's validate checks files). */
export async function validateStoreCommand(url: string, json: boolean, io: CliIO): Promise<number> {
  const { openStore, validateStore } = await import("@qontinui/store-postgres");
  const store = await openStore({ url, env: io.env, create: false });
  let report;
  try {
    report = await validateStore(store);
  } finally {
    await store.close();
  }
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const p of report.problems) io.stdout.write(`${p.kind} ${p.subject}: ${p.message}\n`);
    if (report.orphanBlobs.length) io.stdout.write(`warning: ${report.orphanBlobs.length} blob(s) no row names (qontinui-export sweep removes them)\n`);
    const t = report.totals;
    io.stdout.write(`${report.ok ? "valid" : `${report.problems.length} problem(s)`}: ${t.totalRecords} records, ${t.totalImages} images, ${t.totalAnnotations} boxes, ${report.checked.blobsRead} blobs read\n`);
  }
  return report.ok ? ExitCode.Ok : ExitCode.Problems;
}
