import { promises as fs } from "node:fs";
import path from "node:path";
import { recordKey, TEMP_FILE_PATTERN, writeFileAtomic } from "@qontinui/export-core";
import { type AnnotationFile, type DatasetPaths, IMAGE_ID_PATTERN, type ManifestEntry } from "@qontinui/intermediate-format";
import { entryOffset, imageIdBytes, INDEX_ENTRY_SIZE, keyHash, readFileIfExists, RecordIndex } from "./record-index.js";

/**
 * What opening a dataset repairs: files a dead export left half-written, a
 * record index that disagrees with manifest.jsonl, and annotation totals
 * metadata.json no longer describes. (A torn manifest line is cut by the
 * ManifestLog.) Each repair is told through `note`.
 */

/** Removes the temp files of writes a crash interrupted (they are never renamed into place). */
export async function removeTempFiles(paths: DatasetPaths, note: (message: string) => void): Promise<void> {
  for (const dir of [paths.root, paths.images, paths.annotations, paths.state]) {
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (TEMP_FILE_PATTERN.test(n)) {
        await fs.rm(path.join(dir, n), { force: true });
        note(`removed half-written temp file ${path.relative(paths.root, path.join(dir, n))}`);
      }
    }
  }
}

export interface LoadedIndex {
  index: RecordIndex;
  /** False when the index did not cover the manifest and was rebuilt from it (or there was none). */
  consistent: boolean;
}

/**
 * Loads `.qontinui/records.idx` against a manifest of `manifestSize` whole
 * bytes: entries past the manifest's end (a crash between index and manifest
 * writes) are cut off; an index whose last entry does not name the manifest's
 * last line (another tool appended) is rebuilt from the manifest.
 */
export async function loadRecordIndex(
  paths: DatasetPaths,
  manifestSize: number,
  afterCrash: boolean,
  note: (message: string) => void,
): Promise<LoadedIndex> {
  let buf = await readFileIfExists(paths.index);
  let consistent = buf !== undefined;
  if (buf) {
    const whole = buf.length - (buf.length % INDEX_ENTRY_SIZE);
    let n = whole / INDEX_ENTRY_SIZE;
    // Entries written before a crash cut their manifest lines short are not in the manifest: drop them.
    while (n > 0 && entryOffset(buf, n - 1) >= manifestSize) n--;
    if (n * INDEX_ENTRY_SIZE !== buf.length) {
      buf = buf.subarray(0, n * INDEX_ENTRY_SIZE);
      await writeFileAtomic(paths.index, buf);
      if (!afterCrash) note("the record index was ahead of manifest.jsonl; trimmed it");
    }
    // The last entry's line must end the manifest, else someone else appended (e.g. the Python exporter).
    if (n > 0) {
      const lastStart = entryOffset(buf, n - 1);
      const tail = await readRange(paths.manifest, lastStart, manifestSize);
      const nl = tail.indexOf(0x0a);
      consistent = nl === tail.length - 1;
    } else {
      consistent = manifestSize === 0;
    }
  }
  if (!consistent) {
    if (manifestSize > 0) note("the record index does not cover manifest.jsonl (a dataset from another tool, or an edited manifest): rebuilding it from the manifest");
    buf = await rebuildIndex(paths);
  }
  return { index: RecordIndex.fromBuffer(buf ?? Buffer.alloc(0)), consistent };
}

/** Rebuilds the record index from manifest.jsonl (a seed dataset, or an index that disagrees). */
async function rebuildIndex(paths: DatasetPaths): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  const text = (await readFileIfExists(paths.manifest)) ?? Buffer.alloc(0);
  let lineStart = 0;
  while (lineStart < text.length) {
    let nl = text.indexOf(0x0a, lineStart);
    if (nl < 0) nl = text.length;
    const line = text.toString("utf8", lineStart, nl);
    offset = lineStart;
    lineStart = nl + 1;
    if (line.trim() === "") continue;
    try {
      const e = JSON.parse(line) as ManifestEntry;
      if (typeof e.id !== "string" || !IMAGE_ID_PATTERN.test(e.id)) continue;
      // Whether the record had a match or a click is not in the seed's manifest: unknown after a rebuild (counted as 0).
      const flags = 0;
      const entry = Buffer.alloc(INDEX_ENTRY_SIZE);
      keyHash(recordKey({ action_id: String(e.action_id), attempt_id: typeof e.attempt_id === "string" ? e.attempt_id : null }, e.id)).copy(entry, 0);
      imageIdBytes(e.id).copy(entry, 8);
      entry[16] = flags;
      entry.writeUIntBE(offset, 18, 6);
      parts.push(entry);
    } catch {
      // Not a manifest entry: the reader reports it; the index skips it.
    }
  }
  const buf = Buffer.concat(parts);
  await writeFileAtomic(paths.index, buf);
  return buf;
}

async function readRange(file: string, start: number, end: number): Promise<Buffer> {
  const h = await fs.open(file, "r");
  try {
    const buf = Buffer.alloc(end - start);
    await h.read(buf, 0, buf.length, start);
    return buf;
  } finally {
    await h.close();
  }
}

/** The boxes of the manifest's images, counted from their annotation files: only after a crash or a foreign write. */
export async function recountAnnotations(paths: DatasetPaths): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const text = (await readFileIfExists(paths.manifest))?.toString("utf8") ?? "";
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const id = (JSON.parse(line) as ManifestEntry).id;
      if (typeof id !== "string" || !IMAGE_ID_PATTERN.test(id) || seen.has(id)) continue;
      seen.add(id);
      const ann = await readFileIfExists(paths.annotationFile(id));
      if (ann) total += ((JSON.parse(ann.toString("utf8")) as AnnotationFile).annotations ?? []).length;
    } catch {
      /* counted by validate, not here */
    }
  }
  return total;
}
