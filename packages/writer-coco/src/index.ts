export type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoInfo } from "./coco-types.js";
export { cocoInfo, type CocoFileSummary, type CocoOptions, type CocoSummary, cocoTargets, convertCoco } from "./convert-coco.js";
export { cocoWriter, type CocoWriterOptions } from "./coco-writer.js";
export { toCoco, type ToCocoOptions, type ToCocoSummary } from "./to-coco.js";
export { cocoFormat, CocoFormatOptions } from "./coco-format.js";
