import { promises as fs } from "node:fs";
import path from "node:path";
import { mapAhead, ProblemReason, readJsonLines, recordKey, TEMP_FILE_PATTERN, writeFileAtomic } from "@qontinui/export-core";
import { type AnnotationFile, type DatasetPaths, IMAGE_ID_PATTERN, type ManifestEntry, type Metadata } from "@qontinui/intermediate-format";
import { type MetadataFile, validCategoryMap } from "./metadata-file.js";
import { entryOffset, FLAG_CLICK, FLAG_MATCH, imageIdBytes, INDEX_ENTRY_SIZE, keyHash, readFileIfExists, RecordIndex } from "./record-index.js";
import { SPARE_PREFIX } from "./spare-temp-files.js";

/**
 * What opening a dataset that the last export did not close cleanly repairs
 * and checks (see closed-state.ts for when the files are trusted instead):
 * temp files a dead export left, the record index against manifest.jsonl, the
 * annotation total against the annotation files, and the category map against
 * the names and ids the annotation files hold. Each repair is told through
 * `note`. (A torn last manifest line is cut by the ManifestLog, the journal
 * replayed by replayAnnotationJournal, both before this.)
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
    let spares = 0;
    for (const n of names) {
      if (TEMP_FILE_PATTERN.test(n)) {
        await fs.rm(path.join(dir, n), { force: true });
        // Spare temp files (spare-temp-files.ts) are empty, made ahead: one line for all of them.
        if (n.startsWith(SPARE_PREFIX)) spares++;
        else note(`removed half-written temp file ${path.relative(paths.root, path.join(dir, n))}`);
      }
    }
    if (spares > 0) note(`removed ${spares} unused spare temp file(s) in ${path.relative(paths.root, dir) || "."}`);
  }
}

/** What an open ends with: the index (and its file's bytes), the annotation total, the category map, the version. */
export interface DatasetState {
  index: RecordIndex;
  indexBytes: Buffer;
  totalAnnotations: number;
  categoryMap: Record<string, number>;
  /** metadata.json's dataset_version, else the annotation files'. */
  version: string | undefined;
  /** Images the index does not list that have an annotation file (see AnnotationStoreOptions.unlisted). */
  unlisted: ReadonlySet<string>;
}

export interface CheckInput {
  /** `.qontinui/records.idx` as found (undefined: none). */
  index: Buffer | undefined;
  metadata: MetadataFile;
  /** metadata.json is byte for byte what the last finished export wrote (its statistics are whole). */
  metadataTrusted: boolean;
  maxLineBytes: number;
  note: (message: string) => void;
}

/** A growing buffer of index entries. */
class EntryBuilder {
  private buf: Buffer;
  length = 0;
  constructor(capacity: number) {
    this.buf = Buffer.alloc(Math.max(64, capacity) * INDEX_ENTRY_SIZE);
  }
  add(hash: Buffer, id: Buffer, flags: number, offset: number): number {
    if ((this.length + 1) * INDEX_ENTRY_SIZE > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    const at = this.length * INDEX_ENTRY_SIZE;
    hash.copy(this.buf, at, 0, 8);
    id.copy(this.buf, at + 8, 0, 8);
    this.buf[at + 16] = flags;
    this.buf.writeUIntBE(offset, at + 18, 6);
    return this.length++;
  }
  setFlag(i: number, flag: number): void {
    this.buf[i * INDEX_ENTRY_SIZE + 16]! |= flag;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length * INDEX_ENTRY_SIZE);
  }
}

