import type { SplitOptions } from "@qontinui/export-core";

/** How `convertVoc`, `vocWriter` and `toVoc` write a Pascal VOC layout. */
export interface VocOptions {
  /** The output directory (created when missing). */
  outDir: string;
  /** Train/val/test split; without one, every image is listed in `ImageSets/Main/train.txt`. */
  split?: SplitOptions;
  /** "copy" (default) or "hardlink" (falls back to a copy across filesystems or where links are refused). */
  imageMode?: "copy" | "hardlink";
  /** Write into a non-empty directory that is not a previous VOC output. */
  force?: boolean;
  /** Called after each image: images written so far of the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What a VOC conversion wrote. */
export interface VocSummary {
  outDir: string;
  /** Images written (one XML and one image file each). */
  images: number;
  /** Boxes written as <object>. */
  boxes: number;
  /** Boxes left out because they were empty after rounding and clamping to the image. */
  boxesDropped: number;
  /** Characters not allowed in XML 1.0 (control characters other than tab, LF, CR) removed from names and sources. */
  invalidCharsStripped: number;
  /** Images hard-linked rather than copied (imageMode "hardlink"). */
  imagesLinked: number;
  /** Images per split, e.g. { train: 70, val: 20, test: 10 }; { train: n } without a split. */
  splits: Record<string, number>;
}
