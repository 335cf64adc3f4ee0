import { promises as fs, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { type Category, ConfigError, type DatasetImage, DatasetError, type LabeledAnnotation, type Logger, silentLogger, tempPathFor } from "@qontinui/export-core";
import {
  type AnnotationFile,
  type CategoryLookup,
  categoryLookup,
  type DatasetReader,
  checkStoredBox,
  type ImageProblem,
  type ManifestLine,
  type ManifestProblem,
  type Metadata,
  openDataset,
  StoredBoxProblem,
} from "@qontinui/intermediate-format";
import { z } from "zod";
import {
  DEFAULT_SOURCE_MAP,
  fitText,
  REVIEW_STATUSES,
  type ReviewStatus,
  reviewStatusOf,
  WEB_LIMITS,
  WEB_SOURCES,
  webBox,
  webCategoryNames,
  webElementType,
  type WebSource,
  webSource,
  webTimestamp,
} from "./web-fields.js";
import { END_RECORD_MAX_BYTES, storedEntryBytes, ZipSourceError, ZipWriter } from "./zip-writer.js";

/**
 * What `writeWebZip` reads a dataset through: exactly these members of the
 * dataset reader (`openDataset(dir)`, or a store implementing the same shape,
 * such as the PostgreSQL-backed one). Only one image is held at a time.
 */
export type WebZipDatasetReader = Pick<DatasetReader, "metadata" | "categories" | "manifest" | "imageIds" | "readAnnotationFile" | "image"> & Partial<Pick<DatasetReader, "writerActive">>;

export interface WebZipProgress {
  imagesDone: number;
  imagesTotal: number;
  /** 1-based number of the ZIP being written. */
  shard: number;
  /** Bytes in the ZIP being written so far. */
  shardBytes: number;
}

export interface WebZipOptions {
  /** Most images in one ZIP; the next image starts the next ZIP. Default 1000 (see README: their import). */
  maxImagesPerZip?: number;
  /** Most bytes of one ZIP file (headers and all). Default 256 MiB. */
  maxBytesPerZip?: number;
  /** Added to our 0-based category ids (0: the ids of the dataset and of the runner's own exports; 1: COCO's convention). Default 0. */
  categoryIdBase?: 0 | 1;
  /** Also write boxes whose `review_status` is `rejected` (their import would make them `pending` again). Default false. */
  includeRejected?: boolean;
  /** Deflate the JSON entries (annotation files, metadata.json) where that makes them smaller; images and manifest.jsonl are always stored. Default true. */
  compressJson?: boolean;
  /** Our `source` → theirs, over DEFAULT_SOURCE_MAP (unlisted sources become `template_matching`). */
  sourceMap?: Record<string, WebSource>;
  /** Written as metadata.json's `description`. Default: the dataset's. */
  description?: string;
  logger?: Logger;
  onProgress?: (p: WebZipProgress) => void;
  signal?: AbortSignal;
  /** Test hook: ZIP64 fields on every entry (see ZipWriterOptions). */
  forceZip64?: boolean;
}

export interface WebZipShard {
  file: string;
  images: number;
  annotations: number;
  bytes: number;
}

export interface WebZipResult {
  /** The ZIPs written, in order: F.zip, F-2.zip, … (absolute paths). */
  files: string[];
  shards: WebZipShard[];
  images: number;
  annotations: number;
  /** Images left out (image missing, unreadable, larger than a ZIP may be). */
  skippedImages: number;
  /** Boxes left out (invalid, less than a pixel inside the image, rejected). */
  skippedAnnotations: number;
  /** Why, by reason: counts of images, boxes and manifest lines left out. */
  skipped: Record<string, number>;
  /** Values changed to fit their columns, by reason (cut names and ids, clipped boxes). */
  repaired: Record<string, number>;
  /** Boxes written, by review status. */
  reviewStatus: Record<ReviewStatus, number>;
  /** Shards of an earlier, larger export beside the output (F-<n>.zip past the last written): not part of this export. */
  staleFiles: string[];
}

/** Why an image or a box was left out, or changed. */
export const WebZipReason = {
  ImageMissing: "image_missing",
  ImageUnreadable: "image_unreadable",
  ImageTooLarge: "image_larger_than_zip_cap",
  ManifestLineInvalid: "manifest_line_invalid",
  BoxUnderOnePixel: "box_under_one_pixel",
  BoxRejected: "box_review_rejected",
  BoxClipped: "box_clipped",
  CategoryNameCut: "category_name_cut",
  ActionIdCut: "action_id_cut",
  ActionTypeCut: "action_type_cut",
  VersionCut: "dataset_version_cut",
} as const;

export const DEFAULT_MAX_IMAGES_PER_ZIP = 1000;
export const DEFAULT_MAX_BYTES_PER_ZIP = 256 * 1024 * 1024;
/** The least a ZIP cap can be: room for the manifest, metadata.json and the end records. */
const MIN_BYTES_PER_ZIP = 64 * 1024;
/** Their `training_datasets.dataset_version` column (from metadata.json's `version`). */
const VERSION_LIMIT = 50;
const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".webp", ".gif"]);
const WARNINGS_PER_REASON = 5;

