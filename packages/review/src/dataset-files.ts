import { promises as fs } from "node:fs";
import { writeFileAtomic } from "@qontinui/export-core";
import type { AnnotationFile, DatasetPaths } from "@qontinui/intermediate-format";

/** Byte layout of writer-intermediate's record index (`.qontinui/records.idx`): 24-byte entries, the manifest offset in bytes 18..24. */
const INDEX_ENTRY_SIZE = 24;
const INDEX_OFFSET_AT = 18;
const INDEX_FILE = "records.idx";

const REVIEWED_VALUE = /("reviewed"\s*:\s*)(true|false)/;

/** Writes annotations/<id>.json whole (temp file + rename), formatted as the writer formats it. */
export async function writeAnnotationFile(paths: DatasetPaths, doc: AnnotationFile): Promise<void> {
  await fs.mkdir(paths.annotations, { recursive: true });
  await writeFileAtomic(paths.annotationFile(doc.image_id), JSON.stringify(doc, null, 2));
}

/**
 * Sets `reviewed` on every manifest line of the given images, rewriting
 * manifest.jsonl whole (temp file + rename). Only the value changes, in the
 * line's own text, and a line keeps its length where it can (`true` gets a
 * trailing space where `false` was): the record index the writer keeps
 * (`.qontinui/records.idx`, byte offsets into the manifest) stays right. When
 * a line must grow, the index's offsets are moved with it. Returns the number
 * of lines changed.
 */
export async function setManifestReviewed(paths: DatasetPaths, reviewed: ReadonlyMap<string, boolean>): Promise<number> {
  let text: Buffer;
  try {
    text = await fs.readFile(paths.manifest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  const parts: Buffer[] = [];
  const moved = new Map<number, number>();
  let shifted = false;
  let changed = 0;
  let at = 0;
  let out = 0;
  while (at < text.length) {
    let nl = text.indexOf(0x0a, at);
    if (nl < 0) nl = text.length; // a torn last line is kept as it is
    const raw = text.subarray(at, nl);
    let line: Buffer = raw;
    const asText = raw.toString("utf8");
    for (const [id, want] of reviewed) {
      if (!asText.includes(id)) continue;
      const next = withReviewed(asText, id, want);
      if (next !== undefined) {
        line = Buffer.from(next, "utf8");
        changed++;
      }
      break;
    }
    moved.set(at, out);
    if (at !== out) shifted = true;
    parts.push(line);
    out += line.length;
    if (nl < text.length) {
      parts.push(Buffer.from("\n"));
      out += 1;
    }
    at = nl + 1;
  }
  if (changed === 0) return 0;
  await writeFileAtomic(paths.manifest, Buffer.concat(parts));
  if (shifted) await moveIndexOffsets(paths, moved);
  return changed;
}

/** The line with `reviewed` set, or undefined when it is not this image's line or already says so. */
function withReviewed(line: string, id: string, want: boolean): string | undefined {
  let entry: { id?: unknown; reviewed?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return undefined;
  }
  if (entry?.id !== id || entry.reviewed === want) return undefined;
  const value = String(want);
  let next: string | undefined;
  if (typeof entry.reviewed === "boolean") {
    next = line.replace(REVIEWED_VALUE, (_, key: string) => key + value);
    // The value in the text must be the one JSON.parse read (not "reviewed" inside a string).
    try {
      const check = JSON.parse(next) as typeof entry;
      if (check.reviewed !== want || check.id !== id) next = undefined;
    } catch {
      next = undefined;
    }
  }
  next ??= JSON.stringify({ ...entry, reviewed: want });
  // Keep the line's length: pad with trailing spaces (JSON whitespace), or take back padding left before.
  if (next.length < line.length) return next + " ".repeat(line.length - next.length);
  if (next.length > line.length) {
    const trimmed = next.replace(/ +$/, "");
    return trimmed.length >= line.length ? trimmed : trimmed + " ".repeat(line.length - trimmed.length);
  }
  return next;
}

/** Moves the record index's manifest offsets after lines changed length; an index that cannot be moved is removed (the next export rebuilds it). */
async function moveIndexOffsets(paths: DatasetPaths, moved: ReadonlyMap<number, number>): Promise<void> {
  const file = `${paths.state}/${INDEX_FILE}`;
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch {
    return;
  }
  const n = Math.floor(buf.length / INDEX_ENTRY_SIZE);
  const next = Buffer.from(buf.subarray(0, n * INDEX_ENTRY_SIZE));
  for (let i = 0; i < n; i++) {
    const to = moved.get(next.readUIntBE(i * INDEX_ENTRY_SIZE + INDEX_OFFSET_AT, 6));
    if (to === undefined) {
      await fs.rm(file, { force: true });
      return;
    }
    next.writeUIntBE(to, i * INDEX_ENTRY_SIZE + INDEX_OFFSET_AT, 6);
  }
  await writeFileAtomic(file, next);
}

/** Adds `delta` to metadata.json's total_annotations (boxes rejected or added), rewriting it whole. */
export async function adjustTotalAnnotations(paths: DatasetPaths, delta: number): Promise<void> {
  if (delta === 0) return;
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(await fs.readFile(paths.metadata, "utf8")) as Record<string, unknown>;
  } catch {
    return; // the reader already refused a dataset without one
  }
  if (typeof meta.total_annotations !== "number") return;
  meta.total_annotations = Math.max(0, meta.total_annotations + delta);
  await writeFileAtomic(paths.metadata, JSON.stringify(meta, null, 2));
}
