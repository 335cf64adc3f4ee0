import type { LabeledAnnotation } from "./annotation.js";

/**
 * One image of a dataset with all its boxes: what format converters (COCO,
 * YOLO, VOC, custom formats) consume, whether the images come from a running
 * pipeline or from an intermediate dataset directory on disk.
 */
export interface DatasetImage {
  /** Content id: first 16 hex characters of the SHA-256 of the image bytes. */
  id: string;
  /** File name inside the dataset's images directory, e.g. "3f2a…c1.png". */
  fileName: string;
  /** Absolute path of the image file to copy or link. */
  path: string;
  width: number;
  height: number;
  /** 1–4; 3 when unknown. */
  channels: number;
  /** Boxes with 0-based registry category ids. */
  annotations: LabeledAnnotation[];
  /** Active states before the action (the seed's `context.active_states`). */
  activeStates: string[];
  /** The seed's `context` (action_type, timestamp, success…), when known. */
  context?: Record<string, unknown>;
}
