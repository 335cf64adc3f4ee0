import type { ImagePlacement, SplitOptions } from "@qontinui/export-core";

/** How images land in `images/<split>/`. */
export type YoloImageMode = ImagePlacement;

export interface YoloOptions {
  /** The output directory (created if missing). */
  outDir: string;
  /** Seeded train/val/test split; without it every image goes to `train` (and `val` points at train too). */
  split?: SplitOptions;
  /**
   * "copy" (default) copies each image, cloning copy-on-write where the
   * filesystem can; "hardlink" links to the source file (falls back to a copy
   * across filesystems or where links are not allowed). Hard links share the
   * file: do not edit the source images afterwards.
   */
  imageMode?: YoloImageMode;
  /** Write into a non-empty directory that is not a previous YOLO output. Nothing there is deleted. */
  force?: boolean;
  /** Keep near-identical boxes different labelers put on one element (default false: merged, see mergeDuplicateBoxes). */
  keepDuplicates?: boolean;
  /** Called after each image with images written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface YoloSummary {
  /** Absolute output directory. */
  outDir: string;
  /** Images written (each exactly once). */
  images: number;
  /** Label lines written. */
  boxes: number;
  /** Boxes left out: zero-size after clipping to the image, non-finite, or with an unknown class. */
  boxesDropped: number;
  /** Images per split, e.g. { train: 14, val: 3, test: 3 }. */
  splits: Record<string, number>;
  /** Absolute path of data.yaml. */
  dataYaml: string;
  /** Boxes merged into another box of the same element (see keepDuplicates). */
  duplicatesMerged: number;
}
