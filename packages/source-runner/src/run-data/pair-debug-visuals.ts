/** What the pairing rule looks at in a sidecar of either kind. */
export interface Attempt {
  actionId: string;
  imageId: string | null;
  found: boolean;
  /** Timestamp, whole microseconds since the epoch. */
  micros: number;
  /** The sidecar's own counter (screenshot_number or debug_number); only breaks ties in time. */
  number: number;
}

/** Orders by timestamp, then by number: the run_data order. */
export function byTimeThenNumber(a: { micros: number; number: number }, b: { micros: number; number: number }): number {
  return a.micros - b.micros || a.number - b.number;
}

export interface DebugPairing {
  /** For each debug visual (by index in the given list): the index of its screenshot, if it pairs. */
  screenshotOf: (number | undefined)[];
  /** For each screenshot (by index): the index of the debug visual paired with it, if any. */
  debugOf: (number | undefined)[];
  /**
   * Each unpaired debug visual (by index): null when no earlier screenshot
   * qualifies, else the index of the debug visual that took its screenshot.
   */
  unpaired: Map<number, number | null>;
}

/**
 * The spec's pairing rule: a debug visual belongs to the latest screenshot
 * that is not later than it (a debug visual is written right after its
 * attempt's screenshot, so an equal timestamp counts as earlier) and has the
 * same action_id, image_id and found. Screenshots are ordered by timestamp,
 * then by number. Numbers are never compared across the two kinds: debug
 * visuals have their own counter.
 *
 * One screenshot takes at most one debug visual: the first one after it in
 * time. A later debug visual whose latest earlier screenshot is already taken
 * belongs to an attempt whose screenshot sidecar is missing or unreadable;
 * pairing it with an older screen would put its box on the wrong image, so it
 * stays unpaired. Inputs need not be sorted.
 */
export function pairDebugVisuals(screenshots: readonly Attempt[], debugs: readonly Attempt[]): DebugPairing {
  // Screenshots of each (action_id, image_id, found), in time order.
  const groups = new Map<string, number[]>();
  const order = screenshots.map((_, i) => i).sort((a, b) => byTimeThenNumber(screenshots[a]!, screenshots[b]!) || a - b);
  for (const i of order) {
    const key = keyOf(screenshots[i]!);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }

  const screenshotOf: (number | undefined)[] = new Array(debugs.length).fill(undefined);
  const debugOf: (number | undefined)[] = new Array(screenshots.length).fill(undefined);
  const unpaired = new Map<number, number | null>();
  const debugOrder = debugs.map((_, i) => i).sort((a, b) => byTimeThenNumber(debugs[a]!, debugs[b]!) || a - b);
  for (const d of debugOrder) {
    const debug = debugs[d]!;
    const group = groups.get(keyOf(debug));
    const at = group === undefined ? -1 : lastNotAfter(group, screenshots, debug.micros);
    if (at < 0) {
      unpaired.set(d, null);
      continue;
    }
    const s = group![at]!;
    const taken = debugOf[s];
    if (taken !== undefined) {
      unpaired.set(d, taken);
      continue;
    }
    debugOf[s] = d;
    screenshotOf[d] = s;
  }
  return { screenshotOf, debugOf, unpaired };
}

function keyOf(a: Attempt): string {
  // JSON keeps null apart from the string "null" and no id can fake the separator.
  return JSON.stringify([a.actionId, a.imageId, a.found]);
}

/** Index in `group` (time-ordered screenshot indices) of the last one at or before `micros`, or -1. */
function lastNotAfter(group: readonly number[], screenshots: readonly Attempt[], micros: number): number {
  let lo = 0;
  let hi = group.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (screenshots[group[mid]!]!.micros <= micros) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
