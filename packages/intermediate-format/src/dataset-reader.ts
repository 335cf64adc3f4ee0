import { promises as fs } from "node:fs";
import path from "node:path";
import { type Category, type DatasetImage, DatasetError, DEFAULT_MAX_LINE_BYTES, type LabeledAnnotation, readImageInfo, readJsonLines } from "@qontinui/export-core";
import { type AnnotationFile, datasetPaths, type DatasetPaths, IMAGE_ID_PATTERN, type ManifestEntry, type Metadata } from "./layout.js";
import { type DatasetInput, type DatasetReader, isDatasetReader } from "./reader.js";
import { type CategoryLookup, categoryLookup, checkStoredBox } from "./stored-box-check.js";

export interface ManifestLine {
  entry: ManifestEntry;
  /** 1-based line number in manifest.jsonl. */
  line: number;
}

export interface ManifestProblem {
  line: number;
  message: string;
}

/** Something in an image's annotation file not used as data (a bad box, a file name that is not the image's). */
export interface ImageProblem {
  imageId: string;
  /** A StoredBoxProblem reason, or `stored_filename_invalid` / `stored_size_invalid`. */
  reason: string;
  message: string;
}

/** The largest annotation file read (64 MiB). */
export const MAX_ANNOTATION_FILE_BYTES = 64 * 1024 * 1024;

/** `<id>.<ext>`: the only file names the reader takes from an annotation file. */
const IMAGE_FILE_NAME = /^([0-9a-f]{16})\.(png|jpg|jpeg|webp|gif)$/;

/**
 * Reads an intermediate dataset directory: ours, or one the Python runner's
 * seed exporter wrote (string hash ids, 0-based categories, annotation files
 * only for images with boxes). Streaming: only image ids are kept in memory.
 */
export class IntermediateDataset implements DatasetReader {
  readonly paths: DatasetPaths;
  readonly location: string;
  readonly imagesDir: string;
  private readonly categoryIndex: CategoryLookup;
  /** Longest manifest line read (longer ones are reported and passed over). */
  maxLineBytes = DEFAULT_MAX_LINE_BYTES;

  private constructor(
    readonly dir: string,
    readonly metadata: Metadata,
  ) {
    this.paths = datasetPaths(dir);
    this.location = this.paths.root;
    this.imagesDir = this.paths.images;
    this.categoryIndex = categoryLookup(metadata.category_map);
  }

