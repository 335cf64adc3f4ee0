import { parseIsoMicros } from "../iso-time.js";
import { parseJsonLine, ProblemReason, type ScreenshotGuard, ScreenshotError } from "@qontinui/export-core";

/** Reasons the run_data source reports besides the shared ProblemReason ones. */
export const RunDataProblemReason = {
  /** A sidecar that is not JSON, not an object, or lacks a field the runner always writes. */
  InvalidSidecar: "invalid_sidecar",
  /** A screenshot sidecar (`.json`) whose `.png` partner is missing: the attempt is skipped. */
  SidecarWithoutImage: "sidecar_without_image",
  /** A `.png` in screenshots/ without its `.json` sidecar (and no tree event naming it): skipped. */
  ImageWithoutSidecar: "image_without_sidecar",
  /** A screenshot sidecar whose `filename` is not its own name's partner: its own name was used (repaired). */
  SidecarFilenameMismatch: "sidecar_filename_mismatch",
  /** A debug visual with no earlier screenshot of the same action, image and found (or whose screenshot another debug visual already pairs with). */
  DebugVisualUnpaired: "debug_visual_unpaired",
  /** A debug visual with a search_region: its location may be relative to a crop, so its match is not used. */
  DebugVisualSearchRegion: "debug_visual_search_region",
} as const;

/** A screenshot sidecar, as much of it as the export uses (~100 bytes a sidecar). */
export interface ScreenshotSidecar {
  /** The sidecar's own file name under screenshots/, e.g. "screenshot-0012.json". */
  file: string;
  /** Its name without ".json": the attempt id, and the stem of its image. */
  stem: string;
  /** `screenshot_number`. */
  number: number;
  /** `action_id` as written ("unknown" kept): data only, never a path. */
  actionId: string;
  imageId: string | null;
  found: boolean;
  /** `active_states` (strings only; [] when missing). */
  activeStates: string[];
  /** `timestamp` as whole microseconds since the epoch (exact, for ordering). */
  micros: number;
  /** `filename` as written, when it is a string. */
  filename: string | null;
}

/** A debug-visual sidecar, as much of it as the export uses. */
export interface DebugSidecar {
  /** The sidecar's own file name under debug_visuals/. */
  file: string;
  /** `debug_number`: its own counter, unrelated to screenshot numbers. */
  number: number;
  actionId: string;
  micros: number;
  imageId: string | null;
  found: boolean;
  /** Non-finite values (Python's NaN / Infinity) are null. */
  confidence: number | null;
  threshold: number | null;
  location: { x: number; y: number } | null;
  templateSize: { width: number; height: number } | null;
  /** True when `search_region` is set (not null): the match may be relative to a crop. */
  hasSearchRegion: boolean;
}

export type SidecarParse<T> = { ok: true; sidecar: T } | { ok: false; message: string };

/** A sidecar holds a few hundred bytes; anything over this is not one. */
export const MAX_SIDECAR_BYTES = 1024 * 1024;

/**
 * Reads a sidecar's text through the guard (nothing outside the root, symlinks
 * included). A refusal keeps the guard's reason when it is `path_escapes_root`;
 * every other failure is `invalid_sidecar`.
 */
export async function readSidecarText(guard: ScreenshotGuard, reference: string): Promise<{ ok: true; text: string } | { ok: false; reason: string; message: string }> {
  try {
    return sidecarText((await guard.read(reference)).bytes);
  } catch (e) {
    if (e instanceof ScreenshotError) {
      const reason = e.reason === ProblemReason.PathEscapesRoot ? e.reason : RunDataProblemReason.InvalidSidecar;
      return { ok: false, reason, message: e.message };
    }
    throw e;
  }
}

