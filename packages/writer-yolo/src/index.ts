export { convertYolo, DEFAULT_YOLO_SPLIT } from "./convert-yolo.js";
export { dataYamlText, type DataYamlInput, yamlQuote, yamlScalar } from "./data-yaml.js";
export { checkOutDir, removePreviousOutput } from "./output-dir.js";
export { placeImage } from "@qontinui/export-core";
export { toYolo, type ToYoloOptions } from "./to-yolo.js";
export { formatYoloLine, type YoloBox, toYoloBox } from "./yolo-label.js";
export type { YoloImageMode, YoloOptions, YoloSummary } from "./yolo-options.js";
export { yoloWriter } from "./yolo-writer.js";
export { yoloFormat, YoloFormatOptions } from "./yolo-format.js";
