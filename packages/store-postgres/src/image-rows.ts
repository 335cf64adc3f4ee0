import { type ImageFormat, mergeRecordContext, type RecordContext } from "@qontinui/export-core";
import type { AnnotationFile, StoredAnnotation } from "@qontinui/intermediate-format";
import type { StoreImage } from "./row-batch.js";
import type { Queryable } from "./statement-queue.js";

/** A box row as annotations/<id>.json would hold it (category id and name as the store has them). */
export interface BoxRow {
  stored: StoredAnnotation;
  reviewStatus: string;
  firstSortKey: string;
  firstIndex: number;
}

/** An image with its boxes (in record order) and its records' contexts (in record order). */
export interface ImageRows {
  image: StoreImage;
  boxes: BoxRow[];
  contexts: RecordContext[];
}

type BoxTuple = [number, number, number, number, number, string, number, string, boolean, boolean, Record<string, unknown> | null, string, string, number];
type ContextTuple = [string | null, boolean | null, string[], number | null];

/**
 * Loads images with everything an annotation file holds, in one statement for many ids (boxes
 * and record contexts aggregated per image, each in record order).
 */
export async function loadImageRows(client: Queryable, datasetId: number, ids: readonly string[]): Promise<Map<string, ImageRows>> {
  const out = new Map<string, ImageRows>();
  if (ids.length === 0) return out;
  const { rows } = await client.query<{
    image_id: string;
    sha256: string;
    byte_size: string;
    format: ImageFormat;
    extension: string;
    width: number;
    height: number;
    channels: number;
    boxes: BoxTuple[];
    contexts: ContextTuple[];
  }>(
    `SELECT i.image_id, i.sha256, i.byte_size, i.format, i.extension, i.width, i.height, i.channels,
       (SELECT coalesce(json_agg(json_build_array(a.x, a.y, a.width, a.height, a.category_id, c.name, a.confidence, a.source, a.verified,
                                                  a.clipped, a.inference_metadata, a.review_status, a.first_sort_key, a.first_index)
                                 ORDER BY a.first_sort_key, a.first_index), '[]')
          FROM annotations a JOIN categories c ON c.dataset_id = a.dataset_id AND c.id = a.category_id
          WHERE a.dataset_id = i.dataset_id AND a.image_id = i.image_id) AS boxes,
       (SELECT coalesce(json_agg(json_build_array(r.action_type, r.success, r.active_states, r."timestamp") ORDER BY r.sort_key), '[]')
          FROM records r WHERE r.dataset_id = i.dataset_id AND r.image_id = i.image_id) AS contexts
     FROM images i WHERE i.dataset_id = $1 AND i.image_id = ANY($2::text[])`,
    [datasetId, ids],
  );
  for (const r of rows) {
    out.set(r.image_id, {
      image: {
        id: r.image_id,
        sha256: r.sha256,
        byteLength: Number(r.byte_size),
        format: r.format,
        extension: r.extension,
        width: r.width,
        height: r.height,
        channels: r.channels,
      },
      boxes: r.boxes.map(([x, y, w, h, categoryId, name, confidence, source, verified, clipped, inference, review, firstSortKey, firstIndex]) => {
        const stored: StoredAnnotation = { bbox: [x, y, w, h], category_id: categoryId, category_name: name, confidence, source, verified };
        if (clipped) stored.clipped = true;
        if (inference !== null) stored.inference_metadata = inference;
        if (review !== "pending") stored.review_status = review as StoredAnnotation["review_status"];
        return { stored, reviewStatus: review, firstSortKey, firstIndex };
      }),
      contexts: r.contexts.map(([action_type, success, active_states, timestamp]) => ({ action_type, success, active_states, timestamp })),
    });
  }
  return out;
}

/** The context of an image's records, merged as every path merges it (first record's type and success, union of states, earliest time). */
export function imageContext(contexts: readonly RecordContext[]): AnnotationFile["context"] {
  let merged: RecordContext | undefined;
  for (const c of contexts) merged = merged ? mergeRecordContext(merged, c) : c;
  return merged ?? { action_type: null, active_states: [], timestamp: null, success: null };
}

/** annotations/<id>.json of a store image. */
export function annotationFileOf(rows: ImageRows, version: string): AnnotationFile {
  return {
    image_id: rows.image.id,
    image_filename: rows.image.id + rows.image.extension,
    image_width: rows.image.width,
    image_height: rows.image.height,
    annotations: rows.boxes.map((b) => b.stored),
    context: imageContext(rows.contexts),
    version,
  };
}
