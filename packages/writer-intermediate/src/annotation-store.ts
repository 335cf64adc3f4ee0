import { boxIdentity, type ExportItem, mergeRecordContext, recordContext, writeFileAtomic } from "@qontinui/export-core";
import { type AnnotationFile, type DatasetPaths, toStoredAnnotation } from "@qontinui/intermediate-format";
import { Lanes } from "./lanes.js";
import { readFileIfExists } from "./record-index.js";

export interface AnnotationStoreOptions {
  /** Written as each file's `version`. */
  version: string;
  /**
   * Whether annotation files may exist for images the index does not list: only after a crash
   * (boxes are written before their manifest lines) or in a dataset another tool wrote. Otherwise
   * a new image has no file to read back.
   */
  unlistedPossible: boolean;
  note: (message: string) => void;
}

/**
 * annotations/<id>.json: each record's boxes merged into its image's file
 * (a box already there is kept once), files changed since the last flush held
 * in memory and written together at the flush.
 */
export class AnnotationStore {
  // Annotation files changed since the last flush, written together (concurrently) at the flush,
  // before the index and manifest lines that refer to them; and the group last flushed, which may
  // still be being written, so a record of one of its screenshots merges in memory. Older groups
  // are whole on disk (a flush waits for the one before) and are read back if needed: records of a
  // screenshot come together, so that is rare, and keeping more (this was an LRU of 1,024 files)
  // only kept each file alive long enough to end as old-generation garbage.
  private pending = new Map<string, AnnotationFile>();
  private flushed = new Map<string, AnnotationFile>();
  // Annotation files read ahead in prepare() (concurrent, out of order) so merge(), which runs in
  // record order one at a time, does not wait for the disk. Used only if not written since.
  private readonly readAhead = new Map<string, Promise<Buffer | undefined>>();
  private readonly written = new Set<string>();
  // Files created at once in annotations/ (see Lanes: more only spin on the directory's lock).
  private readonly lanes = new Lanes(2);

  constructor(
    private readonly paths: DatasetPaths,
    private readonly options: AnnotationStoreOptions,
  ) {}

  /** Starts reading an image's file, if it may have one, for a record of it to merge into later. */
  readAheadFor(imageId: string, listed: boolean): void {
    if (
      (listed || this.options.unlistedPossible) &&
      !this.readAhead.has(imageId) &&
      !this.pending.has(imageId) &&
      !this.written.has(imageId)
    ) {
      const p = readFileIfExists(this.paths.annotationFile(imageId));
      p.catch(() => {});
      this.readAhead.set(imageId, p);
    }
  }

  /** Drops a read-ahead no record will merge into (the record was already exported). */
  forget(imageId: string): void {
    this.readAhead.delete(imageId);
  }

  /** Merges the record's boxes into annotations/<id>.json; returns how many boxes the file has and had. */
  async merge(item: ExportItem, isNew: boolean): Promise<{ before: number; after: number }> {
    const { image, record } = item;
    const file = this.paths.annotationFile(image.id);
    const cached = this.pending.get(image.id) ?? this.flushed.get(image.id);
    const ahead = this.readAhead.get(image.id);
    this.readAhead.delete(image.id);
    const existing =
      cached || (isNew && !this.options.unlistedPossible)
        ? undefined
        : ahead && !this.written.has(image.id)
          ? await ahead
          : await readFileIfExists(file);
    let data: AnnotationFile | undefined = cached;
    if (existing) {
      try {
        data = JSON.parse(existing.toString("utf8")) as AnnotationFile;
      } catch {
        this.options.note(`annotations/${image.id}.json was not valid JSON; rewriting it from this record (its earlier boxes are lost)`);
      }
    }
    const before = data?.annotations?.length ?? 0;
    const merged = [...(data?.annotations ?? [])];
    const seen = new Set(merged.map((a) => boxIdentity(a.bbox, a.category_id)));
    let added = 0;
    for (const a of item.annotations) {
      const k = boxIdentity(a.bbox, a.categoryId);
      if (seen.has(k)) continue;
      seen.add(k);
      merged.push(toStoredAnnotation(a));
      added++;
    }
    const next = recordContext(record);
    // A context another writer left without states (an older or hand-made file) is replaced by this record's.
    const context = data?.context && Array.isArray(data.context.active_states) ? mergeRecordContext(data.context, next) : next;
    // Nothing new: no box, and the image's context (see mergeRecordContext) is unchanged.
    if (data && added === 0 && context === data.context) return { before, after: before };
    const out: AnnotationFile = {
      image_id: image.id,
      image_filename: image.id + image.extension,
      image_width: image.width,
      image_height: image.height,
      annotations: merged,
      context,
      version: this.options.version,
    };
    this.pending.set(image.id, out);
    return { before, after: merged.length };
  }

  /** Files changed since the last flush. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Takes the changed files as one group; they stay readable in memory until the next take. */
  take(): Map<string, AnnotationFile> {
    const docs = this.pending;
    this.pending = new Map();
    for (const id of docs.keys()) this.written.add(id);
    this.flushed = docs;
    return docs;
  }

  /** Writes a group's files, each whole (temp + rename). */
  async write(docs: Map<string, AnnotationFile>): Promise<void> {
    await Promise.all([...docs].map(([id, doc]) => this.lanes.run(() => writeFileAtomic(this.paths.annotationFile(id), JSON.stringify(doc, null, 2)))));
  }
}
