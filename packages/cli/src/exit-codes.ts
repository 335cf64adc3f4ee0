import {
  ConfigError,
  DatasetError,
  DatasetLockedError,
  ExportAbortedError,
  ExportError,
  OutputNotEmptyError,
} from "@qontinui/export-core";
import { ExitCode } from "./exit-code.js";

export { ExitCode } from "./exit-code.js";

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
