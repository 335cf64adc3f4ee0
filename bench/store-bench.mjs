// Figure (8): the PostgreSQL store (@qontinui/store-postgres).
//
// 8a. Ingest throughput: one run (full-size screenshots) exported by 8 writer processes at once into
//     one store dataset (each process a runner with its own share of the screenshots), against one
//     writer process exporting the whole run into an on-disk dataset; also printed, one process
//     into the store.
// 8b. Appending a batch of 50 records to a store dataset of 100,000 images, against the same batch
//     into an empty dataset of the same database.
//
// A private PostgreSQL server is started in a temporary directory (initdb + pg_ctl, as the tests
// do; as Debian's `postgres` user when run as root) with fsync on and synchronous_commit off (a
// commit does not wait for its WAL flush, as the on-disk writer does not fsync by default).
//
//   node --expose-gc bench/run.mjs --only 8 [--quick]
//   node bench/store-bench.mjs [--quick] [--json]          the figure alone
import { execFile as execFileCb, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateRun } from "./generate-run.mjs";
import { writeBatchRun } from "./append-bench.mjs";
import { alternate, median, seconds, settle } from "./measure.mjs";

const execFile = promisify(execFileCb);
const here = path.dirname(fileURLToPath(import.meta.url));
const WRITERS = 8;

// ---------------------------------------------------------------- a private PostgreSQL server

