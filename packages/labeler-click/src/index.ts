export {
  CLICK_SOURCE,
  type ClickLabelerOptions,
  type ClickMode,
  ClickProblemReason,
  clickLabeler,
  FALLBACK_SOURCE,
  fixedBox,
  SMART_SOURCE,
} from "./click-labeler.js";
export { type ConfidenceEvidence, type FallbackReason, type InferenceStrategy, SMART_CONFIDENCE, smartConfidence } from "./confidence.js";
export { type InferenceMetadata, SMART_DEFAULTS } from "./element-inference.js";
