export {
  CLICK_SOURCE,
  type ClickLabelerOptions,
  type ClickMode,
  ClickProblemReason,
  clickLabeler,
  FALLBACK_SOURCE,
  fixedBox,
  type InferenceMetadata,
  type InferenceStrategy,
  SMART_DEFAULTS,
  SMART_SOURCE,
} from "./click-labeler.js";
