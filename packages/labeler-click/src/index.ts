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
export { type InferenceMetadata, type InferenceStrategy, SMART_CONFIDENCE, SMART_DEFAULTS, smartConfidence } from "./element-inference.js";
