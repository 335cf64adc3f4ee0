import { ConfigError } from "./errors.js";

export const DEFAULT_SPLIT_NAMES = ["train", "val", "test"] as const;

export interface SplitOptions {
  /** Fractions per split, summing to 1 (within 1e-6). e.g. [0.7, 0.2, 0.1]. */
  ratios: readonly number[];
  /** Split names, default train, val, test. */
  names?: readonly string[];
  /** Same seed, same ids → same assignment, whatever the input order. Default 0. */
  seed?: number;
  /** Spread each category over the splits in proportion (rare categories first). */
  stratify?: boolean;
}

export interface SplitImage {
  id: string;
  /** Category ids of the image's boxes (duplicates allowed); used when stratifying. */
  categories?: readonly number[];
}

/** Parses "0.7,0.2,0.1" (or "70,20,10" percentages are refused: give fractions). */
export function parseSplitRatios(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) {
    throw new ConfigError(`--split "${text}": give 1 to 3 comma-separated fractions that sum to 1, e.g. 0.7,0.2,0.1`);
  }
  const ratios = parts.map((part) => {
    const n = part.trim() === "" ? Number.NaN : Number(part);
    if (!Number.isFinite(n)) throw new ConfigError(`--split "${text}": "${part}" is not a number; give 1 to 3 comma-separated fractions that sum to 1, e.g. 0.7,0.2,0.1`);
    return n;
  });
  validateRatios(ratios, `--split "${text}"`);
  return ratios;
}

export function validateRatios(ratios: readonly number[], what = "split ratios", names: readonly string[] = DEFAULT_SPLIT_NAMES): void {
  if (ratios.length === 0) throw new ConfigError(`${what}: no ratios given; e.g. 0.7,0.2,0.1`);
  if (ratios.length > names.length) throw new ConfigError(`${what}: ${ratios.length} ratios but only ${names.length} split names (${names.join(", ")})`);
  for (const r of ratios) {
    if (!Number.isFinite(r)) throw new ConfigError(`${what}: "${r}" is not a number`);
    if (r < 0) throw new ConfigError(`${what}: ratios must not be negative (got ${r})`);
  }
  const sum = ratios.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new ConfigError(`${what}: ratios sum to ${Number(sum.toFixed(6))}, they must sum to 1`);
}

/** mulberry32: small, fast, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split sizes that differ from ratio × n by less than one image (largest remainder). */
export function splitSizes(n: number, ratios: readonly number[]): number[] {
  const exact = ratios.map((r) => r * n);
  const sizes = exact.map(Math.floor);
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    sizes[i]!++;
    left--;
  }
  return sizes;
}

/**
 * Assigns each image (and so every box on it) to one split. Reproducible for
 * a seed: ids are sorted before the seeded shuffle, so input order does not
 * matter. Split sizes are within one image of ratio × count. With `stratify`,
 * images are placed rarest-category first into the split that most lacks that
 * category, so rare categories appear in every split that has room.
 */
export function assignSplits(images: readonly SplitImage[], options: SplitOptions): Map<string, string> {
  const names = options.names ?? DEFAULT_SPLIT_NAMES;
  validateRatios(options.ratios, "split ratios", names);
  const unique = new Map<string, SplitImage>();
  for (const img of images) if (!unique.has(img.id)) unique.set(img.id, img);
  const ids = [...unique.keys()].sort();
  const random = seededRandom(options.seed ?? 0);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const sizes = splitSizes(ids.length, options.ratios);
  const result = new Map<string, string>();
  if (!options.stratify) {
    let k = 0;
    sizes.forEach((size, s) => {
      for (let i = 0; i < size; i++) result.set(ids[k++]!, names[s]!);
    });
    return result;
  }
  const frequency = new Map<number, number>();
  for (const id of ids) for (const c of new Set(unique.get(id)!.categories ?? [])) frequency.set(c, (frequency.get(c) ?? 0) + 1);
  const rarest = (id: string) => {
    let best = Infinity;
    for (const c of unique.get(id)!.categories ?? []) best = Math.min(best, frequency.get(c) ?? Infinity);
    return best;
  };
  // Stable sort keeps the shuffled order among equally rare images.
  const order = ids.map((id, i) => ({ id, i, r: rarest(id) })).sort((a, b) => a.r - b.r || a.i - b.i);
  const room = [...sizes];
  const have = options.ratios.map(() => new Map<number, number>());
  for (const { id } of order) {
    const cats = [...new Set(unique.get(id)!.categories ?? [])];
    // Iterative stratification: the image's rarest category decides, the split that most lacks it wins.
    let rare: number | undefined;
    for (const c of cats) if (rare === undefined || (frequency.get(c) ?? 0) < (frequency.get(rare) ?? 0)) rare = c;
    let best = -1;
    let bestScore = -Infinity;
    for (let s = 0; s < room.length; s++) {
      if (room[s]! <= 0) continue;
      const fill = room[s]! / Math.max(1, sizes[s]!);
      const lack = rare === undefined ? 0 : options.ratios[s]! * (frequency.get(rare) ?? 0) - (have[s]!.get(rare) ?? 0);
      const score = lack + fill * 1e-3;
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    room[best]!--;
    for (const c of cats) have[best]!.set(c, (have[best]!.get(c) ?? 0) + 1);
    result.set(id, names[best]!);
  }
  return result;
}
