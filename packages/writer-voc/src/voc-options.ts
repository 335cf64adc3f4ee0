import type { Logger, SplitOptions } from "@qontinui/export-core";

/** How `convertVoc`, `vocWriter` and `toVoc` write a Pascal VOC layout. */
export interface VocOptions {
  /** The output directory (created when missing). */
  outDir: string;
  /** Train/val/test split; without one, every image is in `train.txt` and `trainval.txt`, and `val.txt` is empty. */
  split?: SplitOptions;
  /** "copy" (default) or "hardlink" (falls back to a copy across filesystems or where links are refused). Applies to files placed as they are: JPEG inputs, and every image with `keepOriginal`. */
  imageMode?: "copy" | "hardlink";
  /** JPEG quality (integer 1–100) of images transcoded to JPEG; default 95. */
  quality?: number;
  /**
   * Keep each image's own bytes and extension in JPEGImages/ (PNG stays PNG) instead of writing
   * `<id>.jpg`. torchvision's VOCDetection will not load such an output: it opens `JPEGImages/<id>.jpg`.
   */
  keepOriginal?: boolean;
  /** Images transcoded at the same time (default 2: libvips encodes one image on one thread here). */
  concurrency?: number;
  /** Write into a non-empty directory that is not a previous VOC output. */
  force?: boolean;
  /** Keep near-identical boxes different labelers put on one element (default false: merged, see mergeDuplicateBoxes). */
  keepDuplicates?: boolean;
  /** Called after each image: images written so far of the total. */
  onProgress?: (done: number, total: number) => void;
  /** Told about images that could not be transcoded, the `keepOriginal` caveat and (`toVoc`) torn manifest lines. */
  logger?: Logger;
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
  /** "jpeg": JPEGImages/<stem>.jpg are JPEG files (the default); "original": the images' own bytes and extensions (`keepOriginal`). */
  imageFiles: "jpeg" | "original";
  /** JPEG quality of transcoded images (absent with `keepOriginal`). */
  quality?: number;
  /** Images encoded to JPEG (PNG, WebP, GIF inputs). */
  imagesTranscoded: number;
  /** Images placed byte for byte, copied or hard-linked (JPEG inputs; every image with `keepOriginal`). */
  imagesPlaced: number;
  /** Of those, images hard-linked rather than copied (imageMode "hardlink"). */
  imagesLinked: number;
  /** Images left out (no XML, in no ImageSets file) because they could not be decoded; each is named in a logger warning. */
  imagesSkipped: number;
  /** Images per split, e.g. { train: 70, val: 20, test: 10 }; { train: n } without a split. */
  splits: Record<string, number>;
  /** Boxes merged into another box of the same element (see keepDuplicates). */
  duplicatesMerged: number;
  /** Set when the output is not loadable by torchvision's VOCDetection (`keepOriginal` with files not named `<stem>.jpg`): why. */
  warning?: string;
}
