export { type ActionNodeReader, createRunDataSource, RUN_DATA_SOURCE_NAME, runDataSource, type RunDataSourceOptions } from "./run-data-source.js";
export { type Attempt, byTimeThenNumber, type DebugPairing, pairDebugVisuals } from "./pair-debug-visuals.js";
export { type EventJoin, eventMatchSummary, type JoinAttempt, joinEvents, referencedStem } from "./join-events.js";
export {
  type DebugSidecar,
  MAX_SIDECAR_BYTES,
  parseDebugSidecar,
  parseScreenshotSidecar,
  RunDataProblemReason,
  type ScreenshotSidecar,
} from "./sidecars.js";
