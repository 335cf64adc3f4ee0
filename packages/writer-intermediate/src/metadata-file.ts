import { type CategoryRegistry, writeFileAtomic } from "@qontinui/export-core";
import type { DatasetPaths, Metadata } from "@qontinui/intermediate-format";
import { type IndexCounts, readFileIfExists } from "./record-index.js";

const DESCRIPTION = "Training dataset exported from qontinui-runner execution data";

/** metadata.json as the last export left it; undefined when missing or unreadable (told through `note`). */
export async function readMetadata(paths: DatasetPaths, note: (message: string) => void): Promise<Partial<Metadata> | undefined> {
  const text = await readFileIfExists(paths.metadata);
  if (!text) return undefined;
  try {
    return JSON.parse(text.toString("utf8")) as Metadata;
  } catch (e) {
    note(`metadata.json is not valid JSON (${(e as Error).message}); rebuilding its totals from the manifest`);
    return undefined;
  }
}

export interface MetadataTotals {
  version: string;
  counts: IndexCounts;
  totalAnnotations: number;
  registry: CategoryRegistry;
  /** The last session's count: skipped records are not part of the dataset. */
  skippedRecords: number;
  /** When the last session started (ms since the epoch). */
  sessionStarted: number;
}

/** Writes metadata.json whole: totals of the whole dataset, the category map. */
export async function writeMetadata(paths: DatasetPaths, totals: MetadataTotals, options: { fsync: boolean }): Promise<void> {
  const { counts } = totals;
  const meta: Metadata = {
    dataset_version: totals.version,
    created: new Date().toISOString(),
    total_images: counts.images,
    total_annotations: totals.totalAnnotations,
    category_map: totals.registry.toCategoryMap(),
    categories: totals.registry.list(),
    statistics: {
      total_records_processed: counts.entries,
      records_with_screenshots: counts.entries,
      records_with_matches: counts.withMatches,
      records_with_clicks: counts.withClicks,
      skipped_records: totals.skippedRecords,
      export_time_seconds: (Date.now() - totals.sessionStarted) / 1000,
    },
    format: "intermediate",
    description: DESCRIPTION,
  };
  await writeFileAtomic(paths.metadata, JSON.stringify(meta, null, 2), options);
}
