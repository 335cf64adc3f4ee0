// Runner timestamps: naive UTC ISO from the Python writers (`2026-02-03T10:15:42.118204`, no
// fraction when the microseconds are 0), `+00:00` offsets from the trajectory logger, `Z` from
// JavaScript; seconds optional in the tree events' timing. One reader for all three sources.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An ISO 8601 timestamp as whole microseconds since the epoch (exact, where
 * `Date.parse` stops at milliseconds), or undefined. Without an offset it is
 * UTC. Impossible dates (31 February, hour 24) are refused.
 */
export function parseIsoMicros(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day && second !== 60) return undefined; // 31 February rolls over
  const fraction = Number((m[7] ?? "").padEnd(6, "0").slice(0, 6));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0"));
  }
  const micros = (ms - offsetMinutes * 60_000) * 1000 + fraction;
  return Number.isFinite(micros) ? micros : undefined;
}

/** Epoch seconds of an ISO timestamp (a finite number is taken as epoch seconds already), or null. */
export function isoSeconds(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const micros = parseIsoMicros(value);
  return micros === undefined ? null : micros / 1e6;
}