/** The entry of `old` describing the line at `offset` (the next one in step, else by binary search), if it matches `hash` and `id`. */
function findOld(old: Buffer, count: number, next: number, offset: number, hash: Buffer, id: Buffer): number {
  let i = next;
  if (!(i < count && entryOffset(old, i) === offset)) {
    let lo = 0;
    let hi = count - 1;
    i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = entryOffset(old, mid);
      if (at === offset) {
        i = mid;
        break;
      }
      if (at < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    if (i < 0) return -1;
  }
  const at = i * INDEX_ENTRY_SIZE;
  return old.compare(hash, 0, 8, at, at + 8) === 0 && old.compare(id, 0, 8, at + 8, at + 16) === 0 ? i : -1;
}

/** A manifest line's value when it is an entry the index can describe (an image id that is a content hash), else undefined. */
export function manifestEntryOf(value: unknown): ManifestEntry | undefined {
  const e = value as Partial<ManifestEntry> | null;
  return typeof e === "object" && e !== null && typeof e.id === "string" && IMAGE_ID_PATTERN.test(e.id) ? (e as ManifestEntry) : undefined;
}

/**
 * The entries of someone's manifest as merge reads an input (and the store ingests a shard): capped
 * lines, each entry with its 1-based line and its ordinal among the entries (what `readRecordFlags`
 * indexes); a line that is not an entry goes to `skip` as `line_too_long` or `malformed_manifest_line`.
 * No manifest: no entries.
 */
export async function* manifestEntries(
  paths: DatasetPaths,
  maxLineBytes: number,
  skip: (reason: string, message: string, line: number) => void,
): AsyncGenerator<{ entry: ManifestEntry; line: number; ordinal: number }> {
  const hasManifest = await fs.access(paths.manifest).then(
    () => true,
    () => false,
  );
  if (!hasManifest) return;
  let ordinal = -1;
  for await (const item of readJsonLines(paths.manifest, { maxLineBytes })) {
    if ("problem" in item) {
      const reason = item.problem.reason === ProblemReason.LineTooLong ? ProblemReason.LineTooLong : "malformed_manifest_line";
      skip(reason, `${paths.manifest}:${item.line}: ${item.problem.message}`, item.line);
      continue;
    }
    const entry = manifestEntryOf(item.value);
    if (!entry) {
      skip("malformed_manifest_line", `${paths.manifest}:${item.line}: not a manifest entry (its id must be a 16-hex-digit image id)`, item.line);
      continue;
    }
    yield { entry, line: item.line, ordinal: ++ordinal };
  }
}

/** The index's key hash of a manifest entry (its record key: action_id, image, attempt_id). */
export function entryKeyHash(e: ManifestEntry): Buffer {
  return keyHash(recordKey({ action_id: String(e.action_id), attempt_id: typeof e.attempt_id === "string" ? e.attempt_id : null }, e.id));
}

/**
 * The match/click flags of each entry of someone's dataset (by its ordinal among the manifest's
 * entries), without writing there: from its record index where an index entry describes the line,
 * else, when the dataset's metadata.json counts the same entries, its totals spread over the rest.
 * What `mergeDatasets` keeps of an input's statistics.
 */
export async function readRecordFlags(paths: DatasetPaths, metadata: Partial<Metadata> | undefined, maxLineBytes: number): Promise<{ flags: Uint8Array; known: boolean }> {
  const old = (await readFileIfExists(paths.index)) ?? Buffer.alloc(0);
  const oldCount = Math.floor(old.length / INDEX_ENTRY_SIZE);
  let flags = new Uint8Array(1024);
  let entries = 0;
  const unknown: number[] = [];
  const known = { matches: 0, clicks: 0 };
  let next = 0;
  if (await fs.access(paths.manifest).then(() => true, () => false)) {
    for await (const line of readJsonLines(paths.manifest, { maxLineBytes })) {
      const e = "value" in line ? manifestEntryOf(line.value) : undefined;
      if (!e) continue;
      const o = findOld(old, oldCount, next, line.offset, entryKeyHash(e), imageIdBytes(e.id));
      if (entries === flags.length) {
        const bigger = new Uint8Array(flags.length * 2);
        bigger.set(flags);
        flags = bigger;
      }
      if (o >= 0) {
        next = o + 1;
        const f = old[o * INDEX_ENTRY_SIZE + 16]! & (FLAG_MATCH | FLAG_CLICK);
        flags[entries] = f;
        if (f & FLAG_MATCH) known.matches++;
        if (f & FLAG_CLICK) known.clicks++;
      } else {
        unknown.push(entries);
      }
      entries++;
    }
  }
  flags = flags.subarray(0, entries);
  if (unknown.length === 0) return { flags, known: true };
  const stats = metadata?.statistics as Partial<Metadata["statistics"]> | undefined;
  const needMatches = stats?.total_records_processed === entries && isCount(stats.records_with_matches) ? stats.records_with_matches - known.matches : -1;
  const needClicks = stats?.total_records_processed === entries && isCount(stats.records_with_clicks) ? stats.records_with_clicks - known.clicks : -1;
  if (needMatches < 0 || needMatches > unknown.length || needClicks < 0 || needClicks > unknown.length) return { flags, known: false };
  for (let k = 0; k < needMatches; k++) flags[unknown[k]!]! |= FLAG_MATCH;
  for (let k = 0; k < needClicks; k++) flags[unknown[k]!]! |= FLAG_CLICK;
  return { flags, known: true };
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks the dataset's derived files against the files they are derived from,
 * and rebuilds what disagrees: the record index from manifest.jsonl (keeping
 * each record's match/click flags where the old index describes its line, else
 * metadata.json's totals of them when it can be trusted), the annotation total
 * from the annotation files of the manifest's images, and the category map
 * from the names and ids those files hold (metadata.json's map fills in
 * categories without boxes where it agrees). Reads the whole dataset: only
 * when the last export did not close it (see closed-state.ts).
 */
export async function checkAgainstFiles(paths: DatasetPaths, input: CheckInput): Promise<DatasetState> {
  const { note } = input;
  const meta = input.metadata.metadata;
  const old = input.index ?? Buffer.alloc(0);
  const oldCount = Math.floor(old.length / INDEX_ENTRY_SIZE);

  // 1. The manifest, line by line (capped: a line over the limit is not held), against the old index.
  const built = new EntryBuilder(oldCount);
  const unknown: number[] = [];
  const known = { matches: 0, clicks: 0 };
  const imageIds: string[] = [];
  const seenImages = new Set<string>();
  const skippedLines: Record<string, number> = {};
  let next = 0;
  try {
    await fs.access(paths.manifest);
    for await (const line of readJsonLines(paths.manifest, { maxLineBytes: input.maxLineBytes })) {
      if ("problem" in line) {
        skippedLines[line.problem.reason] = (skippedLines[line.problem.reason] ?? 0) + 1;
        continue;
      }
      const e = manifestEntryOf(line.value);
      if (!e) {
        skippedLines.not_an_entry = (skippedLines.not_an_entry ?? 0) + 1;
        continue;
      }
      const hash = entryKeyHash(e);
      const id = imageIdBytes(e.id);
      const o = findOld(old, oldCount, next, line.offset, hash, id);
      const flags = o >= 0 ? old[o * INDEX_ENTRY_SIZE + 16]! & (FLAG_MATCH | FLAG_CLICK) : 0;
      const i = built.add(hash, id, flags, line.offset);
      if (o >= 0) {
        next = o + 1;
        if (flags & FLAG_MATCH) known.matches++;
        if (flags & FLAG_CLICK) known.clicks++;
      } else {
        unknown.push(i);
      }
      if (!seenImages.has(e.id)) {
        seenImages.add(e.id);
        imageIds.push(e.id);
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const entries = built.length;
  const skipped = Object.entries(skippedLines).map(([reason, n]) => `${n} ${reason}`);
  if (skipped.length > 0) note(`manifest.jsonl has lines that are not entries (${skipped.join(", ")}): left as they are, not indexed (validate lists them)`);

  // 2. Match/click flags the old index did not describe: metadata.json's totals when they are whole.
  if (unknown.length > 0) {
    const stats = meta?.statistics as Partial<Metadata["statistics"]> | undefined;
    const matches = stats?.records_with_matches;
    const clicks = stats?.records_with_clicks;
    const usable = (input.metadataTrusted || stats?.total_records_processed === entries) && isCount(matches) && isCount(clicks);
    const needMatches = usable ? matches - known.matches : -1;
    const needClicks = usable ? clicks - known.clicks : -1;
    if (needMatches >= 0 && needMatches <= unknown.length && needClicks >= 0 && needClicks <= unknown.length) {
      // Which records they were is not in the manifest: the totals are what is kept.
      for (let k = 0; k < needMatches; k++) built.setFlag(unknown[k]!, FLAG_MATCH);
      for (let k = 0; k < needClicks; k++) built.setFlag(unknown[k]!, FLAG_CLICK);
      if (oldCount > 0) note(`which of ${unknown.length} records had a match or a click was lost with the record index; kept metadata.json's totals (${matches} with matches, ${clicks} with clicks)`);
    } else if (entries > 0) {
      note(
        `which of ${unknown.length} records had a match or a click is known neither from the record index nor from metadata.json: statistics.records_with_matches/records_with_clicks count them as having neither`,
      );
    }
  }
  const indexBytes = built.bytes();
  if (!old.equals(indexBytes)) {
    if (oldCount === 0 && old.length === 0) {
      if (entries > 0) note("no record index: built it from manifest.jsonl (a dataset another tool wrote, or an older version)");
    } else if (unknown.length === 0 && oldCount > entries) {
      note(`the record index had ${oldCount - entries} entries past the end of manifest.jsonl (written before a crash cut their lines): dropped them`);
    } else {
      note(`the record index did not match manifest.jsonl (${oldCount} entries; ${unknown.length} of the manifest's ${entries} lines not described): rebuilt it from the manifest`);
    }
    await writeFileAtomic(paths.index, indexBytes);
  }
  const index = RecordIndex.fromBuffer(indexBytes);

  // 3. The annotation files of the manifest's images: boxes counted, categories gathered.
  const scan = await scanAnnotationFiles(paths, imageIds, note);
  const counts = index.counts();
  if (meta) {
    const said: string[] = [];
    if (meta.total_annotations !== scan.boxes) said.push(`${String(meta.total_annotations)} annotations (the files hold ${scan.boxes})`);
    if (meta.total_images !== counts.images) said.push(`${String(meta.total_images)} images (the manifest names ${counts.images})`);
    if (meta.statistics?.total_records_processed !== entries) said.push(`${String(meta.statistics?.total_records_processed)} records (the manifest holds ${entries})`);
    if (said.length > 0) note(`metadata.json said ${said.join(", ")}: its totals are taken from the files`);
  } else if (entries > 0) {
    note(`metadata.json ${input.metadata.unreadable ?? "is missing"}: its totals are taken from the files`);
  }

  // 4. The category map: the files' names and ids, metadata.json's map where it agrees with them.
  const categoryMap = await reconcileCategories(paths, scan, validCategoryMap(meta?.category_map), imageIds, note);
  const version = typeof meta?.dataset_version === "string" ? meta.dataset_version : scan.version;
  return { index, indexBytes, totalAnnotations: scan.boxes, categoryMap, version, unlisted: scan.unlisted };
}

interface AnnotationScan {
  boxes: number;
  /** Every category name the boxes use, in the order met, with the ids each was stored with. */
  names: Map<string, Set<number>>;
  /** Every id the boxes use, with the names stored with it. */
  ids: Map<number, Set<string>>;
  version: string | undefined;
  /** Images the manifest does not list whose annotation file is there. */
  unlisted: Set<string>;
}

async function readAnnotationFile(paths: DatasetPaths, id: string): Promise<{ id: string; file?: Partial<AnnotationFile>; invalid?: string }> {
  const bytes = await readFileIfExists(paths.annotationFile(id));
  if (!bytes) return { id };
  try {
    const file = JSON.parse(bytes.toString("utf8")) as unknown;
    if (typeof file !== "object" || file === null || Array.isArray(file)) return { id, invalid: "not a JSON object" };
    return { id, file: file as Partial<AnnotationFile> };
  } catch (e) {
    return { id, invalid: (e as Error).message };
  }
}

/** Annotation files of images the manifest does not list (a failed or killed export's, whose records come again; another tool's). */
async function unlistedAnnotationFiles(paths: DatasetPaths, listed: ReadonlySet<string>): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(paths.annotations);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const n of names.sort()) {
    const id = n.endsWith(".json") ? n.slice(0, -5) : "";
    if (IMAGE_ID_PATTERN.test(id) && !listed.has(id)) ids.push(id);
  }
  return ids;
}

/**
 * The annotation files of the manifest's images (boxes counted, categories gathered), then those of
 * images it does not list: their categories count too, since a later record of their image merges
 * into them with the ids they hold; their boxes are counted when that record comes.
 */
async function scanAnnotationFiles(paths: DatasetPaths, imageIds: string[], note: (message: string) => void): Promise<AnnotationScan> {
  const invalid: string[] = [];
  const listed = new Set(imageIds);
  const unlisted = await unlistedAnnotationFiles(paths, listed);
  const scan: AnnotationScan = { boxes: 0, names: new Map(), ids: new Map(), version: undefined, unlisted: new Set(unlisted) };
  for await (const { id, file, invalid: why } of mapAhead([...imageIds, ...unlisted], (id) => readAnnotationFile(paths, id), 8)) {
    if (why !== undefined) {
      if (listed.has(id)) invalid.push(`${id} (${why})`);
      continue;
    }
    if (!file) continue;
    if (scan.version === undefined && typeof file.version === "string") scan.version = file.version;
    const boxes = Array.isArray(file.annotations) ? file.annotations : [];
    if (listed.has(id)) scan.boxes += boxes.length;
    for (const box of boxes) {
      const name = (box as Partial<AnnotationFile["annotations"][number]> | null)?.category_name;
      const cid = (box as Partial<AnnotationFile["annotations"][number]> | null)?.category_id;
      if (typeof name !== "string" || !Number.isInteger(cid) || (cid as number) < 0) continue;
      let ids = scan.names.get(name);
      if (!ids) scan.names.set(name, (ids = new Set()));
      ids.add(cid as number);
      let names = scan.ids.get(cid as number);
      if (!names) scan.ids.set(cid as number, (names = new Set()));
      names.add(name);
    }
  }
  if (invalid.length > 0) {
    note(`${invalid.length} annotation file(s) are not valid JSON (${invalid.slice(0, 3).join("; ")}${invalid.length > 3 ? "; …" : ""}): their boxes are not counted; a record of their image rewrites them`);
  }
  return scan;
}

/**
 * The category map the files support. When every name has one id and every id one name, those are
 * the map; metadata.json's map adds the categories no box uses, where it does not contradict the
 * files. Otherwise (the files disagree among themselves, or the ids are not dense), names are
 * numbered again, densely, in the order of the ids they had, and the files whose ids change are
 * rewritten: the name is what a box says it is (readers and merge decide by it too).
 */
async function reconcileCategories(
  paths: DatasetPaths,
  scan: AnnotationScan,
  metaMap: Record<string, number> | undefined,
  imageIds: string[],
  note: (message: string) => void,
): Promise<Record<string, number>> {
  const consistent = [...scan.names.values()].every((ids) => ids.size === 1) && [...scan.ids.values()].every((names) => names.size === 1);
  const map = new Map<string, number>();
  const disagreements: string[] = [];
  if (consistent) {
    for (const [name, ids] of scan.names) map.set(name, [...ids][0]!);
    const used = new Map([...map].map(([name, id]) => [id, name]));
    for (const [name, id] of Object.entries(metaMap ?? {})) {
      const fileId = map.get(name);
      if (fileId !== undefined) {
        if (fileId !== id) disagreements.push(`${JSON.stringify(name)}: ${id} in metadata.json, ${fileId} in the files`);
      } else if (used.has(id)) {
        disagreements.push(`id ${id}: ${JSON.stringify(name)} in metadata.json, ${JSON.stringify(used.get(id))} in the files`);
      } else {
        map.set(name, id);
        used.set(id, name);
      }
    }
  }
  const dense = consistent && [...map.values()].every((id) => id < map.size);
  if (dense) {
    if (disagreements.length > 0) {
      note(`metadata.json's category_map disagreed with the annotation files (${disagreements.slice(0, 3).join("; ")}${disagreements.length > 3 ? "; …" : ""}): took the files' ids`);
    } else if (!metaMap && map.size > 0) {
      note(`category_map rebuilt from the annotation files (${map.size} categories)`);
    }
    return Object.fromEntries([...map].sort((a, b) => a[1] - b[1]));
  }
  // Numbered again: by the smallest id each name had (in the files, else metadata.json), then by name.
  const firstId = new Map<string, number>();
  for (const [name, ids] of scan.names) firstId.set(name, Math.min(...ids));
  for (const [name, id] of Object.entries(metaMap ?? {})) if (!firstId.has(name)) firstId.set(name, id);
  const order = [...firstId].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const renumbered = new Map(order.map(([name], i) => [name, i]));
  let rewritten = 0;
  const all = [...imageIds, ...(await unlistedAnnotationFiles(paths, new Set(imageIds)))];
  for await (const { id, file } of mapAhead(all, (id) => readAnnotationFile(paths, id), 8)) {
    if (!file || !Array.isArray(file.annotations)) continue;
    let changed = false;
    for (const box of file.annotations) {
      const want = typeof box?.category_name === "string" ? renumbered.get(box.category_name) : undefined;
      if (want !== undefined && box.category_id !== want) {
        box.category_id = want;
        changed = true;
      }
    }
    if (changed) {
      await writeFileAtomic(paths.annotationFile(id), JSON.stringify(file, null, 2));
      rewritten++;
    }
  }
  note(
    `the annotation files' category ids disagree among themselves or leave gaps (${scan.names.size} names, ${scan.ids.size} ids): numbered the ${renumbered.size} categories again by name (0-${renumbered.size - 1}) and rewrote ${rewritten} annotation file(s)`,
  );
  return Object.fromEntries(renumbered);
}
