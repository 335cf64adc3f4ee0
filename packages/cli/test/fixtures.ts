import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { CliIO } from "../src/index.js";

export async function tempDir(prefix = "qx-cli-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A GUI-like screenshot: a window, a button at a known place, distinct per `seed`. */
export async function screenshot(seed: number, width = 320, height = 200): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="rgb(${(seed * 37) % 256},${(seed * 91) % 256},${(seed * 53) % 256})"/>
    <rect x="0" y="0" width="${width}" height="24" fill="#334"/>
    <rect x="40" y="60" width="80" height="30" rx="4" fill="#2a6"/>
    <rect x="160" y="60" width="120" height="24" fill="#fff" stroke="#888"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export interface RunSpec {
  records: number;
  screens: number;
  /** Extra raw lines appended to records.jsonl. */
  extraLines?: string[];
}

/** Writes a run directory: screenshots/screen_N.png and records.jsonl with matches and clicks. */
export async function writeRun(spec: RunSpec): Promise<string> {
  const dir = await tempDir("qx-run-");
  await fs.mkdir(path.join(dir, "screenshots"));
  for (let s = 0; s < spec.screens; s++) await fs.writeFile(path.join(dir, "screenshots", `screen_${s}.png`), await screenshot(s));
  const lines: string[] = [];
  for (let i = 0; i < spec.records; i++) {
    const s = i % spec.screens;
    const click = i % 3 === 0;
    lines.push(
      JSON.stringify({
        action_id: `act-${i}`,
        action_type: click ? "CLICK" : "FIND",
        start_time: 1700000000 + i,
        end_time: 1700000000 + i + 0.2,
        duration_ms: 200,
        active_states_before: ["main"],
        active_states_after: ["main"],
        success: i % 7 !== 0,
        match_summary: { found: true, image_id: i % 2 ? "ok_button" : "search_field", location: i % 2 ? { x: 40, y: 60 } : { x: 160, y: 60 }, template_size: i % 2 ? { width: 80, height: 30 } : { width: 120, height: 24 }, confidence: 0.9 },
        clicked_location: click ? [80, 75] : null,
        click_target_type: click ? "button" : null,
        screenshot_reference: `screenshots/screen_${s}.png`,
      }),
    );
  }
  lines.push(...(spec.extraLines ?? []));
  await fs.writeFile(path.join(dir, "records.jsonl"), `${lines.join("\n")}\n`);
  return dir;
}

/** An in-process CLI io that captures output. */
export function captureIO(cwd = process.cwd(), signal?: AbortSignal): CliIO & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    cwd,
    ...(signal ? { signal } : {}),
    out: () => out,
    err: () => err,
  };
}

export { listFiles } from "@qontinui/export-core/testing";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js");

/** The built CLI in a child process; SIGKILLed after `killAfterMs` when given. */
export function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - started });
    });
  });
}
