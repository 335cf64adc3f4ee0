export {
  CONTACT_SHEET_FILE,
  renderPreview,
  renderPreviews,
  type RenderPreviewsOptions,
  type RenderPreviewsResult,
  type SkippedPreview,
} from "./render-previews.js";
export { type ContactSheetOptions, type ContactSheetTile, writeContactSheet } from "./contact-sheet.js";
export { boxLabel, boxOverlaySvg } from "./box-overlay.js";
export { categoryColor, PALETTE } from "./palette.js";
export { escapeXml } from "@qontinui/export-core";
export { type CategoryStats, confidenceBin, datasetStats, type DatasetStats, type HistogramBin } from "./dataset-stats.js";
export { formatStats } from "./format-stats.js";
