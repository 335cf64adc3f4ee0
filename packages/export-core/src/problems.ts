/**
 * Named reasons for everything the export skips or repairs. They are counted
 * in the statistics (`problems.byReason`) and reported as events, so nothing is
 * dropped silently. The list is open: plugins may report their own reasons.
 */
export const ProblemReason = {
  /** A records.jsonl line is not valid JSON. */
  MalformedJson: "malformed_json",
  /** The last line of a JSON-lines file ends without a newline and is not whole JSON (an interrupted writer). */
  TornLine: "torn_line",
  /** A line longer than the reader's limit: skipped without being held in memory. */
  LineTooLong: "line_too_long",
  /** A line parses but is not a record (missing action_id, wrong types). */
  InvalidRecord: "invalid_record",
  /** The record has no screenshot_reference. */
  NoScreenshot: "no_screenshot",
  /** The referenced screenshot does not exist. */
  ScreenshotMissing: "screenshot_missing",
  /** The reference leaves the run directory (`..`, absolute path, symlink out). */
  PathEscapesRoot: "path_escapes_root",
  /** The file is not a readable image (corrupt, truncated, empty, unknown format). */
  ScreenshotCorrupt: "screenshot_corrupt",
  /**
   * The file's header and container are whole but its image data is not: a PNG whose data inflates
   * to less than its header's size needs (or with damaged rows or CRCs), a JPEG whose segments or
   * scans are cut. Not stored: no decoder would open it.
   */
  ScreenshotUndecodable: "screenshot_undecodable",
  /** The image declares more pixels than the limit (decompression bomb guard). */
  ScreenshotTooLarge: "screenshot_too_large",
  /** The record was filtered out by a configured filter. */
  Filtered: "filtered",
  /** The record was already in the dataset (idempotent re-export). */
  AlreadyExported: "already_exported",
  /** A box had zero, negative or non-finite size and was dropped. */
  BoxInvalidSize: "box_invalid_size",
  /** A box lay entirely outside its image and was dropped. */
  BoxOutsideImage: "box_outside_image",
  /** A box was partly outside its image and was clipped (repaired, kept). */
  BoxClipped: "box_clipped",
  /** A confidence was not a number in [0,1] and was repaired. */
  ConfidenceRepaired: "confidence_repaired",
  /** A category name had characters that were replaced or was shortened. */
  CategoryNameRepaired: "category_name_repaired",
  /** A click point lay outside the image. */
  ClickOutsideImage: "click_outside_image",
  /** A labeler threw; the record was exported with the other labelers' boxes. */
  LabelerFailed: "labeler_failed",
} as const;

export type KnownProblemReason = (typeof ProblemReason)[keyof typeof ProblemReason];

/** Whether a problem meant the record was not exported ("skipped") or was repaired and kept. */
export type ProblemSeverity = "skipped" | "repaired" | "dropped_box";

export interface Problem {
  reason: string;
  severity: ProblemSeverity;
  message: string;
  /** action_id when known. */
  actionId?: string;
  /** 1-based line in the source (records.jsonl) when known. */
  line?: number;
  /** Which plugin reported it. */
  plugin?: string;
}

/** Counts problems by reason without keeping every one in memory. */
export class ProblemCounter {
  readonly byReason: Record<string, number> = {};
  /** The first few examples of each reason, for messages. */
  readonly examples: Record<string, Problem[]> = {};
  constructor(private readonly examplesPerReason = 3) {}

  add(problem: Problem): void {
    this.byReason[problem.reason] = (this.byReason[problem.reason] ?? 0) + 1;
    const list = (this.examples[problem.reason] ??= []);
    if (list.length < this.examplesPerReason) list.push(problem);
  }

  total(): number {
    let n = 0;
    for (const v of Object.values(this.byReason)) n += v;
    return n;
  }
}
