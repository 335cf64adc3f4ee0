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
