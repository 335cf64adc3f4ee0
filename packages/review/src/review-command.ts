import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { DatasetError } from "@qontinui/export-core";
import { type ReviewServer, startReviewServer } from "./review-server.js";

export const reviewHelp = `Usage: qontinui-export review <dataset> [--port N] [--reviewer NAME] [--no-open]

Opens a review of an intermediate dataset in the browser: each image with its
boxes (dashed: not yet verified), a queue of what most needs a look (lowest
confidence first, then rare categories, then unreviewed), filters, and
keyboard shortcuts. Decisions are written to the dataset as they are made
(under its lock; rejected boxes stay in review/log.jsonl). The server listens
on 127.0.0.1 only, and the printed address carries this session's token.
Ctrl-C stops it.

Options:
      --port N          port on 127.0.0.1 (default: a free one)
      --reviewer NAME   name recorded in the review log (default: your user name)
      --no-open         print the address, do not open a browser
  -h, --help            this help`;

/** The options `qontinui-export review` takes, in node:util parseArgs form (the CLI's parseCommandArgs adds --help). */
export const reviewOptionSpec = {
  port: { type: "string" },
  reviewer: { type: "string" },
  "no-open": { type: "boolean" },
} as const;

/** Where a command writes (structurally the CLI's CliIO). */
export interface ReviewIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  cwd: string;
  /** Aborting it stops the server; without one, SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

export interface RunReviewOptions {
  dataset: string;
  port?: number;
  reviewer?: string;
  /** Open the page in the system's browser (default true). */
  open?: boolean;
  /** Called once the server listens (tests, embedding). */
  onListening?: (server: ReviewServer) => void;
}

/** Opens a URL with the desktop's opener; a machine without one just has the printed address. */
export function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    /* no opener */
  }
}

/**
 * Serves the review until `io.signal` aborts (or, without one, until SIGINT or
 * SIGTERM), printing the address first. Errors opening the dataset are thrown
 * (DatasetError for a directory that is not a dataset).
 */
export async function runReview(options: RunReviewOptions, io: ReviewIO): Promise<void> {
  const server = await startReviewServer({
    dataset: path.resolve(io.cwd, options.dataset),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.reviewer !== undefined ? { reviewer: options.reviewer } : {}),
  });
  const p = server.session.progress();
  io.stdout.write(`Reviewing ${server.session.dataset.dir}: ${p.images} images, ${p.reviewed} reviewed, ${p.unverified} of ${p.boxes} boxes unverified\n`);
  io.stdout.write(`Open ${server.url}\n(only this machine can reach it; the address holds this session's key. Ctrl-C stops the review.)\n`);
  options.onListening?.(server);
  if (options.open !== false) openInBrowser(server.url);
  await new Promise<void>((resolve) => {
    if (io.signal) {
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  io.stdout.write(`Review closed; decisions are in ${server.session.logFile}\n`);
}

/**
 * `qontinui-export review <dataset>` as a whole command: parses `argv`, serves
 * until stopped, returns the exit code (0 ok, 2 bad usage, 4 not a dataset).
 */
export async function reviewCommand(argv: string[], io: ReviewIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...reviewOptionSpec, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    io.stderr.write(`review: ${(e as Error).message}\nRun 'qontinui-export review --help' for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${reviewHelp}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr.write(`review: expected one dataset directory\nRun 'qontinui-export review --help' for usage.\n`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    io.stderr.write(`review: --port ${JSON.stringify(values.port)} is not a port number\n`);
    return 2;
  }
  try {
    await runReview({ dataset: positionals[0]!, ...(port !== undefined ? { port } : {}), ...(values.reviewer ? { reviewer: values.reviewer } : {}), open: !values["no-open"] }, io);
    return 0;
  } catch (e) {
    io.stderr.write(`review: ${(e as Error).message}\n`);
    return e instanceof DatasetError ? 4 : 1;
  }
}
