import path from "node:path";

/**
 * The intermediate dataset, field for field the seed's (the Python runner's
 * TrainingDataExporter), so datasets written by either tool mix:
 *
 *   manifest.jsonl          one ManifestEntry a line, append-only
 *   images/<id>.<ext>       deduplicated screenshots, id = sha256(bytes)[:16]
 *   annotations/<id>.json   one AnnotationFile per image
 *   metadata.json           Metadata: totals of the whole dataset, category_map
 *   .qontinui/              this tool's own bookkeeping (lock, record index); never needed to read the dataset
 */
export const MANIFEST_FILE = "manifest.jsonl";
export const METADATA_FILE = "metadata.json";
export const IMAGES_DIR = "images";
export const ANNOTATIONS_DIR = "annotations";
export const STATE_DIR = ".qontinui";
export const LOCK_FILE = "lock";
export const INDEX_FILE = "records.idx";

export interface ManifestEntry {
  id: string;
  image: string;
  annotations: string;
  action_id: string;
  action_type: string | null;
  timestamp: number | null;
  active_states: string[];
  source: string;
  is_new: boolean;
  reviewed: boolean;
  /** Only when the record has one (see ExecutionRecord.attempt_id): part of the idempotence key. */
  attempt_id?: string;
  [extra: string]: unknown;
}

/** One box as stored in annotations/<id>.json (category_id is the registry's 0-based id). */
export interface StoredAnnotation {
  bbox: [number, number, number, number];
  category_id: number;
  category_name: string;
  confidence: number;
  source: string;
  verified: boolean;
  /** Present (true) only when the box was clipped to the image. */
  clipped?: boolean;
  /** The smart click labeler's facts (strategy, element type, fallback…). */
  inference_metadata?: Record<string, unknown>;
  /** A person's decision, as qontinui-web names them (`qontinui-export review`, `applyWebReview`); absent means pending. */
  review_status?: "pending" | "approved" | "rejected" | "flagged";
  [extra: string]: unknown;
}

export interface AnnotationFile {
  image_id: string;
  image_filename: string;
  image_width: number;
  image_height: number;
  annotations: StoredAnnotation[];
  context: {
    action_type: string | null;
    active_states: string[];
    timestamp: number | null;
    success: boolean | null;
    [extra: string]: unknown;
  };
  version: string;
  [extra: string]: unknown;
}

export interface Metadata {
  dataset_version: string;
  /** ISO time of the last export session (varies between otherwise identical exports). */
  created: string;
  total_images: number;
  total_annotations: number;
  category_map: Record<string, number>;
  categories: { id: number; name: string }[];
  statistics: {
    total_records_processed: number;
    records_with_screenshots: number;
    records_with_matches: number;
    records_with_clicks: number;
    skipped_records: number;
    /** Varies between otherwise identical exports. */
    export_time_seconds: number;
    [extra: string]: unknown;
  };
  format: "intermediate";
  description: string;
  [extra: string]: unknown;
}

/** Absolute paths of a dataset's files (see `datasetPaths`). */
export type DatasetPaths = ReturnType<typeof datasetPaths>;

export function datasetPaths(dir: string) {
  const root = path.resolve(dir);
  return {
    root,
    manifest: path.join(root, MANIFEST_FILE),
    metadata: path.join(root, METADATA_FILE),
    images: path.join(root, IMAGES_DIR),
    annotations: path.join(root, ANNOTATIONS_DIR),
    state: path.join(root, STATE_DIR),
    lock: path.join(root, STATE_DIR, LOCK_FILE),
    index: path.join(root, STATE_DIR, INDEX_FILE),
    annotationFile: (id: string) => path.join(root, ANNOTATIONS_DIR, `${id}.json`),
    imageFile: (fileName: string) => path.join(root, IMAGES_DIR, fileName),
  };
}

/** Image ids are content hashes; anything else in a manifest is refused rather than used as a path. */
export const IMAGE_ID_PATTERN = /^[0-9a-f]{16}$/;
