import { type DatasetInput, datasetReader, type ManifestProblem } from "@qontinui/intermediate-format";

export interface CategoryStats {
  id: number;
  name: string;
  /** Boxes of this category. */
  boxes: number;
  /** Distinct images with at least one box of this category. */
  images: number;
}

export interface HistogramBin {
  /** Inclusive lower bound. */
  from: number;
  /** Exclusive upper bound (inclusive for the last bin, so 1.0 counts). */
  to: number;
  count: number;
}

export interface DatasetStats {
  /** The dataset directory as given. */
  dir: string;
  /** Valid lines of manifest.jsonl: one per exported action record. */
  records: number;
  /** Distinct image ids in the manifest (after content deduplication). */
  images: number;
  /** records − images: records whose screenshot was already in the dataset (what dedup saved). */
  duplicateRecords: number;
  /** The most manifest records that point at one image. */
  maxRecordsPerImage: number;
  /** Distinct images with at least one manifest line marked reviewed. */
  reviewedImages: number;
  /** Manifest lines marked reviewed. */
  reviewedRecords: number;
  /** Total boxes over all distinct images. */
  boxes: number;
  /** Boxes marked verified (confirmed by a person's action). */
  verifiedBoxes: number;
  /** verifiedBoxes / boxes, 0 when there are no boxes. */
  verifiedShare: number;
  /** Distinct images with no box at all. */
  imagesWithoutBoxes: number;
  /** Per category (all of metadata's categories, plus any only seen in annotations), by id. */
  categories: CategoryStats[];
  /** Boxes per source (template_matching, user_click…), largest first. */
  boxesBySource: Record<string, number>;
  /** Box confidences in 10 bins [0,0.1) … [0.9,1.0]; values outside [0,1] are clamped. */
  confidenceHistogram: HistogramBin[];
  /** Images per size, "WIDTHxHEIGHT" → count, most common first. */
  imageSizes: Record<string, number>;
  /** Manifest lines passed over (malformed JSON, bad id). */
  manifestProblems: number;
  /** Images whose annotation or image file could not be read; not in the box counts. */
  unreadableImages: number;
}

const BINS = 10;

/**
 * Statistics of an intermediate dataset, streamed: the manifest is read line
 * by line and each image's annotations one at a time, so only image ids and
 * counters are held in memory.
 */
export async function datasetStats(from: DatasetInput): Promise<DatasetStats> {
  const dataset = await datasetReader(from);
  const problems: ManifestProblem[] = [];
  const onProblem = (p: ManifestProblem) => problems.push(p);

  let records = 0;
  let reviewedRecords = 0;
  const recordsPerImage = new Map<string, number>();
  const reviewed = new Set<string>();
  for await (const { entry } of dataset.manifest(onProblem)) {
    records++;
    recordsPerImage.set(entry.id, (recordsPerImage.get(entry.id) ?? 0) + 1);
    if (entry.reviewed === true) {
      reviewedRecords++;
      reviewed.add(entry.id);
    }
  }

  const categories = new Map<number, CategoryStats>();
  for (const c of dataset.categories()) categories.set(c.id, { id: c.id, name: c.name, boxes: 0, images: 0 });
  const bySource = new Map<string, number>();
  const sizes = new Map<string, number>();
  const histogram = Array.from({ length: BINS }, () => 0);
  let boxes = 0;
  let verifiedBoxes = 0;
  let imagesWithoutBoxes = 0;
  let unreadableImages = 0;

  for (const id of recordsPerImage.keys()) {
    let image;
    try {
      image = await dataset.image(id);
    } catch {
      unreadableImages++;
      continue;
    }
    const size = `${image.width}x${image.height}`;
    sizes.set(size, (sizes.get(size) ?? 0) + 1);
    if (image.annotations.length === 0) imagesWithoutBoxes++;
    const seenHere = new Set<number>();
    for (const a of image.annotations) {
      boxes++;
      if (a.verified) verifiedBoxes++;
      bySource.set(a.source, (bySource.get(a.source) ?? 0) + 1);
      histogram[confidenceBin(a.confidence)]!++;
      let cat = categories.get(a.categoryId);
      if (!cat) {
        cat = { id: a.categoryId, name: a.categoryName, boxes: 0, images: 0 };
        categories.set(a.categoryId, cat);
      }
      cat.boxes++;
      if (!seenHere.has(a.categoryId)) {
        seenHere.add(a.categoryId);
        cat.images++;
      }
    }
  }

  const images = recordsPerImage.size;
  let maxRecordsPerImage = 0;
  for (const n of recordsPerImage.values()) if (n > maxRecordsPerImage) maxRecordsPerImage = n;
  return {
    dir: dataset.location,
    records,
    images,
    duplicateRecords: records - images,
    maxRecordsPerImage,
    reviewedImages: reviewed.size,
    reviewedRecords,
    boxes,
    verifiedBoxes,
    verifiedShare: boxes === 0 ? 0 : verifiedBoxes / boxes,
    imagesWithoutBoxes,
    categories: [...categories.values()].sort((a, b) => a.id - b.id),
    boxesBySource: sortedRecord(bySource),
    confidenceHistogram: histogram.map((count, i) => ({ from: round1(i / BINS), to: round1((i + 1) / BINS), count })),
    imageSizes: sortedRecord(sizes),
    manifestProblems: problems.length,
    unreadableImages,
  };
}

/** The histogram bin (0–9) of a confidence; 1.0 falls in the last bin, NaN in the first. */
export function confidenceBin(confidence: number): number {
  if (!Number.isFinite(confidence) || confidence <= 0) return 0;
  if (confidence >= 1) return BINS - 1;
  // Guard against float error (0.3 * 10 = 2.9999…) by a small epsilon.
  return Math.min(BINS - 1, Math.floor(confidence * BINS + 1e-9));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out[k] = v;
  return out;
}
