import { promises as fs } from "node:fs";
import path from "node:path";
import { appendWhole, DEFAULT_MAX_LINE_BYTES, readJsonLines, writeFileAtomic } from "@qontinui/export-core";
import { type AnnotationFile, type DatasetPaths, IMAGE_ID_PATTERN, type StoredAnnotation } from "@qontinui/intermediate-format";
import { AnnotationDoc, type ImageFields } from "./annotation-doc.js";
import { readFileIfExists } from "./record-index.js";

/** `.qontinui/annotations.journal`: this tool's bookkeeping, like the record index. */
export function journalPath(paths: DatasetPaths): string {
  return path.join(paths.state, "annotations.journal");
}

/** A journal line: the boxes a flush group added to one image, and the image's context then. */
export interface JournalEntry extends ImageFields {
  context: AnnotationFile["context"];
  annotations: StoredAnnotation[];
}

/** A journal line: the image's file was written whole after every entry above it. */
export interface JournalMark {
  written: string;
}

/**
 * The annotation journal: the boxes of an export session that are not yet in
 * their images' annotation files, appended one flush group at a time, before
 * the index entries and manifest lines of that group. It is what lets the
 * writer keep an image's file in memory while its records keep coming (an
 * automation looping on one screen) and write it once, instead of rewriting a
 * file of hundreds of boxes at every flush: the manifest never names a record
 * whose boxes are on disk nowhere. A file written whole is marked in a later
 * line (its entries above the mark are in it). The next open replays what a
 * crash left (`replayAnnotationJournal`); a session that closes writes every
 * file and removes the journal.
 */
export class AnnotationJournal {
  private handle: fs.FileHandle | undefined;
  private size = 0;

  constructor(readonly file: string) {}

  /** Appends whole lines (created on the first append), all or none of them (see appendWhole). */
  async append(text: string): Promise<void> {
    if (text === "") return;
    if (!this.handle) {
      this.handle = await fs.open(this.file, "a");
      this.size = (await this.handle.stat()).size;
    }
    const bytes = Buffer.from(text);
    await appendWhole(this.handle, bytes, this.size);
    this.size += bytes.length;
  }

  /** Removes the journal: every file it describes is written whole. */
  async remove(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
    await fs.rm(this.file, { force: true });
  }

  /** Closes the journal and keeps it (an export that failed: the next open replays it). */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/** The shape every stored box has (the journal is this tool's, but a dataset may come from anywhere). */
function isStoredBox(box: unknown): box is StoredAnnotation {
  const b = box as Partial<StoredAnnotation> | null;
  return (
    typeof b === "object" &&
    b !== null &&
    Array.isArray(b.bbox) &&
    b.bbox.length === 4 &&
    b.bbox.every((v) => typeof v === "number" && Number.isFinite(v)) &&
    Number.isInteger(b.category_id) &&
    (b.category_id as number) >= 0 &&
    typeof b.category_name === "string"
  );
}

/** A journal line's value: an entry, a mark, or something else (text a crash tore: only ever the last line). */
function entryOf(value: unknown): JournalEntry | JournalMark | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Partial<JournalEntry & JournalMark>;
  if (typeof v.written === "string") return { written: v.written };
  if (typeof v.image_id === "string" && IMAGE_ID_PATTERN.test(v.image_id) && Array.isArray(v.annotations)) return v as JournalEntry;
  return undefined;
}

/**
 * Merges into their annotation files the boxes a journal holds that the files
 * may lack (an export killed before it wrote them), then removes the journal.
 * Boxes merge as everywhere (each kept once, in the order they came), so
 * replaying what is already in a file changes nothing. Returns how many files
 * were written.
 */
export async function replayAnnotationJournal(paths: DatasetPaths, note: (message: string) => void, maxLineBytes = DEFAULT_MAX_LINE_BYTES): Promise<number> {
  const file = journalPath(paths);
  try {
    await fs.access(file);
  } catch {
    return 0;
  }
  // Per image, what the journal adds after the image's last written mark: at most what the crashed
  // export held in memory.
  const pending = new Map<string, { fields: ImageFields; doc: AnnotationDoc }>();
  let torn = 0;
  let malformed = 0;
  // Lines over the cap are not held (line_too_long): counted with the unreadable ones.
  for await (const line of readJsonLines(file, { maxLineBytes })) {
    const parsed = "value" in line ? entryOf(line.value) : undefined;
    if (!parsed) {
      torn++;
      continue;
    }
    if ("written" in parsed) {
      pending.delete(parsed.written);
      continue;
    }
    const { annotations, context, ...fields } = parsed;
    let p = pending.get(fields.image_id);
    if (!p) pending.set(fields.image_id, (p = { fields, doc: new AnnotationDoc() }));
    p.fields = fields;
    for (const box of annotations) {
      if (isStoredBox(box)) p.doc.add(box);
      else malformed++;
    }
    if (context) p.doc.mergeContext(context);
  }
  let written = 0;
  for (const [id, { fields, doc }] of pending) {
    const target = paths.annotationFile(id);
    const existing = await readFileIfExists(target);
    let merged: AnnotationDoc;
    let changed = existing === undefined;
    try {
      merged = new AnnotationDoc(existing ? (JSON.parse(existing.toString("utf8")) as AnnotationFile) : undefined);
    } catch {
      note(`annotations/${id}.json was not valid JSON; rebuilding it from the journal (its earlier boxes are lost)`);
      merged = new AnnotationDoc();
      changed = true;
    }
    for (const box of doc.boxes) if (merged.add(box)) changed = true;
    if (doc.context && merged.mergeContext(doc.context)) changed = true;
    if (!changed) continue;
    await writeFileAtomic(target, JSON.stringify(merged.toFile(fields), null, 2));
    written++;
  }
  if (malformed > 0) note(`the annotation journal held ${malformed} box(es) that are not boxes (bbox, category); left out`);
  if (torn > 1) note(`the annotation journal had ${torn} unreadable lines (one is expected: the line a crash cut short)`);
  if (written > 0) note(`merged the boxes of ${written} image(s) that the last export had not yet written into their annotation files (from its journal)`);
  await fs.rm(file, { force: true });
  return written;
}
