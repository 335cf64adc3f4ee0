import {
  ConfigError,
  DatasetError,
  DatasetLockedError,
  ExportAbortedError,
  ExportError,
  OutputNotEmptyError,
} from "@qontinui/export-core";

/** What `qontinui-export` exits with; scripts can rely on these. */
export const ExitCode = {
  Ok: 0,
  /** Something unexpected failed (a bug, a full disk…); the message says what. */
  Failed: 1,
  /** Bad command line or options. */
  Usage: 2,
  /** Another export holds the dataset's lock. */
  Locked: 3,
  /** The input is missing or not what it should be (no run directory, not a dataset, output not empty). */
  BadInput: 4,
  /** The work finished but found problems: `validate` failed, or `run --strict` skipped records. */
  Problems: 5,
  /** Interrupted (Ctrl-C); what was written is whole, run the same command again to continue. */
  Interrupted: 130,
} as const;

export class UsageError extends ExportError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return ExitCode.Usage;
  if (error instanceof DatasetLockedError) return ExitCode.Locked;
  if (error instanceof OutputNotEmptyError || error instanceof DatasetError) return ExitCode.BadInput;
  if (error instanceof ExportAbortedError) return ExitCode.Interrupted;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return ExitCode.BadInput;
  return ExitCode.Failed;
}