  static async open(dir: string): Promise<IntermediateDataset> {
    const paths = datasetPaths(dir);
    let text: string;
    try {
      text = await fs.readFile(paths.metadata, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DatasetError(
        code === "ENOENT"
          ? `${dir} is not an intermediate dataset: no metadata.json (export a run into it first: qontinui-export run <run-dir> --out ${dir})`
          : `cannot read ${paths.metadata}: ${(e as Error).message}`,
      );
    }
    let metadata: Metadata;
    try {
      metadata = JSON.parse(text) as Metadata;
    } catch (e) {
      throw new DatasetError(`${paths.metadata} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof metadata !== "object" || metadata === null || typeof metadata.category_map !== "object" || metadata.category_map === null || Array.isArray(metadata.category_map)) {
      throw new DatasetError(`${paths.metadata} has no category_map; is this an intermediate dataset?`);
    }
    const owner = new Map<number, string>();
    for (const [name, id] of Object.entries(metadata.category_map)) {
      if (!Number.isInteger(id) || (id as number) < 0 || name.trim() === "") {
        throw new DatasetError(`${paths.metadata}: category_map entry ${JSON.stringify(name)}: ${JSON.stringify(id)} is not a name with a non-negative integer id`);
      }
      if (owner.has(id)) throw new DatasetError(`${paths.metadata}: categories ${JSON.stringify(owner.get(id))} and ${JSON.stringify(name)} share id ${id}`);
      owner.set(id, name);
    }
    return new IntermediateDataset(path.resolve(dir), metadata);
  }

  /** Categories by 0-based id, from metadata's category_map. */
  categories(): Category[] {
    return [...this.categoryIndex.byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.id - b.id);
  }

  /**
   * Manifest entries in order. A torn last line (a crash mid-append) or a
   * malformed line is reported through `onProblem` and passed over.
   */
  async *manifest(onProblem?: (p: ManifestProblem) => void): AsyncGenerator<ManifestLine> {
    try {
      await fs.access(this.paths.manifest);
    } catch {
      return;
    }
    // Capped lines (16 MiB: a line past it is a problem, never held in memory), Python's NaN read as null.
    for await (const item of readJsonLines(this.paths.manifest, { maxLineBytes: this.maxLineBytes })) {
      if ("problem" in item) {
        // Said as before for a broken line ("not valid JSON: …"), as core says it for a line over the cap.
        const said = item.problem.message.replace(/^\S+ line \d+: /, "");
        onProblem?.({ line: item.line, message: item.problem.reason === "line_too_long" ? said : `not valid JSON: ${said}` });
        continue;
      }
      const entry = item.value as ManifestEntry;
      if (typeof entry?.id !== "string" || !IMAGE_ID_PATTERN.test(entry.id)) {
        onProblem?.({ line: item.line, message: `id ${JSON.stringify(entry?.id)?.slice(0, 80)} is not a 16-hex-digit image id` });
        continue;
      }
      yield { entry, line: item.line };
    }
  }

  /** The distinct image ids in manifest order (first appearance). */
  async imageIds(onProblem?: (p: ManifestProblem) => void): Promise<string[]> {
    const seen = new Set<string>();
    const ids: string[] = [];
    for await (const { entry } of this.manifest(onProblem)) {
      if (!seen.has(entry.id)) {
        seen.add(entry.id);
        ids.push(entry.id);
      }
    }
    return ids;
  }

  /** Reads annotations/<id>.json, or undefined when the image has none (seed layout). */
  async readAnnotationFile(id: string): Promise<AnnotationFile | undefined> {
    const file = this.paths.annotationFile(id);
    let text: string;
    try {
      const size = (await fs.stat(file)).size;
      // Far past any real image's boxes (a 1920×1080 screen with 10,000 boxes is ~3 MB): not read into memory.
      if (size > MAX_ANNOTATION_FILE_BYTES) throw new DatasetError(`${file} is ${size} bytes, over the ${MAX_ANNOTATION_FILE_BYTES}-byte limit of an annotation file; not read`);
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as AnnotationFile;
    } catch (e) {
      throw new DatasetError(`${this.paths.annotationFile(id)} is not valid JSON: ${(e as Error).message}`);
    }
  }

  /** The image file's name for an id: from the annotation file, else found on disk (.png first). */
  async imageFileName(id: string, ann?: AnnotationFile, onProblem?: (p: ImageProblem) => void): Promise<string> {
    const named = ann?.image_filename;
    if (typeof named === "string" && IMAGE_FILE_NAME.exec(named)?.[1] === id) return named;
    if (named !== undefined) {
      onProblem?.({ imageId: id, reason: "stored_filename_invalid", message: `image_filename ${JSON.stringify(named).slice(0, 80)} is not ${id}.<png|jpg|webp|gif>; the image is looked up by its id` });
    }
    for (const ext of [".png", ".jpg", ".webp", ".gif"]) {
      try {
        await fs.access(this.paths.imageFile(id + ext));
        return id + ext;
      } catch {
        /* try the next */
      }
    }
    return `${id}.png`;
  }

  /** One image with its boxes, in the form converters consume. */
  async image(id: string, onProblem?: (p: ImageProblem) => void): Promise<DatasetImage> {
    const ann = await this.readAnnotationFile(id);
    const fileName = await this.imageFileName(id, ann, onProblem);
    const filePath = this.paths.imageFile(fileName);
    let width: number | undefined = ann?.image_width;
    let height: number | undefined = ann?.image_height;
    let channels = 3;
    const sizeOk = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 1 << 16;
    if ((width !== undefined || height !== undefined) && !(sizeOk(width) && sizeOk(height))) {
      onProblem?.({ imageId: id, reason: "stored_size_invalid", message: `image_width/height ${JSON.stringify(width)}×${JSON.stringify(height)} are not pixel counts; read from the image instead` });
      width = undefined;
      height = undefined;
    }
    if (!width || !height) {
      const info = readImageInfo(await fs.readFile(filePath));
      if (!info.ok) throw new DatasetError(`${filePath}: ${info.message}`);
      width = info.info.width;
      height = info.info.height;
      channels = info.info.channels;
    }
    const annotations: LabeledAnnotation[] = [];
    const stored = Array.isArray(ann?.annotations) ? ann.annotations : [];
    for (const a of stored) {
      const checked = checkStoredBox(a, this.categoryIndex, width, height);
      if (checked.ok) annotations.push(checked.annotation);
      else onProblem?.({ imageId: id, reason: checked.reason, message: `annotations/${id}.json: ${checked.message}; box left out` });
    }
    return {
      id,
      fileName,
      path: filePath,
      width,
      height,
      channels,
      annotations,
      activeStates: Array.isArray(ann?.context?.active_states) ? ann.context.active_states.filter((v): v is string => typeof v === "string") : [],
      ...(ann?.context ? { context: ann.context } : {}),
    };
  }

  /** Every distinct image with its boxes, in manifest order, read one at a time. */
  async *images(onProblem?: (p: ManifestProblem) => void, onImageProblem?: (p: ImageProblem) => void): AsyncGenerator<DatasetImage> {
    for (const id of await this.imageIds(onProblem)) yield await this.image(id, onImageProblem);
  }

  /** True when `.qontinui/lock` is present: an export is writing the dataset, or one was interrupted (its journal may hold boxes not yet in annotations/). */
  async writerActive(): Promise<boolean> {
    try {
      await fs.access(this.paths.lock);
      return true;
    } catch {
      return false;
    }
  }

  /** Nothing to release: files are opened per call. */
  async close(): Promise<void> {}
}

/** Opens an intermediate dataset directory for reading. */
export function openDataset(dir: string): Promise<IntermediateDataset> {
  return IntermediateDataset.open(dir);
}

/** A reader for a directory (opened here) or the reader given (left open: the caller's to close). */
export async function datasetReader(input: DatasetInput): Promise<DatasetReader> {
  if (typeof input === "string") return openDataset(input);
  if (!isDatasetReader(input)) throw new DatasetError(`${String((input as { location?: unknown })?.location ?? "the dataset given")} is not a dataset reader: it lacks some of manifest(), image(), categories()…`);
  return input;
}
