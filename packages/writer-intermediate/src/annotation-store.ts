import { boxIdentity, type ExportItem, type RecordContext, type ResolvedImage } from "@qontinui/export-core";
import { type AnnotationFile, type DatasetPaths, type StoredAnnotation, toStoredAnnotation } from "@qontinui/intermediate-format";
import { AnnotationDoc, type ImageFields } from "./annotation-doc.js";
import { AnnotationJournal, journalPath } from "./annotation-journal.js";
import { Lanes } from "./lanes.js";
import { readFileIfExists } from "./record-index.js";
import { SpareTempFiles } from "./spare-temp-files.js";

/**
 * Boxes held in memory before the images changed longest ago are written out: ~0.4 KB each live, so
 * ~2 MB. Enough for the images an automation keeps coming back to (a few hundred boxes each); more
 * only kept boxes long enough to end as old-generation garbage (bench figure 4's 30k-record peak RSS
 * went from ~150 to 173 MB with 20,000).
 */
export const DEFAULT_MAX_HELD_BOXES = 5_000;

/** Boxes a journal line holds at most (~200 bytes each: well under the reader's 16 MiB line cap). */
const JOURNAL_LINE_BOXES = 2_000;

export interface AnnotationStoreOptions {
  /** Written as each file's `version`. */
  version: string;
  /**
   * The images the index does not list that have an annotation file: only after a crash (boxes
   * are written before their manifest lines) or in a dataset another tool wrote, found when the
   * dataset was checked against its files. Any other new image has no file to read back (none is
   * looked for: on a new dataset that was a failed open per image).
   */
  unlisted: ReadonlySet<string>;
  note: (message: string) => void;
  /** See DEFAULT_MAX_HELD_BOXES. */
  maxHeldBoxes?: number;
}

/** An image's annotation file held in memory while the session changes it. */
interface Held {
  fields: ImageFields;
  doc: AnnotationDoc;
  /** Boxes added since the last journal line. */
  added: StoredAnnotation[];
  /** Changed since its file was last written (or never written). */
  dirty: boolean;
}

/** What one flush hands to the disk: journal lines, then the files of images that left memory. */
export interface AnnotationGroup {
  journal: string;
  files: Map<string, Held>;
}

/**
 * annotations/<id>.json: each record's boxes merged into its image's file (a
 * box already there is kept once), each file written once per export: when
 * the export closes, or earlier when the boxes held in memory exceed
 * `maxHeldBoxes` (the images changed longest ago go first). What a flush
 * group changed goes to the annotation journal (one append) before the
 * group's index entries and manifest lines, so a crash loses nothing the
 * manifest names: the next open replays the journal. An image whose records
 * keep coming all through a run (an automation looping on one screen) is
 * thus written once, not at every flush with all its boxes.
 */
export class AnnotationStore {
  // In memory, least recently changed first.
  private readonly held = new Map<string, Held>();
  private heldBoxes = 0;
  // Changed since the last flush: each gets a journal line.
  private readonly changed = new Set<string>();
  // Sent to the disk at the last flush, maybe still being written: a record of one merges in memory.
  private leaving = new Map<string, Held>();
  // Written at the last flush: marked in the next flush's journal lines (they are whole on disk by then).
  private marks: string[] = [];
  // Files written in this session: whole on disk, read back if their image comes again.
  private readonly written = new Set<string>();
  // Annotation files read ahead in prepare() (concurrent, out of order) so merge(), which runs in
  // record order one at a time, does not wait for the disk. Used only if not written since.
  private readonly readAhead = new Map<string, Promise<Buffer | undefined>>();
  // Files created at once in annotations/ (see Lanes: more only spin on the directory's lock).
  private readonly lanes = new Lanes(2);
  private readonly spares: SpareTempFiles;
  private readonly journal: AnnotationJournal;
  private readonly maxHeldBoxes: number;

  constructor(
    private readonly paths: DatasetPaths,
    private readonly options: AnnotationStoreOptions,
  ) {
    this.journal = new AnnotationJournal(journalPath(paths));
    this.spares = new SpareTempFiles(paths.annotations);
    this.maxHeldBoxes = Math.max(0, options.maxHeldBoxes ?? DEFAULT_MAX_HELD_BOXES);
  }

