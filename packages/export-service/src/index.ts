export { EXPORT_MODES, type ExportConfig, exportConfigFromEnv, type ExportMode, resolveExportConfig } from "./export-config.js";
export { type ExportServiceOptions, type ServiceSummary, TrainingExportService } from "./export-service.js";
export { FORMATS, formatNamed } from "./formats.js";