const optionsSchema = z.object({
  maxImagesPerZip: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_IMAGES_PER_ZIP),
  maxBytesPerZip: z.number().int().min(MIN_BYTES_PER_ZIP).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_BYTES_PER_ZIP),
  categoryIdBase: z.union([z.literal(0), z.literal(1)]).default(0),
  includeRejected: z.boolean().default(false),
  compressJson: z.boolean().default(true),
  sourceMap: z.record(z.string(), z.enum(WEB_SOURCES)).optional(),
  description: z.string().optional(),
  forceZip64: z.boolean().default(false),
});

/** Names of the entries: fixed, ASCII, unique by image id (their import finds files by the end of their names). */
export const MANIFEST_ENTRY = "manifest.jsonl";
export const METADATA_ENTRY = "metadata.json";
export const imageEntry = (id: string, ext: string) => `images/${id}${ext}`;
export const annotationEntry = (id: string) => `annotations/${id}.json`;

/** The file of shard `n` (1-based): `F.zip`, then `F-2.zip`, `F-3.zip`, … */
export function shardFileName(outFile: string, n: number): string {
  if (n === 1) return outFile;
  const ext = path.extname(outFile);
  return `${outFile.slice(0, outFile.length - ext.length)}-${n}${ext}`;
}

/** The first manifest line of an image: what its one line in the web manifest says. */
interface ImageFacts {
  actionId: unknown;
  actionType: unknown;
  timestamp: unknown;
  activeStates: unknown;
  reviewed: boolean;
}

interface OpenShard {
  index: number;
  target: string;
  temp: string;
  zip: ZipWriter;
  manifestTemp: string;
  manifest: FileHandle;
  manifestBytes: number;
  images: number;
  annotations: number;
  review: Record<ReviewStatus, number>;
}

interface FinishedShard {
  target: string;
  temp: string;
  summary: WebZipShard;
}

const zeroReview = (): Record<ReviewStatus, number> => ({ pending: 0, approved: 0, rejected: 0, flagged: 0 });

/**
 * Writes a dataset as the ZIP(s) qontinui-web's dataset import accepts
 * (docs/WEB_IMPORT.md): `manifest.jsonl` with one line per image (the fields
 * it reads, width and height always), `images/<id>.<ext>` stored as they are,
 * `annotations/<id>.json` with its enums and integer pixel boxes, our review
 * status on every box, and `metadata.json`. A dataset larger than one ZIP may
 * be (`maxImagesPerZip`, `maxBytesPerZip`) becomes several: `F.zip`,
 * `F-2.zip`, …, each a whole dataset of its own for the import.
 *
 * Streaming: one image at a time, copied through a fixed buffer; the only
 * thing kept per image is its first manifest line's few facts. Every ZIP is
 * written to a temp file beside its target and renamed into place once all are
 * complete; the same dataset gives the same bytes.
 */
