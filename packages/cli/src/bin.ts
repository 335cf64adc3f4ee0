import { main } from "./cli.js";
import { ExitCode } from "./exit-code.js";
import { processIO } from "./io.js";

/** What a shell reports for a process stopped by SIGTERM (128 + 15), as `timeout` and supervisors expect. */
const TERMINATED = 143;

const controller = new AbortController();
let interrupts = 0;
let stoppedBy: NodeJS.Signals | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts > 1) process.exit(signal === "SIGTERM" ? TERMINATED : ExitCode.Interrupted);
  stoppedBy = signal;
  process.stderr.write(`\n${signal === "SIGTERM" ? "terminated" : "interrupted"}: finishing the records in flight (a second signal stops at once)…\n`);
  controller.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

// `qontinui-export validate … | head`: the reader went away; what was written is whole, stop quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(process.exitCode ?? ExitCode.Ok);
});

main(process.argv.slice(2), processIO(controller.signal)).then(
  (code) => {
    process.exitCode = code === ExitCode.Interrupted && stoppedBy === "SIGTERM" ? TERMINATED : code;
  },
  (e: unknown) => {
    process.stderr.write(`qontinui-export: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = ExitCode.Failed;
  },
);
