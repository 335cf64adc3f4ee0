export { convertVoc, NO_SPLIT_NAME } from "./convert-voc.js";
export { vocWriter } from "./voc-writer.js";
export { toVoc } from "./to-voc.js";
export type { VocOptions, VocSummary } from "./voc-options.js";
export { fromVocBox, toVocBox, type VocBox } from "./voc-box.js";
export { IMAGES_FOLDER, vocAnnotationXml, type VocXml } from "./voc-xml.js";
export { xmlText, type XmlText } from "@qontinui/export-core";
export { prepareOutDir, VOC_DIRS } from "./output-dir.js";
export { vocFormat, VocFormatOptions } from "./voc-format.js";
