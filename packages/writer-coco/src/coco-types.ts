/** COCO detection JSON, as pycocotools, torchvision, detectron2 and mmdetection read it. */
export interface CocoInfo {
  description: string;
  version: string;
  year: number;
  contributor: string;
  url: string;
  date_created: string;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoImage {
  /** From 1, unique in the file. */
  id: number;
  /** Relative to the images directory. */
  file_name: string;
  width: number;
  height: number;
  /** Extra: the intermediate dataset's image id (first 16 hex of the SHA-256 of the bytes). */
  content_hash: string;
  /** Extra: the GUI states active when the screenshot was taken. */
  active_states: string[];
}

export interface CocoAnnotation {
  /** From 1, unique in the file. */
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels, clipped to the image. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  segmentation: [];
  /** Extras, ignored by loaders. */
  confidence: number;
  source: string;
  verified: boolean;
  clipped?: true;
  /** The boxes of the same element other labelers gave, merged into this one (see mergeDuplicateBoxes). */
  merged_from?: { category_name: string; source: string; bbox: number[]; confidence: number }[];
}

export interface CocoDataset {
  info: CocoInfo;
  licenses: { id: number; name: string; url: string }[];
  categories: CocoCategory[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
}
