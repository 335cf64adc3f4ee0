import { datasetReader } from "./dataset-reader.js";
import type { DatasetInput } from "./reader.js";
import type { Metadata } from "./layout.js";

/** The seed's get_summary(), field for field, plus the category list. */
export interface DatasetSummary {
  dataset_version: string | undefined;
  total_images: number | undefined;
  total_annotations: number | undefined;
  total_categories: number;
  manifest_entries: number;
  reviewed_entries: number;
  statistics: Metadata["statistics"] | Record<string, never>;
  categories: { id: number; name: string }[];
  /** Manifest lines that could not be read (torn or malformed), with their line numbers. */
  unreadable_manifest_lines: number[];
}

/** Summarises an intermediate dataset (a directory or a store's reader; streams the manifest). */
export async function datasetSummary(dataset: DatasetInput): Promise<DatasetSummary> {
  const ds = await datasetReader(dataset);
  let entries = 0;
  let reviewed = 0;
  const bad: number[] = [];
  for await (const { entry } of ds.manifest((p) => bad.push(p.line))) {
    entries++;
    if (entry.reviewed === true) reviewed++;
  }
  const m = ds.metadata;
  return {
    dataset_version: m.dataset_version,
    total_images: m.total_images,
    total_annotations: m.total_annotations,
    total_categories: Object.keys(m.category_map ?? {}).length,
    manifest_entries: entries,
    reviewed_entries: reviewed,
    statistics: m.statistics ?? {},
    categories: ds.categories(),
    unreadable_manifest_lines: bad,
  };
}
