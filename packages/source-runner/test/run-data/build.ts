import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ExportItem, Writer } from "@qontinui/export-core";
import sharp from "sharp";

/** 2026-02-03T10:15:00 + seconds, as Python's isoformat writes it (no fraction when the microseconds are 0). */
export function at(seconds: number): string {
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const base = new Date(Date.UTC(2026, 1, 3, 10, 15, 0) + whole * 1000).toISOString().slice(0, 19);
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, "0")}`;
}

/** Epoch seconds of `at(seconds)`. */
export const epochOf = (seconds: number) => Date.UTC(2026, 1, 3, 10, 15, 0) / 1000 + seconds;

export const pad = (n: number) => String(n).padStart(4, "0");

/** The spec's screenshot sidecar, fields in the runner's order. */
export function screenshotSidecar(n: number, actionId: string, seconds: number, imageId: string | null, found: boolean, activeStates: string[] = actionId === "unknown" ? [] : ["Editor"]) {
  return {
    screenshot_number: n,
    action_id: actionId,
    active_states: activeStates,
    timestamp: at(seconds),
    filename: `screenshot-${pad(n)}.png`,
    event_type: "match_attempt",
    image_id: imageId,
    found,
  };
}

/** The runner's `<sid>`: characters other than letters, digits, _ and - replaced by -, runs collapsed, ends trimmed, 100 chars. */
export function sid(actionId: string): string {
  return actionId.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "").slice(0, 100);
}

export interface DebugMatch {
  imageId: string | null;
  found: boolean;
  confidence?: number | string;
  threshold?: number | string;
  location?: { x: number; y: number } | null;
  size?: { width: number; height: number };
  searchRegion?: unknown;
}

/** The spec's debug-visual sidecar. Numbers given as "NaN"/"Infinity" strings are written as Python's bare words. */
export function debugSidecar(n: number, actionId: string, seconds: number, m: DebugMatch) {
  return {
    debug_number: n,
    action_id: actionId,
    timestamp: at(seconds),
    filename: debugName(n, actionId),
    match_info: {
      image_id: m.imageId,
      found: m.found,
      confidence: m.confidence ?? (m.found ? 0.9731 : 0.0),
      threshold: m.threshold ?? 0.85,
      location: m.location === undefined ? (m.found ? { x: 0, y: 0 } : null) : m.location,
      method: "template_matching",
      template_size: m.size ?? { width: 96, height: 32 },
      screenshot_size: { width: 0, height: 0 },
      search_region: m.searchRegion ?? null,
    },
  };
}

export const debugName = (n: number, actionId: string) => `debug-${pad(n)}-action-${sid(actionId)}.png`;

/** Indented JSON as Python's json.dump(indent=2) writes it, with "NaN" / "Infinity" / "-Infinity" strings made bare. */
export function pyJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/"(NaN|-?Infinity)"/g, "$1");
}

/** A full-size screen as the runner stores it since Dec 2025: a q85 JPEG (noisy, so well over 64 KiB), to be saved under a .png name. */
export function jpegScreen(width = 1280, height = 720): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
}

export function pngScreen(width: number, height: number, background = "#3366cc"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}

export async function put(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** A writer that keeps what it is given. */
export function collectingWriter(items: ExportItem[]): Writer {
  return {
    name: "c",
    open: async () => {},
    write: async (i) => void items.push(i),
    close: async () => ({ writer: "c" }),
  };
}
