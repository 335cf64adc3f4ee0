import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { readJsonLines, recordKey } from "@qontinui/export-core";
import { type DatasetPaths, IMAGE_ID_PATTERN, type ManifestEntry, type Metadata } from "@qontinui/intermediate-format";

/** The on-disk record index (`.qontinui/records.idx`): 24 bytes per manifest line, see writer-intermediate's record-index.ts. */
const ENTRY = 24;
const FLAG_MATCH = 1;
const FLAG_CLICK = 2;

/** A manifest line's value when it is an entry (an object whose id is a 16-hex-digit image id), as merge takes it. */
export function manifestEntryOf(value: unknown): ManifestEntry | undefined {
  const e = value as Partial<ManifestEntry> | null;
  return typeof e === "object" && e !== null && typeof e.id === "string" && IMAGE_ID_PATTERN.test(e.id) ? (e as ManifestEntry) : undefined;
}

function entryKeyHash(e: ManifestEntry): Buffer {
  const key = recordKey({ action_id: String(e.action_id), attempt_id: typeof e.attempt_id === "string" ? e.attempt_id : null }, e.id);
  return createHash("sha256").update(key).digest().subarray(0, 8);
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The index entry describing the line at `offset` (the next one in step, else by binary search), if it names the same record. */
function findEntry(index: Buffer, count: number, next: number, offset: number, hash: Buffer, id: Buffer): number {
  const offsetOf = (i: number) => index.readUIntBE(i * ENTRY + 18, 6);
  let i = next;
  if (!(i < count && offsetOf(i) === offset)) {
    let lo = 0;
    let hi = count - 1;
    i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = offsetOf(mid);
      if (at === offset) {
        i = mid;
        break;
      }
      if (at < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    if (i < 0) return -1;
  }
  const at = i * ENTRY;
  return index.compare(hash, 0, 8, at, at + 8) === 0 && index.compare(id, 0, 8, at + 8, at + 16) === 0 ? i : -1;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Which of a shard's manifest entries (by ordinal) had a match and a click: what `mergeDatasets`
 * counts in records_with_matches / records_with_clicks. From the shard's record index where an
 * index entry describes the line, else, when its metadata.json counts the same entries, its
 * totals spread over the rest in order; `known` false when neither tells (they count as neither).
 * The same rule as writer-intermediate's `readRecordFlags` (internal there), so the store and
 * merge agree on the statistics of the same shards.
 */
export async function readShardFlags(paths: DatasetPaths, metadata: Partial<Metadata> | undefined, maxLineBytes: number): Promise<{ flags: Uint8Array; known: boolean }> {
  const index = (await readIfExists(paths.index)) ?? Buffer.alloc(0);
  const count = Math.floor(index.length / ENTRY);
  let flags = new Uint8Array(1024);
  let entries = 0;
  const unknown: number[] = [];
  const known = { matches: 0, clicks: 0 };
  let next = 0;
  if (await readIfExists(paths.manifest).then((b) => b !== undefined)) {
    for await (const line of readJsonLines(paths.manifest, { maxLineBytes })) {
      const e = "value" in line ? manifestEntryOf(line.value) : undefined;
      if (!e) continue;
      const o = findEntry(index, count, next, line.offset, entryKeyHash(e), Buffer.from(e.id, "hex"));
      if (entries === flags.length) {
        const bigger = new Uint8Array(flags.length * 2);
        bigger.set(flags);
        flags = bigger;
      }
      if (o >= 0) {
        next = o + 1;
        const f = index[o * ENTRY + 16]! & (FLAG_MATCH | FLAG_CLICK);
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

export const SHARD_FLAG_MATCH = FLAG_MATCH;
export const SHARD_FLAG_CLICK = FLAG_CLICK;
