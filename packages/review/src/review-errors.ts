import { ExportError } from "@qontinui/export-core";

/**
 * A decision that was not written because the dataset changed under it (another
 * reviewer decided the same box first) or is busy (an export holds its lock).
 * Nothing was written; the reviewer reloads the image and decides again.
 */
export class ReviewConflictError extends ExportError {
  constructor(message: string) {
    super("REVIEW_CONFLICT", message);
  }
}

/** A request the review cannot act on (an unknown image, a box outside the image, an unknown category). */
export class ReviewInputError extends ExportError {
  constructor(message: string) {
    super("REVIEW_INPUT_INVALID", message);
  }
}
