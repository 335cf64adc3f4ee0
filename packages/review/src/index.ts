export { startReviewServer, REVIEW_HOST, type ReviewServer, type ReviewServerOptions, TOKEN_HEADER } from "./review-server.js";
export { reviewCommand, reviewHelp, reviewOptionSpec, runReview, type ReviewIO, type RunReviewOptions } from "./review-command.js";
export {
  type BatchResult,
  type DecisionResult,
  type ReviewDecision,
  type ReviewImage,
  ReviewSession,
  type ReviewSessionOptions,
  REVIEW_SOURCE,
  REVIEW_STATUSES,
  type ReviewStatus,
} from "./review-session.js";
export { type ImageSummary, orderQueue, type QueueFilter } from "./review-queue.js";
export { readReviewLog, REVIEW_DIR, REVIEW_LOG_FILE, type ReviewAction, type ReviewLogEntry, reviewLogPath } from "./review-log.js";
export { ReviewConflictError, ReviewInputError } from "./review-errors.js";