/** A sidecar's bytes as text (UTF-8, without a BOM). */
export function sidecarText(bytes: Buffer): { ok: true; text: string } {
  const text = bytes.toString("utf8");
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** Parses a screenshot sidecar (`file` is its own name under screenshots/). Never throws. */
export function parseScreenshotSidecar(text: string, file: string, intern: Interner = new Interner()): SidecarParse<ScreenshotSidecar> {
  const object = parseObject(text);
  if (!object.ok) return object;
  const v = object.value;
  const missing: string[] = [];
  const number = integer(v.screenshot_number);
  if (number === undefined) missing.push("screenshot_number (an integer)");
  const actionId = id(v.action_id);
  if (actionId === undefined) missing.push("action_id (a non-empty string)");
  const micros = typeof v.timestamp === "string" ? parseIsoMicros(v.timestamp) : undefined;
  if (micros === undefined) missing.push("timestamp (ISO date and time)");
  const imageId = optionalId(v.image_id);
  if (imageId === undefined) missing.push("image_id (a string or null)");
  if (typeof v.found !== "boolean") missing.push("found (true or false)");
  if (missing.length > 0) return { ok: false, message: `not a screenshot sidecar: needs ${missing.join(", ")}` };
  return {
    ok: true,
    sidecar: {
      file,
      stem: file.slice(0, -".json".length),
      number: number!,
      actionId: intern.string(actionId!),
      imageId: imageId === null ? null : intern.string(imageId!),
      found: v.found as boolean,
      activeStates: intern.list(Array.isArray(v.active_states) ? v.active_states.filter((s): s is string => typeof s === "string") : []),
      micros: micros!,
      filename: typeof v.filename === "string" ? v.filename : null,
    },
  };
}

/** Parses a debug-visual sidecar. Never throws. */
export function parseDebugSidecar(text: string, file: string, intern: Interner = new Interner()): SidecarParse<DebugSidecar> {
  const object = parseObject(text);
  if (!object.ok) return object;
  const v = object.value;
  const missing: string[] = [];
  const number = integer(v.debug_number);
  if (number === undefined) missing.push("debug_number (an integer)");
  const actionId = id(v.action_id);
  if (actionId === undefined) missing.push("action_id (a non-empty string)");
  const micros = typeof v.timestamp === "string" ? parseIsoMicros(v.timestamp) : undefined;
  if (micros === undefined) missing.push("timestamp (ISO date and time)");
  const info = isObject(v.match_info) ? v.match_info : undefined;
  if (info === undefined) missing.push("match_info (an object)");
  const imageId = info === undefined ? null : optionalId(info.image_id);
  if (info !== undefined && imageId === undefined) missing.push("match_info.image_id (a string or null)");
  if (info !== undefined && typeof info.found !== "boolean") missing.push("match_info.found (true or false)");
  if (missing.length > 0) return { ok: false, message: `not a debug-visual sidecar: needs ${missing.join(", ")}` };
  const m = info!;
  return {
    ok: true,
    sidecar: {
      file,
      number: number!,
      actionId: intern.string(actionId!),
      micros: micros!,
      imageId: imageId === null ? null : intern.string(imageId!),
      found: m.found as boolean,
      confidence: finite(m.confidence),
      threshold: finite(m.threshold),
      location: pair(m.location, "x", "y"),
      templateSize: pair(m.template_size, "width", "height") as { width: number; height: number } | null,
      hasSearchRegion: m.search_region != null,
    },
  };
}


/**
 * Keeps one copy of each action id, image id and active-states list: a run
 * has thousands of sidecars but few distinct values, so the metadata kept
 * for ordering and pairing stays near 100 bytes a sidecar.
 */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  string(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
  list(items: string[]): string[] {
    const key = JSON.stringify(items);
    const known = this.lists.get(key);
    if (known !== undefined) return known;
    const list = Object.freeze(items.map((s) => this.string(s))) as string[];
    this.lists.set(key, list);
    return list;
  }
}

function parseObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  const parsed = parseJsonLine(text);
  if (!parsed.ok) return { ok: false, message: `not valid JSON: ${parsed.message}` };
  if (!isObject(parsed.value)) return { ok: false, message: `not a JSON object (${Array.isArray(parsed.value) ? "an array" : parsed.value === null ? "null" : typeof parsed.value})` };
  return { ok: true, value: parsed.value };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function integer(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;
}

function finite(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-empty string, or a finite number as a string. */
function id(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `id`, or null for null. Undefined (unusable) for a missing key or another type. */
function optionalId(v: unknown): string | null | undefined {
  return v === null ? null : id(v);
}

/** `{a, b}` with finite numbers, else null. */
function pair<A extends string, B extends string>(v: unknown, a: A, b: B): ({ [k in A | B]: number }) | null {
  if (!isObject(v)) return null;
  const x = v[a];
  const y = v[b];
  return typeof x === "number" && Number.isFinite(x) && typeof y === "number" && Number.isFinite(y) ? ({ [a]: x, [b]: y } as { [k in A | B]: number }) : null;
}
