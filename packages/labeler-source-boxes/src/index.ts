export {
  DEFAULT_SOURCE_BOX_SOURCE,
  SourceBoxProblemReason,
  sourceBoxesLabeler,
  type SourceBoxesLabelerOptions,
} from "./source-boxes-labeler.js";
