// Readers written from the spec (RUNNER_FORMATS.md), independent of the generator's code, so the
// tests check the files as a consumer sees them.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `runner-sessions-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Naive ISO (Python isoformat) to microseconds since the epoch. */
export function isoMicros(iso: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{6}))?(\+00:00)?$/.exec(iso);
  if (!m) throw new Error(`not a Python isoformat timestamp: ${iso}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(m[2] ?? 0);
}

export interface ScreenshotSidecar {
  screenshot_number: number;
  action_id: string;
  active_states: string[];
  timestamp: string;
  filename: string;
  event_type: string;
  image_id: string;
  found: boolean;
}

export interface DebugSidecar {
  debug_number: number;
  action_id: string;
  timestamp: string;
  filename: string;
  match_info: {
    image_id: string;
    found: boolean;
    threshold: number;
    confidence: number;
    location: { x: number; y: number } | null;
    method: string;
    template_size: { width: number; height: number };
    screenshot_size: { width: number; height: number };
    search_region: unknown;
  };
}

export function readSidecars(runData: string) {
  const shotsDir = path.join(runData, "screenshots");
  const debugDir = path.join(runData, "debug_visuals");
  const shots = readdirSync(shotsDir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((n) => ({ name: n, text: readFileSync(path.join(shotsDir, n), "utf8"), sidecar: JSON.parse(readFileSync(path.join(shotsDir, n), "utf8")) as ScreenshotSidecar }));
  const debugs = readdirSync(debugDir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((n) => ({ name: n, text: readFileSync(path.join(debugDir, n), "utf8"), sidecar: JSON.parse(readFileSync(path.join(debugDir, n), "utf8")) as DebugSidecar }));
  return { shots, debugs };
}

/** The spec's join: latest earlier screenshot with the same action_id, image_id and found; by timestamp, then number. */
export function pairBySpec(debug: DebugSidecar, shots: ScreenshotSidecar[]): ScreenshotSidecar | undefined {
  const at = isoMicros(debug.timestamp);
  return shots
    .filter((s) => s.action_id === debug.action_id && s.image_id === debug.match_info.image_id && s.found === debug.match_info.found && isoMicros(s.timestamp) <= at)
    .sort((a, b) => isoMicros(a.timestamp) - isoMicros(b.timestamp) || a.screenshot_number - b.screenshot_number)
    .at(-1);
}

/** The runner's _sanitize_filename, written from the spec. */
export function sanitizeBySpec(id: string): string {
  const s = id.replace(/[^\p{L}\p{N}_-]/gu, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
  return Array.from(s).slice(0, 100).join("");
}

export function readJsonLines(file: string): unknown[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

export const isJpeg = (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
export const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

/** Every key in a JSON value, with the path to it, skipping the free-form `config` objects. */
export function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      if (k !== "config") allKeys(v, out);
    }
  }
  return out;
}

export function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === "object") return Object.values(value as object).some(hasNull);
  return false;
}