export async function writeWebZip(dataset: string | WebZipDatasetReader, outFile: string, options: WebZipOptions = {}): Promise<WebZipResult> {
  const parsed = optionsSchema.safeParse({ ...options, logger: undefined, onProgress: undefined, signal: undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`web-zip option ${issue.path.join(".") || "(options)"}: ${issue.message}`);
  }
  const opts = parsed.data;
  const logger = options.logger ?? silentLogger;
  const signal = options.signal;
  if (typeof outFile !== "string" || outFile.trim() === "") throw new ConfigError("web-zip needs an output file (e.g. dataset.zip)");
  const out = path.resolve(outFile);
  const reader = typeof dataset === "string" ? await openDataset(dataset) : dataset;
  if (await reader.writerActive?.()) {
    logger.warn(`web-zip: an export is writing this dataset, or one was interrupted: boxes it has not finished writing are not in the ZIP; let it finish, or run the same export again, then write the ZIP`);
  }
  const metadata = reader.metadata;
  if (!metadata || typeof metadata !== "object" || typeof metadata.category_map !== "object" || metadata.category_map === null) {
    throw new DatasetError("the dataset reader has no metadata with a category_map; is it an intermediate dataset?");
  }
  const lookup: CategoryLookup = categoryLookup(metadata.category_map);
  const categories = reader.categories();
  const { names: webNames, cut: namesCut } = webCategoryNames(categories);
  const sourceMap = { ...DEFAULT_SOURCE_MAP, ...(opts.sourceMap ?? {}) };

  const skipped = new Map<string, number>();
  const repaired = new Map<string, number>();
  const warned = new Map<string, number>();
  let skippedImages = 0;
  let skippedAnnotations = 0;
  const count = (into: Map<string, number>, reason: string, n = 1) => into.set(reason, (into.get(reason) ?? 0) + n);
  const warnOnce = (reason: string, message: string) => {
    const n = (warned.get(reason) ?? 0) + 1;
    warned.set(reason, n);
    if (n <= WARNINGS_PER_REASON) logger.warn(message);
  };
  const skipImage = (id: string, reason: string, message: string) => {
    skippedImages++;
    count(skipped, reason);
    warnOnce(reason, `web-zip: image ${id} left out (${reason}): ${message}`);
  };
  const skipBox = (id: string, reason: string, message: string) => {
    skippedAnnotations++;
    count(skipped, reason);
    warnOnce(reason, `web-zip: a box of image ${id} left out (${reason}): ${message}`);
  };
  if (namesCut > 0) count(repaired, WebZipReason.CategoryNameCut, namesCut);

  // The one pass over the manifest: order of first appearance, and each image's first line.
  const facts = new Map<string, ImageFacts>();
  const onManifestProblem = (p: ManifestProblem) => {
    count(skipped, WebZipReason.ManifestLineInvalid);
    warnOnce(WebZipReason.ManifestLineInvalid, `web-zip: manifest line ${p.line} left out: ${p.message}`);
  };
  for await (const { entry } of reader.manifest(onManifestProblem)) {
    const known = facts.get(entry.id);
    if (known) {
      known.reviewed &&= entry.reviewed === true;
      continue;
    }
    facts.set(entry.id, { actionId: entry.action_id, actionType: entry.action_type, timestamp: entry.timestamp, activeStates: entry.active_states, reviewed: entry.reviewed === true });
  }

  const version = fitText(String(metadata.dataset_version ?? "1.0.0"), VERSION_LIMIT);
  if (version.cut) count(repaired, WebZipReason.VersionCut);
  const metadataFor = (shard: { index: number; images: number; annotations: number; review: Record<ReviewStatus, number> }) => ({
    // Their import stores this whole object as the dataset's export_metadata and `version` as its dataset_version.
    version: version.text,
    format: "qontinui-web-zip",
    format_version: 1,
    exporter: "@qontinui/web-exchange",
    description: opts.description ?? (typeof metadata.description === "string" ? metadata.description : ""),
    shard: { number: shard.index, images: shard.images, annotations: shard.annotations },
    source_dataset: {
      dataset_version: metadata.dataset_version ?? null,
      created: metadata.created ?? null,
      total_images: metadata.total_images ?? null,
      total_annotations: metadata.total_annotations ?? null,
    },
    category_id_base: opts.categoryIdBase,
    categories: categories.map((c) => ({ id: c.id + opts.categoryIdBase, name: webNames.get(c.id)! })),
    review_status_counts: shard.review,
    total_images: shard.images,
    total_annotations: shard.annotations,
  });
  // metadata.json's size with every count at its widest: what each ZIP keeps room for.
  const wide = 1e15;
  const metadataReserve = storedEntryBytes(
    METADATA_ENTRY,
    Buffer.byteLength(JSON.stringify(metadataFor({ index: wide, images: wide, annotations: wide, review: { pending: wide, approved: wide, rejected: wide, flagged: wide } }), null, 2)),
  );
  const fixedReserve = metadataReserve + storedEntryBytes(MANIFEST_ENTRY, 0) + END_RECORD_MAX_BYTES;

  const finished: FinishedShard[] = [];
  let shard: OpenShard | undefined;
  const review = zeroReview();
  let images = 0;
  let annotations = 0;
  const total = facts.size;
  let done = 0;

  const openShard = async (index: number): Promise<OpenShard> => {
    const target = shardFileName(out, index);
    const temp = tempPathFor(target);
    const manifestTemp = tempPathFor(`${target}.manifest`);
    const zip = await ZipWriter.create(temp, { forceZip64: opts.forceZip64 });
    let manifest: FileHandle;
    try {
      manifest = await fs.open(manifestTemp, "wx");
    } catch (e) {
      await zip.abort();
      await fs.rm(temp, { force: true });
      throw e;
    }
    return { index, target, temp, zip, manifestTemp, manifest, manifestBytes: 0, images: 0, annotations: 0, review: zeroReview() };
  };

  const closeShard = async (s: OpenShard): Promise<void> => {
    await s.manifest.close();
    await s.zip.addFile(MANIFEST_ENTRY, s.manifestTemp);
    await fs.rm(s.manifestTemp, { force: true });
    const meta = Buffer.from(JSON.stringify(metadataFor(s), null, 2));
    await s.zip.addBuffer(METADATA_ENTRY, meta, { compress: opts.compressJson });
    const bytes = await s.zip.finish();
    if (bytes > opts.maxBytesPerZip) logger.warn(`web-zip: ${path.basename(s.target)} is ${bytes} bytes, over the ${opts.maxBytesPerZip}-byte cap (a bug: please report)`);
    finished.push({ target: s.target, temp: s.temp, summary: { file: s.target, images: s.images, annotations: s.annotations, bytes } });
    logger.info(`web-zip: ${path.basename(s.target)}: ${s.images} images, ${s.annotations} boxes, ${bytes} bytes`);
  };

  const discardOpen = async (s: OpenShard) => {
    await s.zip.abort();
    await s.manifest.close().catch(() => {});
    await fs.rm(s.temp, { force: true });
    await fs.rm(s.manifestTemp, { force: true });
  };
  const discard = async () => {
    if (shard) await discardOpen(shard);
    for (const f of finished) await fs.rm(f.temp, { force: true });
  };

  try {
    await fs.mkdir(path.dirname(out), { recursive: true });
    shard = await openShard(1);
    for (const [id, fact] of facts) {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      let image: DatasetImage;
      let doc: AnnotationFile | undefined;
      try {
        image = await reader.image(id, (p) => {
          // Box problems are counted below, from the stored boxes themselves.
          if (!(Object.values(StoredBoxProblem) as string[]).includes(p.reason)) warnOnce(p.reason, `web-zip: image ${id}: ${p.message}`);
        });
        doc = await reader.readAnnotationFile(id);
      } catch (e) {
        skipImage(id, WebZipReason.ImageUnreadable, (e as Error).message);
        continue;
      }
      const ext = path.extname(image.fileName).toLowerCase();
      let stat: Stats;
      try {
        stat = await fs.stat(image.path);
        if (!stat.isFile()) throw new Error(`${image.path} is not a file`);
      } catch (e) {
        skipImage(id, WebZipReason.ImageMissing, (e as NodeJS.ErrnoException).code === "ENOENT" ? `${image.path} does not exist` : (e as Error).message);
        continue;
      }
      if (!IMAGE_EXTENSIONS.has(ext)) {
        skipImage(id, WebZipReason.ImageUnreadable, `${image.fileName} is not a .png, .jpg, .webp or .gif file`);
        continue;
      }

      const built = buildAnnotations(id, image, doc, lookup, webNames, sourceMap, opts, skipBox, (reason) => count(repaired, reason));
      const annotationDoc = {
        image_id: id,
        image_filename: `${id}${ext}`,
        image_width: image.width,
        image_height: image.height,
        annotations: built.boxes,
        context: {
          action_type: fitText(typeof fact.actionType === "string" ? fact.actionType : "", WEB_LIMITS.actionType).text || null,
          active_states: activeStates(image.activeStates.length > 0 ? image.activeStates : fact.activeStates),
          timestamp: webTimestamp(fact.timestamp ?? image.context?.timestamp),
          success: typeof image.context?.success === "boolean" ? image.context.success : null,
        },
        version: version.text,
      };
      const annotationBytes = Buffer.from(JSON.stringify(annotationDoc));
      const line = `${JSON.stringify(manifestLine(id, ext, image, fact, (reason) => count(repaired, reason)))}\n`;
      const lineBytes = Buffer.byteLength(line);
      const cost = storedEntryBytes(imageEntry(id, ext), stat.size) + storedEntryBytes(annotationEntry(id), annotationBytes.length) + lineBytes;
      const projected = (s: OpenShard) => s.zip.bytesWritten + s.zip.centralDirectoryBytes + s.manifestBytes + fixedReserve + cost;

      if (fixedReserve + cost > opts.maxBytesPerZip) {
        skipImage(id, WebZipReason.ImageTooLarge, `${stat.size} bytes do not fit in a ${opts.maxBytesPerZip}-byte ZIP (raise maxBytesPerZip)`);
        continue;
      }
      if (shard.images > 0 && (shard.images >= opts.maxImagesPerZip || projected(shard) > opts.maxBytesPerZip)) {
        const next = shard.index + 1;
        await closeShard(shard);
        shard = undefined;
        shard = await openShard(next);
      }

      const mark = shard.zip.mark();
      try {
        await shard.zip.addFile(imageEntry(id, ext), image.path, stat);
      } catch (e) {
        if (!(e instanceof ZipSourceError)) throw e;
        shard.zip.rollback(mark);
        skipImage(id, WebZipReason.ImageUnreadable, (e as Error).message);
        continue;
      }
      await shard.zip.addBuffer(annotationEntry(id), annotationBytes, { compress: opts.compressJson });
      await shard.manifest.write(line);
      shard.manifestBytes += lineBytes;
      shard.images++;
      shard.annotations += built.boxes.length;
      images++;
      annotations += built.boxes.length;
      for (const s of REVIEW_STATUSES) {
        shard.review[s] += built.review[s];
        review[s] += built.review[s];
      }
      done++;
      options.onProgress?.({ imagesDone: done, imagesTotal: total, shard: shard.index, shardBytes: shard.zip.bytesWritten });
    }
    if (shard.images === 0 && finished.length > 0) {
      // Opened for an image that could not be read after all: no empty ZIP at the end.
      await discardOpen(shard);
    } else {
      await closeShard(shard);
    }
    shard = undefined;
    // All complete: only now does any target change.
    for (const f of finished) await fs.rename(f.temp, f.target);
  } catch (e) {
    await discard();
    throw e;
  }

  const staleFiles: string[] = [];
  for (let n = finished.length + 1; ; n++) {
    const file = shardFileName(out, n);
    try {
      await fs.access(file);
      staleFiles.push(file);
    } catch {
      break;
    }
  }
  if (staleFiles.length > 0) {
    logger.warn(`web-zip: ${staleFiles.map((f) => path.basename(f)).join(", ")} ${staleFiles.length === 1 ? "is" : "are"} left from an earlier export and not part of this one; remove before uploading`);
  }
  for (const [reason, n] of warned) if (n > WARNINGS_PER_REASON) logger.warn(`web-zip: ${n - WARNINGS_PER_REASON} more "${reason}" not shown`);

  return {
    files: finished.map((f) => f.target),
    shards: finished.map((f) => f.summary),
    images,
    annotations,
    skippedImages,
    skippedAnnotations,
    skipped: Object.fromEntries(skipped),
    repaired: Object.fromEntries(repaired),
    reviewStatus: review,
    staleFiles,
  };
}

