import { createHash } from "node:crypto";

/**
 * The store's record order (the manifest's order when the store is read or exported), the order
 * `mergeDatasets` gives its inputs' records: by origin, then by position in the origin.
 *
 * - An origin is where records came from: a shard ingested with `ingestDataset` (its absolute
 *   path, unless given), or a pipeline writer's session (its start time and runner id, unless
 *   given). Origins are compared as UTF-8 bytes.
 * - The position is the record's place in its origin: the ordinal of its manifest entry in the
 *   shard, the order a session wrote its records.
 * - A record that comes from several origins (the same record exported on two machines) takes the
 *   first place it has in this order, whichever writer stored it first.
 *
 * So `exportToDirectory` gives what `mergeDatasets(shards)` gives when the shards are listed in
 * the order of their origins (by default: of their absolute paths).
 *
 * Encoded as one ASCII string compared byte by byte (`COLLATE "C"` in the database): the hex of
 * the origin's UTF-8 bytes ended by "." (lower than any hex digit, so an origin that is a prefix
 * of another sorts first), then the position as 12 hex digits.
 */
export function recordSortKey(origin: string, position: number): string {
  if (!Number.isSafeInteger(position) || position < 0 || position >= 2 ** 48) throw new RangeError(`record position ${position} is not an integer in [0, 2^48)`);
  return `${originKey(origin)}${position.toString(16).padStart(12, "0")}`;
}

/** The prefix of the sort keys of an origin's records (`origins.origin_key`). */
export function originKey(origin: string): string {
  return `${Buffer.from(origin, "utf8").toString("hex")}.`;
}

/** The origin and position a sort key was made from. */
export function parseRecordSortKey(key: string): { origin: string; position: number } {
  const dot = key.lastIndexOf(".");
  return { origin: Buffer.from(key.slice(0, dot), "hex").toString("utf8"), position: Number.parseInt(key.slice(dot + 1), 16) };
}

/** The record's idempotence key (`recordKey`) as stored: its SHA-256 (the key holds NUL characters, which text columns cannot). */
export function keyHash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
