import { type CategoryRegistry, writeFileAtomic } from "@qontinui/export-core";
import type { DatasetPaths, Metadata } from "@qontinui/intermediate-format";
import { type IndexCounts, readFileIfExists } from "./record-index.js";

const DESCRIPTION = "Training dataset exported from qontinui-runner execution data";

/** metadata.json as found: its bytes (undefined when missing), and its content when it is a JSON object, else why not. */
export interface MetadataFile {
  bytes: Buffer | undefined;
  metadata: Partial<Metadata> | undefined;
  unreadable?: string;
}

/** Reads metadata.json as the last export (or anyone) left it; never throws for its content. */
export async function readMetadata(paths: DatasetPaths): Promise<MetadataFile> {
  const bytes = await readFileIfExists(paths.metadata);
  if (!bytes) return { bytes, metadata: undefined };
  if (bytes.length === 0) return { bytes, metadata: undefined, unreadable: "is empty" };
  try {
    const value = JSON.parse(bytes.toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { bytes, metadata: undefined, unreadable: "is not a JSON object" };
    return { bytes, metadata: value as Partial<Metadata> };
  } catch (e) {
    return { bytes, metadata: undefined, unreadable: `is not valid JSON (${(e as Error).message})` };
  }
}

/** A category_map that is a map of names to distinct non-negative integer ids, or undefined. */
export function validCategoryMap(map: unknown): Record<string, number> | undefined {
  if (typeof map !== "object" || map === null || Array.isArray(map)) return undefined;
  const ids = new Set<number>();
  for (const [name, id] of Object.entries(map as Record<string, unknown>)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || ids.has(id) || name === "") return undefined;
    ids.add(id);
  }
  return map as Record<string, number>;
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

/** Writes metadata.json whole: totals of the whole dataset, the category map. Returns the text written. */
export async function writeMetadata(paths: DatasetPaths, totals: MetadataTotals, options: { fsync: boolean }): Promise<string> {
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
  const text = JSON.stringify(meta, null, 2);
  await writeFileAtomic(paths.metadata, text, options);
  return text;
}