function activeStates(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** One image's line in manifest.jsonl: the keys their import reads (docs/WEB_IMPORT.md), plus ours it ignores. */
function manifestLine(id: string, ext: string, image: DatasetImage, fact: ImageFacts, repaired: (reason: string) => void): Record<string, unknown> {
  const text = (value: unknown, max: number, reason: string): string | null => {
    if (typeof value !== "string" || value === "") return null;
    const fitted = fitText(value, max);
    if (fitted.cut) repaired(reason);
    return fitted.text;
  };
  return {
    image_path: imageEntry(id, ext),
    annotation_path: annotationEntry(id),
    width: image.width,
    height: image.height,
    action_id: text(fact.actionId, WEB_LIMITS.actionId, WebZipReason.ActionIdCut),
    action_type: text(fact.actionType ?? image.context?.action_type, WEB_LIMITS.actionType, WebZipReason.ActionTypeCut),
    active_states: activeStates(fact.activeStates ?? image.activeStates),
    timestamp: webTimestamp(fact.timestamp ?? image.context?.timestamp),
    image_id: id,
    reviewed: fact.reviewed,
  };
}

interface BuiltAnnotations {
  boxes: Record<string, unknown>[];
  review: Record<ReviewStatus, number>;
}

/**
 * An image's boxes in their annotation form. Read from the stored document
 * (where `review_status` and our other fields live), each checked as every
 * reader checks a stored box; a reader that gives boxes only through
 * `image()` has them written as pending.
 */
function buildAnnotations(
  id: string,
  image: DatasetImage,
  doc: AnnotationFile | undefined,
  lookup: CategoryLookup,
  webNames: Map<number, string>,
  sourceMap: Readonly<Record<string, WebSource>>,
  opts: { categoryIdBase: 0 | 1; includeRejected: boolean },
  skipBox: (id: string, reason: string, message: string) => void,
  repaired: (reason: string) => void,
): BuiltAnnotations {
  const boxes: Record<string, unknown>[] = [];
  const review = zeroReview();
  const stored: { box: LabeledAnnotation; raw: unknown; index: number }[] = [];
  if (Array.isArray(doc?.annotations)) {
    doc.annotations.forEach((raw, index) => {
      const checked = checkStoredBox(raw, lookup, image.width, image.height);
      if (checked.ok) stored.push({ box: checked.annotation, raw, index });
      else skipBox(id, checked.reason, `annotations/${id}.json box ${index}: ${checked.message}`);
    });
  } else {
    image.annotations.forEach((box, index) => stored.push({ box, raw: undefined, index }));
  }
  for (const { box, raw, index } of stored) {
    const status = reviewStatusOf(raw);
    if (status === "rejected" && !opts.includeRejected) {
      skipBox(id, WebZipReason.BoxRejected, `box ${index} (${box.categoryName}) was rejected in review`);
      continue;
    }
    const bbox = webBox(box.bbox, image.width, image.height);
    if (!bbox) {
      skipBox(id, WebZipReason.BoxUnderOnePixel, `box ${index} [${box.bbox.join(", ")}] has less than a pixel inside the ${image.width}×${image.height} image`);
      continue;
    }
    const [x, y, w, h] = box.bbox;
    if (x < 0 || y < 0 || x + w > image.width || y + h > image.height) repaired(WebZipReason.BoxClipped);
    const inference = box.metadata?.inference_metadata;
    const ours = inference !== null && typeof inference === "object" && !Array.isArray(inference) ? (inference as Record<string, unknown>) : {};
    boxes.push({
      bbox: bbox,
      category_id: box.categoryId + opts.categoryIdBase,
      category_name: webNames.get(box.categoryId) ?? fitText(box.categoryName, WEB_LIMITS.categoryName).text,
      confidence: box.confidence,
      source: webSource(box.source, sourceMap),
      element_type: webElementType(ours),
      verified: box.verified,
      review_status: status,
      inference_metadata: {
        ...ours,
        // What applyWebReview finds the box by when it comes back, whatever was changed there.
        qontinui_export: { image_id: id, index, bbox: box.bbox, category: box.categoryName, source: box.source },
      },
    });
    review[status]++;
  }
  return { boxes, review };
}