  /** Starts reading an image's file, if it may have one, for a record of it to merge into later. */
  readAheadFor(imageId: string, listed: boolean): void {
    if (
      (listed || this.options.unlisted.has(imageId)) &&
      !this.readAhead.has(imageId) &&
      !this.held.has(imageId) &&
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

  /** Merges the record's boxes and context (its recordContext) into its image's file; returns how many boxes the file has and had. */
  async merge(item: ExportItem, isNew: boolean, context: RecordContext): Promise<{ before: number; after: number }> {
    const { image } = item;
    let h = this.held.get(image.id);
    if (h) {
      // Most recently changed last (the map's order is the order images leave memory in).
      this.held.delete(image.id);
    } else {
      h = this.leaving.get(image.id) ?? (await this.load(image, isNew));
      this.heldBoxes += h.doc.boxes.length;
    }
    this.held.set(image.id, h);
    const before = h.doc.boxes.length;
    for (const a of item.annotations) {
      const identity = boxIdentity(a.bbox, a.categoryId);
      if (h.doc.has(identity)) continue;
      const stored = toStoredAnnotation(a);
      h.doc.add(stored, identity);
      h.added.push(stored);
    }
    const added = h.doc.boxes.length - before;
    // Nothing new: no box, and the image's context (see mergeRecordContext) is unchanged.
    if (!h.doc.mergeContext(context) && added === 0) return { before, after: before };
    // Its file will be written (at close, or when it leaves memory): the temp file for it is made now, in the background.
    if (!h.dirty) this.spares.add();
    h.dirty = true;
    this.heldBoxes += added;
    this.changed.add(image.id);
    return { before, after: before + added };
  }

  /** An image's file as it is on disk (if it may be there), to merge into. */
  private async load(image: ResolvedImage, isNew: boolean): Promise<Held> {
    const fields: ImageFields = {
      image_id: image.id,
      image_filename: image.id + image.extension,
      image_width: image.width,
      image_height: image.height,
      version: this.options.version,
    };
    const ahead = this.readAhead.get(image.id);
    this.readAhead.delete(image.id);
    const written = this.written.has(image.id);
    const existing =
      isNew && !this.options.unlisted.has(image.id) && !written ? undefined : ahead && !written ? await ahead : await readFileIfExists(this.paths.annotationFile(image.id));
    let file: AnnotationFile | undefined;
    if (existing) {
      try {
        file = JSON.parse(existing.toString("utf8")) as AnnotationFile;
      } catch {
        this.options.note(`annotations/${image.id}.json was not valid JSON; rewriting it from this record (its earlier boxes are lost)`);
      }
    }
    return { fields, doc: new AnnotationDoc(file), added: [], dirty: false };
  }

  /** Images changed since the last flush. */
  get waiting(): number {
    return this.changed.size;
  }

  /**
   * Takes what the records since the last flush changed: a journal line per image (after the marks
   * of the files the last flush wrote), and, when more boxes are held than allowed, the files of
   * the images changed longest ago, which leave memory.
   */
  take(): AnnotationGroup {
    const lines = this.marks.map((id) => JSON.stringify({ written: id }));
    this.marks = [];
    for (const id of this.changed) {
      const h = this.held.get(id);
      if (!h) continue;
      // At most JOURNAL_LINE_BOXES boxes a line, so no line nears the journal reader's cap however many boxes a group adds.
      for (let from = 0; from === 0 || from < h.added.length; from += JOURNAL_LINE_BOXES) {
        lines.push(JSON.stringify({ ...h.fields, context: h.doc.context, annotations: h.added.slice(from, from + JOURNAL_LINE_BOXES) }));
      }
      h.added = [];
    }
    this.changed.clear();
    // Over the budget: the images changed longest ago leave memory; those changed since their file was
    // last written are written in this group.
    const leaving = new Map<string, Held>();
    const files = new Map<string, Held>();
    for (const [id, h] of this.held) {
      if (this.heldBoxes <= this.maxHeldBoxes) break;
      this.held.delete(id);
      this.heldBoxes -= h.doc.boxes.length;
      leaving.set(id, h);
      if (!h.dirty) continue;
      h.dirty = false;
      files.set(id, h);
      this.written.add(id);
      this.marks.push(id);
    }
    this.leaving = leaving;
    return { journal: lines.length > 0 ? `${lines.join("\n")}\n` : "", files };
  }

  /**
   * Writes a group: its journal lines, then its files (each whole: temp + rename). The journal
   * first: a file on disk never holds a box (nor a category) that the journal of its group lacks,
   * so after a failed group (a full disk) the files and the journal describe the same records.
   */
  async write(group: AnnotationGroup): Promise<void> {
    await this.journal.append(group.journal);
    await Promise.all([...group.files].map(([id, h]) => this.writeFile(id, h)));
  }

  private writeFile(id: string, h: Held): Promise<void> {
    return this.lanes.run(async () => this.spares.writeSync(this.paths.annotationFile(id), JSON.stringify(h.doc.toFile(h.fields), null, 2)));
  }

  /** Writes every file still held (after the last group), then removes the journal, which they make whole. */
  async close(): Promise<void> {
    const dirty = [...this.held].filter(([, h]) => h.dirty);
    await Promise.all(dirty.map(([id, h]) => this.writeFile(id, h)));
    for (const [, h] of dirty) h.dirty = false;
    this.held.clear();
    this.heldBoxes = 0;
    await this.spares.dispose();
    await this.journal.remove();
  }

  /** Closes the journal without writing: what it holds is replayed by the next open (which removes spare temp files too). */
  async abandon(): Promise<void> {
    await this.spares.dispose();
    await this.journal.close();
  }
}
