export { GROUNDING_FILE, type GroundingFile, listGroundingFiles, orderGroundingFiles } from "./grounding-files.js";
export {
  GROUNDING_SOURCE_NAME,
  type GroundingLinePosition,
  type GroundingLineResult,
  GroundingProblemReason,
  groundingLineToRecord,
} from "./grounding-line.js";
export { groundingSource, type GroundingSourceOptions } from "./grounding-source.js";
