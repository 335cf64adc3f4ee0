// @qontinui/runner-sessions: realistic qontinui runner sessions with their ground truth.
export { generateSession, SESSION_ENTRIES } from "./session.mjs";
export { writeHostileInputs } from "./hostile.mjs";
export { DEFAULT_OPTIONS, SessionOptionsError, normalizeOptions, sanitizeActionId } from "./plan.mjs";
export { pairDebugVisual, TruthError } from "./truth.mjs";
