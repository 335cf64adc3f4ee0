import os from "node:os";
import { type ExportItem, type LabeledAnnotation, recordContext, type ResolvedImage } from "@qontinui/export-core";
import { toStoredAnnotation } from "@qontinui/intermediate-format";
import { keyHash } from "./record-order.js";
import type { StoreBox, StoreImage, StoreRecord } from "./row-batch.js";

/** Who wrote a row, by default: this machine and process. */
export function defaultRunnerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

export function storeImage(image: ResolvedImage): StoreImage {
  return {
    id: image.id,
    sha256: image.sha256,
    byteLength: image.byteLength,
    format: image.format,
    extension: image.extension,
    width: image.width,
    height: image.height,
    channels: image.channels,
  };
}

/** A box as the store keeps it: the fields annotations/<id>.json would hold (toStoredAnnotation), the category by name. */
export function storeBox(a: LabeledAnnotation): StoreBox {
  const s = toStoredAnnotation(a);
  return {
    bbox: [s.bbox[0], s.bbox[1], s.bbox[2], s.bbox[3]],
    categoryName: a.categoryName,
    confidence: s.confidence,
    source: s.source,
    verified: s.verified,
    clipped: s.clipped === true,
    inferenceMetadata: s.inference_metadata,
  };
}

/** A pipeline item as a store row at `sortKey` (see recordSortKey): the manifest entry's fields (recordContext), the boxes it brings (placed at `boxSortKey`, from `boxIndex`; by default its own). */
export function storeRecord(
  item: ExportItem,
  image: StoreImage,
  sortKey: string,
  source: string,
  runnerId: string | null,
  place?: { boxSortKey: string; boxIndex: number },
): StoreRecord {
  const { record } = item;
  const context = recordContext(record);
  const attemptId = record.attempt_id ? record.attempt_id : null;
  return {
    keyHash: keyHash(item.key),
    sortKey,
    image,
    actionId: record.action_id,
    attemptId,
    actionType: context.action_type,
    timestamp: context.timestamp,
    activeStates: context.active_states,
    success: context.success,
    hasMatch: Boolean(record.match_summary),
    hasClick: Boolean(record.clicked_location),
    source,
    runnerId,
    boxes: item.annotations.map(storeBox),
    boxSortKey: place?.boxSortKey ?? sortKey,
    boxIndex: place?.boxIndex ?? 0,
  };
}

/** The first text field of a record PostgreSQL cannot hold (text holds no NUL character), for a message; undefined when all can be stored. */
export function unstorableText(r: StoreRecord): string | undefined {
  const nul = (s: string | null) => s !== null && s.includes("\u0000");
  if (nul(r.actionId)) return "action_id";
  if (nul(r.attemptId)) return "attempt_id";
  if (nul(r.actionType)) return "action_type";
  if (r.activeStates.some(nul)) return "active_states";
  for (const b of r.boxes) if (nul(b.categoryName) || nul(b.source)) return "a box's category or source";
  return undefined;
}
