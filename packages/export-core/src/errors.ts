/**
 * Typed errors. Every error says what went wrong and what to do next, and
 * carries a stable `code` that scripts (and the CLI's exit codes) can rely on.
 */
export class ExportError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A record could not be used (bad JSON, schema mismatch). */
export class RecordError extends ExportError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("RECORD_INVALID", message, options);
  }
}

/** A screenshot could not be read or is not an acceptable image. */
export class ScreenshotError extends ExportError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("SCREENSHOT_INVALID", message, options);
  }
}

/** Bad options or arguments given by the caller. */
export class ConfigError extends ExportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONFIG_INVALID", message, options);
  }
}

/** Another process holds the dataset's lock. */
export class DatasetLockedError extends ExportError {
  constructor(
    readonly lockPath: string,
    readonly holderPid: number | undefined,
    message: string,
  ) {
    super("DATASET_LOCKED", message);
  }
}

/** The output directory is not a dataset and is not empty. */
export class OutputNotEmptyError extends ExportError {
  constructor(readonly dir: string, message: string) {
    super("OUTPUT_NOT_EMPTY", message);
  }
}

/** A dataset on disk is unreadable or inconsistent. */
export class DatasetError extends ExportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DATASET_INVALID", message, options);
  }
}

/** The export was cancelled through its AbortSignal. */
export class ExportAbortedError extends ExportError {
  constructor(message = "export aborted") {
    super("EXPORT_ABORTED", message);
  }
}
