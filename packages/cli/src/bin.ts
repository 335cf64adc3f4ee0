import { main } from "./cli.js";
import { ExitCode } from "./exit-code.js";
import { processIO } from "./io.js";

const controller = new AbortController();
let interrupts = 0;
const onSignal = () => {
  interrupts++;
  if (interrupts > 1) process.exit(ExitCode.Interrupted);
  process.stderr.write("\ninterrupted: finishing the records in flight (Ctrl-C again to stop at once)…\n");
  controller.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

main(process.argv.slice(2), processIO(controller.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`qontinui-export: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = ExitCode.Failed;
  },
);