function postgresBinDir() {
  const given = process.env.QONTINUI_PG_BIN;
  if (given) return existsSync(path.join(given, "pg_ctl")) ? given : undefined;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const v = readdirSync(base)
    .filter((d) => existsSync(path.join(base, d, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v ? path.join(base, v, "bin") : undefined;
}

const isRoot = () => process.getuid?.() === 0;
const pgRun = (bin, args) => (isRoot() ? execFile("runuser", ["-u", "postgres", "--", bin, ...args]) : execFile(bin, args));

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL in a temp dir on 127.0.0.1; returns its URL base and stop(). */
export async function startPostgres() {
  const bin = postgresBinDir();
  if (!bin) throw new Error("figure 8 needs PostgreSQL's server binaries: apt-get install -y postgresql (or set QONTINUI_PG_BIN)");
  const dir = await mkdtemp(path.join(isRoot() ? "/tmp" : os.tmpdir(), "qontinui-bench-pg-"));
  if (isRoot()) await execFile("chown", ["postgres:", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();
  await pgRun(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  const opts = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c synchronous_commit=off", "-c max_connections=100", "-c shared_buffers=128MB"].join(" ");
  await pgRun(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"]);
  return {
    url: (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async stop() {
      await pgRun(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- one writer (a child process)

/** The share of the run a writer takes: its screenshots (runners see different screens). */
function sliceOf(reference, slices) {
  return createHash("sha256").update(String(reference)).digest().readUInt32BE(0) % slices;
}

/**
 * Exports `runDir` (its slice `slice` of `slices`, by screenshot) with the template and click
 * (fixed) labelers into the store (`url`, `blobs`) or, with `outDir`, into an on-disk dataset.
 * Prints one JSON line.
 */
async function child({ runDir, url, blobs, outDir, slice = 0, slices = 1 }) {
  const { runPipeline, silentLogger } = await import("../packages/export-core/dist/index.js");
  const { templateLabeler } = await import("../packages/labeler-template/dist/index.js");
  const { clickLabeler } = await import("../packages/labeler-click/dist/index.js");
  const { runDirectorySource } = await import("../packages/source-runner/dist/index.js");
  const t0 = performance.now();
  let writer;
  let store;
  if (outDir) {
    const { intermediateWriter } = await import("../packages/writer-intermediate/dist/index.js");
    writer = intermediateWriter({ outDir });
  } else {
    const { openStore, storeWriter } = await import("../packages/store-postgres/dist/index.js");
    store = await openStore({ url, blobs });
    writer = storeWriter(store, { totals: false });
  }
  const result = await runPipeline({
    source: runDirectorySource(runDir),
    labelers: [templateLabeler(), clickLabeler({ mode: "fixed" })],
    writers: [writer],
    filters: slices > 1 ? [{ name: "other_runner", test: (r) => sliceOf(r.screenshot_reference, slices) === slice }] : [],
    logger: silentLogger,
  });
  await store?.close();
  const s = result.statistics;
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, exported: s.recordsExported, images: s.uniqueImages, bytesRead: s.bytesRead })}\n`);
}

/** Runs writers as processes at once; wall time from the first spawn to the last exit. */
async function runWriters(jobs) {
  const t0 = performance.now();
  const outs = await Promise.all(
    jobs.map(
      (job) =>
        new Promise((resolve, reject) => {
          const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", JSON.stringify(job)], { stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          let err = "";
          p.stdout.on("data", (c) => (out += c));
          p.stderr.on("data", (c) => (err += c));
          p.on("error", reject);
          p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1))) : reject(new Error(`writer exited ${code}: ${err.slice(-2000)}`))));
        }),
    ),
  );
  return {
    ms: performance.now() - t0,
    cpuMs: outs.reduce((n, o) => n + o.cpuMs, 0),
    exported: outs.reduce((n, o) => n + o.exported, 0),
    images: outs.reduce((n, o) => n + o.images, 0),
    children: outs,
  };
}

// ---------------------------------------------------------------- 8b: a 100k-image dataset, by bulk SQL

/**
 * Fills dataset `name` with `images` images, one record and one box each, in a few INSERT …
 * SELECT generate_series statements (rows only: the blobs are not written; the append never
 * reads them). The rows are what a writer would store: sort keys, key hashes, box identities.
 */
async function buildLargeStore(pg, url, name, images) {
  const { openStore } = await import("../packages/store-postgres/dist/index.js");
  const store = await openStore({ url: `${url}?dataset=${name}`, blobs: path.join(os.tmpdir(), "unused-bench-blobs") });
  const id = store.dataset.id;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  try {
    await client.query("INSERT INTO categories (dataset_id, id, name) SELECT $1, i, 'element_' || i FROM generate_series(0, 29) i", [id]);
    await client.query(
      `INSERT INTO images (dataset_id, image_id, sha256, byte_size, format, extension, width, height, channels)
       SELECT $1, left(h, 16), h, 100, 'png', '.png', 8, 8, 3 FROM (SELECT encode(sha256(('image ' || i)::bytea), 'hex') AS h FROM generate_series(1, $2) i) s`,
      [id, images],
    );
    // The origin "bulk" (hex 62756c6b), positions 0…n-1.
    await client.query(
      `INSERT INTO records (dataset_id, key_hash, image_id, sort_key, action_id, attempt_id, action_type, "timestamp", active_states, success, has_match, has_click, source, runner_id)
       SELECT $1, sha256(('key ' || i)::bytea), left(encode(sha256(('image ' || i)::bytea), 'hex'), 16), '62756c6b.' || lpad(to_hex(i - 1), 12, '0'),
              'base-' || i, NULL, 'CLICK', 1718000000 + i, '{Main}', true, true, true, 'runner_execution', 'bench'
       FROM generate_series(1, $2) i`,
      [id, images],
    );
    await client.query(
      `INSERT INTO annotations (dataset_id, image_id, identity, x, y, width, height, category_id, confidence, source, verified, clipped, first_sort_key, first_index)
       SELECT $1, left(encode(sha256(('image ' || i)::bytea), 'hex'), 16), '[1,1,4,4]|' || (i % 30), 1, 1, 4, 4, i % 30, 0.9, 'template_matching', false, false,
              '62756c6b.' || lpad(to_hex(i - 1), 12, '0'), 0
       FROM generate_series(1, $2) i`,
      [id, images],
    );
    // What a writer's batches would have recorded (the dataset's totals are their sums).
    await client.query("INSERT INTO dataset_counts (dataset_id, images, records, annotations, matches, clicks) VALUES ($1, $2, $2, $2, $2, $2)", [id, images]);
    await client.query("ANALYZE");
  } finally {
    await client.end();
    await store.close();
  }
  return { ms: performance.now() - t0 };
}

/** One append as a runner does it: open the store, export the batch run (template + click), close. */
async function appendBatch(runDir, url, blobs) {
  const { runPipeline, silentLogger } = await import("../packages/export-core/dist/index.js");
  const { templateLabeler } = await import("../packages/labeler-template/dist/index.js");
  const { clickLabeler } = await import("../packages/labeler-click/dist/index.js");
  const { runDirectorySource } = await import("../packages/source-runner/dist/index.js");
  const { openStore, storeWriter } = await import("../packages/store-postgres/dist/index.js");
  const t0 = performance.now();
  const store = await openStore({ url, blobs });
  try {
    const result = await runPipeline({
      source: runDirectorySource(runDir),
      labelers: [templateLabeler(), clickLabeler({ mode: "fixed" })],
      writers: [storeWriter(store)],
      logger: silentLogger,
    });
    return { ms: performance.now() - t0, exported: result.statistics.recordsExported, totalImages: result.writers[0].totalImages };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------- the figure

export async function figureStore(root, { quick = false, log = () => {} } = {}) {
  const size = quick
    ? { records: 400, shots: 80, ingestReps: 1, images: 10000, batch: 50, appendReps: 3 }
    : { records: 2000, shots: 400, ingestReps: 3, images: 100000, batch: 50, appendReps: 7 };
  if (!postgresBinDir()) {
    // A full `pnpm bench` on a machine without PostgreSQL still prints figures 1-7.
    return [{ figure: 8, name: "PostgreSQL store", measured: "skipped", baseline: "", verdict: "SKIPPED", notes: ["PostgreSQL's server binaries are missing: apt-get install -y postgresql (or set QONTINUI_PG_BIN)"], data: {} }];
  }
  // pg is the store package's dependency, not the workspace root's.
  const pg = createRequire(path.join(here, "../packages/store-postgres/package.json"))("pg");
  log(`(8) starting a private PostgreSQL server`);
  const server = await startPostgres();
  try {
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query("CREATE DATABASE bench");
    await admin.end();
    const url = server.url("bench");

    // ---- 8a
    const runDir = path.join(root, "store-run");
    log(`(8) generating ${size.records} records / ${size.shots} 1920×1080 screenshots (not timed)`);
    const run = await generateRun(runDir, { records: size.records, uniqueScreens: size.shots, seed: 8 });
    let n = 0;
    const fresh = async (kind) => {
      settle();
      const k = n++;
      const blobs = path.join(root, "store-blobs", String(k));
      await mkdir(blobs, { recursive: true });
      return kind === "disk" ? { outDir: path.join(root, "store-disk-out", String(k)) } : { url: `${url}?dataset=ingest_${k}`, blobs };
    };
    log(`(8) one untimed export of each kind (warm-up)`);
    await runWriters([{ runDir, ...(await fresh("disk")) }]);
    await runWriters([{ runDir, ...(await fresh("store")) }]);
    log(`(8) 1 writer on disk, 1 writer into the store, ${WRITERS} writers into the store; ${size.ingestReps} repetition(s) each`);
    const [disk, one, many] = await alternate(size.ingestReps, [
      async () => runWriters([{ runDir, ...(await fresh("disk")) }]),
      async () => runWriters([{ runDir, ...(await fresh("store")) }]),
      async () => {
        const target = await fresh("store");
        return runWriters(Array.from({ length: WRITERS }, (_, slice) => ({ runDir, ...target, slice, slices: WRITERS })));
      },
    ]);
    // A writer process's fixed cost: one that exports nothing (no screenshot is in its share).
    const idleStore = await runWriters([{ runDir, ...(await fresh("store")), slice: 0, slices: 1e9 }]);
    const idleDisk = await runWriters([{ runDir, ...(await fresh("disk")), slice: 0, slices: 1e9 }]);
    const diskMs = median(disk.map((r) => r.ms));
    const oneMs = median(one.map((r) => r.ms));
    const manyMs = median(many.map((r) => r.ms));
    const exported = disk[0].exported;
    const rate = (ms) => `${Math.round(exported / (ms / 1000))} rec/s`;
    if (many.some((m) => m.exported !== exported) || one.some((o) => o.exported !== exported)) throw new Error(`figure 8: the writers exported ${many.map((m) => m.exported)} / ${one.map((o) => o.exported)} records, the on-disk writer ${exported}`);
    const ingest = {
      figure: 8,
      name: `store: ${WRITERS} writers vs 1 on disk, ${size.records} rec`,
      measured: `${seconds(manyMs)} (${rate(manyMs)})`,
      baseline: `1 writer on disk ${seconds(diskMs)} (${rate(diskMs)})`,
      ratio: manyMs / diskMs,
      target: undefined,
      notes: [
        `one run of ${size.records} records on ${size.shots} 1920×1080 PNGs (${Math.round(run.screenshotBytes / 1e6)} MB), template + click (fixed) labelers; each writer a process (spawn to exit, all at once), its share of the run by screenshot (a runner each); each export into a new dataset / directory; median of ${size.ingestReps}`,
      `1 writer into the store (the whole run, one process): ${seconds(oneMs)} (${rate(oneMs)}) → ${(oneMs / diskMs).toFixed(2)}× the on-disk writer; ${WRITERS} writers into the store are ${(oneMs / manyMs).toFixed(2)}× as fast as one`,
        `store: PostgreSQL ${"15"} on 127.0.0.1 (fsync on, synchronous_commit off), batches of 256 records, blobs in a directory (DirectoryBlobStore: temp file, fsync, link); on disk: intermediateWriter (no fsync)`,
        `CPU time (user + system, all writer processes, median): ${WRITERS} writers ${seconds(median(many.map((r) => r.cpuMs)))}, 1 writer into the store ${seconds(median(one.map((r) => r.cpuMs)))}, on disk ${seconds(median(disk.map((r) => r.cpuMs)))}, on ${os.cpus().length} cores (the PostgreSQL server's own CPU not counted); a writer process's fixed cost is paid ${WRITERS} times: one that exports nothing (node, modules, connecting, reading and filtering the run's records.jsonl) takes ${seconds(idleStore.ms)} and ${seconds(idleStore.cpuMs)} of CPU into the store, ${seconds(idleDisk.ms)} and ${seconds(idleDisk.cpuMs)} on disk`,
        `${exported} records exported by each (${disk[0].images} distinct images)`,
      ],
      data: {
        records: size.records,
        shots: size.shots,
        diskMs: disk.map((r) => r.ms),
        oneWriterMs: one.map((r) => r.ms),
        writersMs: many.map((r) => r.ms),
        cpuMs: { disk: disk.map((r) => r.cpuMs), oneWriter: one.map((r) => r.cpuMs), writers: many.map((r) => r.cpuMs) },
        exported,
      },
    };

    // ---- 8b
    log(`(8) building a ${size.images}-image store dataset with bulk SQL`);
    const built = await buildLargeStore(pg, url, "large", size.images);
    const blobs = path.join(root, "store-append-blobs");
    await mkdir(blobs, { recursive: true });
    log(`(8) appending ${size.appendReps} batches of ${size.batch} to each`);
    const [intoLarge, intoEmpty] = await alternate(size.appendReps, [
      async (r) => {
        const dir = path.join(root, `store-batch-large-${r}`);
        await writeBatchRun(dir, `slarge${r}`, size.batch);
        settle();
        const res = await appendBatch(dir, `${url}?dataset=large`, blobs);
        if (res.exported !== size.batch) throw new Error(`append into the large store exported ${res.exported} of ${size.batch}`);
        return res;
      },
      async (r) => {
        const dir = path.join(root, `store-batch-empty-${r}`);
        await writeBatchRun(dir, `sempty${r}`, size.batch);
        settle();
        const res = await appendBatch(dir, `${url}?dataset=empty_${r}`, blobs);
        if (res.exported !== size.batch) throw new Error(`append into an empty store exported ${res.exported} of ${size.batch}`);
        return res;
      },
    ]);
    const largeMs = median(intoLarge.map((x) => x.ms));
    const emptyMs = median(intoEmpty.map((x) => x.ms));
    const append = {
      figure: 8,
      name: `store: append ${size.batch} rec into ${size.images / 1000}k images`,
      measured: `${largeMs.toFixed(1)} ms`,
      baseline: `into empty: ${emptyMs.toFixed(1)} ms`,
      ratio: largeMs / emptyMs,
      target: 2,
      notes: [
        `whole export in this process: openStore (connect, schema check, dataset row), template + click labelers, storeWriter (blobs, one transaction), close (with the dataset's totals, summed from its batches' counts); a run dir of ${size.batch} tiny PNGs; median of ${size.appendReps}`,
        `the ${size.images}-image dataset was built with bulk SQL (INSERT … SELECT generate_series: ${size.images} images, records and boxes, 30 categories; rows only, no blobs) in ${seconds(built.ms)}; the empty dataset is a new one in the same database`,
        `totals after the last append into the large dataset: ${intoLarge.at(-1).totalImages} images`,
      ],
      data: { images: size.images, batch: size.batch, buildMs: built.ms, largeMs: intoLarge.map((x) => x.ms), emptyMs: intoEmpty.map((x) => x.ms) },
    };
    return [ingest, append];
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- CLI

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const c = args.indexOf("--child");
  if (c >= 0) {
    await child(JSON.parse(args[c + 1]));
  } else {
    const root = await mkdtemp(path.join(os.tmpdir(), "qontinui-store-bench-"));
    try {
      const results = await figureStore(root, { quick: args.includes("--quick"), log: (m) => process.stderr.write(`  … ${m}\n`) });
      if (args.includes("--json")) console.log(JSON.stringify(results, null, 2));
      else for (const r of results) console.log(`${r.figure}  ${r.name}  ${r.measured}  ${r.baseline}  ${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`}\n${r.notes.map((x) => `     ${x}`).join("\n")}`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}
