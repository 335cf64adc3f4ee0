import { ConfigError, type ExecutionRecord } from "@qontinui/export-core";
import { z } from "zod";

export const EXPORT_MODES = ["on_completion", "incremental", "manual"] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

/** The runner's training-data export settings (the seed's ExportConfig, camelCase). */
export interface ExportConfig {
  enabled: boolean;
  /** The dataset directory. Required when enabled. */
  outputDir?: string;
  datasetVersion: string;
  /** on_completion: export when the run ends; incremental: every batchSize records; manual: only on exportNow(). */
  exportMode: ExportMode;
  batchSize: number;
  filterSuccessfulOnly: boolean;
  filterWithMatches: boolean;
  /** Keeps a record when it returns true; applied after the two flags above. */
  filter?: (record: ExecutionRecord) => boolean;
  /** Click boxes: the seed's fixed 50×50 box, or element-boundary inference. Default "smart". */
  clickMode: "fixed" | "smart";
  /** How screenshots reach the dataset, see the intermediate writer. Default "copy". */
  imageMode: "copy" | "hardlink" | "auto";
}

const ExportConfigSchema = z.object({
  enabled: z.boolean().default(false),
  outputDir: z.string().min(1).optional(),
  datasetVersion: z.string().min(1).default("1.0.0"),
  exportMode: z.enum(EXPORT_MODES).default("on_completion"),
  batchSize: z.number().int().positive().default(50),
  filterSuccessfulOnly: z.boolean().default(false),
  filterWithMatches: z.boolean().default(false),
  filter: z.custom<(record: ExecutionRecord) => boolean>((v) => v === undefined || typeof v === "function").optional(),
  clickMode: z.enum(["fixed", "smart"]).default("smart"),
  imageMode: z.enum(["copy", "hardlink", "auto"]).default("copy"),
});

/** Validates a partial config and fills in the defaults. */
export function resolveExportConfig(input: Partial<ExportConfig> = {}): ExportConfig {
  const parsed = ExportConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`export config: ${issue.path.join(".") || "config"}: ${issue.message}`);
  }
  const config = parsed.data as ExportConfig;
  if (config.enabled && !config.outputDir) {
    throw new ConfigError("export config: enabled without outputDir; set outputDir (or QONTINUI_EXPORT_DIR)");
  }
  return config;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

/**
 * Reads QONTINUI_EXPORT_TRAINING_DATA (1/true/yes/on enables export) and
 * QONTINUI_EXPORT_DIR (the dataset directory) over `base`.
 */
export function exportConfigFromEnv(env: NodeJS.ProcessEnv = process.env, base: Partial<ExportConfig> = {}): ExportConfig {
  const merged: Partial<ExportConfig> = { ...base };
  const flag = env.QONTINUI_EXPORT_TRAINING_DATA;
  if (flag !== undefined) {
    const v = flag.trim().toLowerCase();
    if (TRUE.has(v)) merged.enabled = true;
    else if (FALSE.has(v)) merged.enabled = false;
    else throw new ConfigError(`QONTINUI_EXPORT_TRAINING_DATA="${flag}": use 1/true/yes/on or 0/false/no/off`);
  }
  if (env.QONTINUI_EXPORT_DIR) merged.outputDir = env.QONTINUI_EXPORT_DIR;
  return resolveExportConfig(merged);
}
