export { main, mainHelp, VERSION } from "./cli.js";
export { ExitCode, exitCodeFor, UsageError } from "./exit-codes.js";
export type { CliIO } from "./io.js";
export { formatRunSummary } from "./commands/run.js";
