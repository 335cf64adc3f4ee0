// Artifact A (run_data/): screenshots, debug visuals and their sidecars, read as a consumer would.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import type { SessionTruth } from "../src/index.mjs";
import { isJpeg, isPng, isoMicros, pairBySpec, readSidecars, sanitizeBySpec, sha256, tempDir } from "./helpers";

let truth: SessionTruth;
let dir: string;
let cleanup: () => void;
let files: ReturnType<typeof readSidecars>;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir("rundata"));
  truth = await generateSession(dir);
  files = readSidecars(truth.runData);
});
afterAll(() => cleanup());

describe("screenshots and their sidecars", () => {
  it("numbers from 1 without gaps, 4-digit padded, a sidecar for every image", () => {
    expect(files.shots.length).toBe(truth.screenshots.length);
    expect(files.shots.length).toBeGreaterThan(12);
    files.shots.forEach(({ name, sidecar }, i) => {
      const n = String(i + 1).padStart(4, "0");
      expect(name).toBe(`screenshot-${n}.json`);
      expect(sidecar.screenshot_number).toBe(i + 1);
      expect(sidecar.filename).toBe(`screenshot-${n}.png`);
      expect(statSync(path.join(truth.runData, "screenshots", sidecar.filename)).isFile()).toBe(true);
    });
  });

  it("has exactly the spec's fields, in the writer's order, as indented JSON", () => {
    for (const { sidecar, text } of files.shots) {
      expect(Object.keys(sidecar)).toEqual(["screenshot_number", "action_id", "active_states", "timestamp", "filename", "event_type", "image_id", "found"]);
      expect(sidecar.event_type).toBe("match_attempt");
      expect(typeof sidecar.found).toBe("boolean");
      expect(text.startsWith('{\n  "screenshot_number": ')).toBe(true);
      expect(text.endsWith("}")).toBe(true);
    }
  });

  it("writes naive UTC timestamps, without a fraction when the microseconds are 0", () => {
    const stamps = files.shots.map((s) => s.sidecar.timestamp);
    for (const t of stamps) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/);
    expect(stamps.some((t) => !t.includes("."))).toBe(true);
    expect(stamps.some((t) => /\.\d{6}$/.test(t))).toBe(true);
    const micros = stamps.map(isoMicros);
    expect(micros).toEqual([...micros].sort((a, b) => a - b));
  });

  it("has unknown attempts with no active states, owned attempts with the states of their action", () => {
    const unknown = files.shots.filter((s) => s.sidecar.action_id === "unknown");
    expect(unknown.length).toBe(2);
    for (const s of unknown) expect(s.sidecar.active_states).toEqual([]);
    const owned = files.shots.filter((s) => s.sidecar.action_id !== "unknown");
    for (const s of owned) expect(s.sidecar.active_states.length).toBeGreaterThan(0);
    // All attempts of one action share the states taken when it started.
    const byAction = new Map<string, string>();
    for (const s of owned) {
      const states = JSON.stringify(s.sidecar.active_states);
      expect(byAction.get(s.sidecar.action_id) ?? states).toBe(states);
      byAction.set(s.sidecar.action_id, states);
    }
  });

  it("stores full-size JPEG (q85) bytes under .png names, over 64 KiB each", async () => {
    for (const s of truth.screenshots) {
      const file = path.join(truth.runData, s.reference);
      const bytes = readFileSync(file);
      expect(isJpeg(bytes)).toBe(true);
      expect(s.jpeg).toBe(true);
      expect(bytes.length).toBeGreaterThan(64 * 1024);
    }
    const meta = await sharp(path.join(truth.runData, truth.screenshots[0]!.reference)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 1280, 720]);
  });

  it("gives identical bytes for an unchanged screen and different bytes for a changed one", () => {
    const hashes = new Map<number, Set<string>>();
    for (const s of truth.screenshots) {
      const h = sha256(readFileSync(path.join(truth.runData, s.reference)));
      if (!hashes.has(s.screen)) hashes.set(s.screen, new Set());
      hashes.get(s.screen)!.add(h);
    }
    for (const set of hashes.values()) expect(set.size).toBe(1);
    const distinct = new Set([...hashes.values()].map((set) => [...set][0]));
    expect(distinct.size).toBe(hashes.size);
    expect(hashes.size).toBe(6);
  });

  it("retries while a screen loads: not found, then found on a changed screen, in one action", () => {
    const shots = truth.screenshots;
    const retry = shots.some((s, i) => {
      const next = shots[i + 1];
      return next && s.actionId === next.actionId && s.imageId === next.imageId && !s.found && next.found && s.screen !== next.screen;
    });
    expect(retry).toBe(true);
    const alternative = shots.some((s, i) => {
      const next = shots[i + 1];
      return next && s.actionId === next.actionId && s.imageId !== next.imageId && !s.found && next.found && s.screen === next.screen;
    });
    expect(alternative).toBe(true);
  });
});

describe("debug visuals", () => {
  it("are named debug-NNNN-action-<sid> with the spec's sanitising, own numbering from 1", () => {
    expect(files.debugs.length).toBe(truth.debugVisuals.length);
    expect(files.debugs.length).toBeGreaterThan(3);
    const numbers = files.debugs.map((d) => d.sidecar.debug_number).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    for (const { name, sidecar } of files.debugs) {
      const n = String(sidecar.debug_number).padStart(4, "0");
      expect(sidecar.filename).toBe(`debug-${n}-action-${sanitizeBySpec(sidecar.action_id)}.png`);
      expect(name).toBe(sidecar.filename.replace(/\.png$/, ".json"));
    }
    const ids = files.debugs.map((d) => d.sidecar.action_id);
    // Action ids that need sanitising are among them (slash, colon, space; long; non-ASCII).
    const all = files.shots.map((s) => s.sidecar.action_id);
    expect(all.some((id) => id.startsWith("wf/login:step "))).toBe(true);
    expect(all.some((id) => id !== sanitizeBySpec(id) && sanitizeBySpec(id).length === 100)).toBe(true);
    expect(ids.length).toBeGreaterThan(0);
  });

  it("has exactly the spec's sidecar fields; confidence 0.0 when not found; screenshot_size 0x0", () => {
    for (const { sidecar, text } of files.debugs) {
      expect(Object.keys(sidecar)).toEqual(["debug_number", "action_id", "timestamp", "filename", "match_info"]);
      const m = sidecar.match_info;
      expect(Object.keys(m)).toEqual(["image_id", "found", "confidence", "threshold", "location", "method", "template_size", "screenshot_size", "search_region"]);
      expect(m.method).toBe("template_matching");
      expect(m.screenshot_size).toEqual({ width: 0, height: 0 });
      expect(m.search_region).toBeNull();
      if (m.found) {
        expect(m.location).not.toBeNull();
        expect(m.confidence).toBeGreaterThan(0);
        expect(m.confidence).toBeLessThanOrEqual(1);
      } else {
        expect(m.location).toBeNull();
        expect(text).toContain('"confidence": 0.0,');
      }
    }
    expect(files.debugs.some((d) => !d.sidecar.match_info.found)).toBe(true);
    const empty = files.debugs.filter((d) => d.sidecar.match_info.template_size.width === 0);
    expect(empty.length).toBe(1);
    expect(empty[0]!.sidecar.match_info).toMatchObject({ found: true, template_size: { width: 0, height: 0 } });
  });

  it("pairs by the spec's rule with the screenshot it was drawn from, never the one with its number", () => {
    const shots = files.shots.map((s) => s.sidecar);
    for (const { sidecar } of files.debugs) {
      const paired = pairBySpec(sidecar, shots);
      expect(paired).toBeDefined();
      const expected = truth.debugVisuals.find((d) => d.reference === `debug_visuals/${sidecar.filename}`)!;
      expect(`screenshots/${paired!.filename}`).toBe(expected.screenshot);
      expect(paired!.screenshot_number).not.toBe(sidecar.debug_number);
      const lag = isoMicros(sidecar.timestamp) - isoMicros(paired!.timestamp);
      expect(lag).toBeGreaterThan(0);
      expect(lag).toBeLessThan(5000);
    }
  });

  it("are full-size PNGs of the same screen with the match outlined just outside the box", async () => {
    for (const box of truth.templateBoxes) {
      const png = readFileSync(path.join(truth.runData, box.debug));
      expect(isPng(png)).toBe(true);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([1280, 720]);
      const [x, y, w, h] = box.bbox;
      const at = (px: number, py: number) => Array.from(data.subarray((py * info.width + px) * info.channels, (py * info.width + px) * info.channels + 3));
      // The outline: left of the box, above it, right of it.
      for (const [px, py] of [[x - 1, y + Math.floor(h / 2)], [x + Math.floor(w / 2), y - 1], [x + w, y + Math.floor(h / 2)]] as const) {
        if (px < 0 || py < 0 || px >= info.width || py >= info.height) continue;
        expect(at(px, py)).toEqual([232, 42, 95]);
      }
    }
  });
});

describe("template boxes", () => {
  it("lie inside their screenshots and show the same element wherever the template matched", async () => {
    expect(truth.templateBoxes.length).toBeGreaterThan(3);
    const crops = new Map<string, { pixels: Buffer; from: string }>();
    for (const box of truth.templateBoxes) {
      const [x, y, w, h] = box.bbox;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
      expect(x + w).toBeLessThanOrEqual(1280);
      expect(y + h).toBeLessThanOrEqual(720);
      const crop = await sharp(path.join(truth.runData, box.reference)).extract({ left: x, top: y, width: w, height: h }).removeAlpha().raw().toBuffer();
      // Something is drawn there: not a flat area.
      const mean = crop.reduce((a, b) => a + b, 0) / crop.length;
      const spread = Math.sqrt(crop.reduce((a, b) => a + (b - mean) ** 2, 0) / crop.length);
      expect(spread).toBeGreaterThan(8);
      const key = `${box.category}:${w}x${h}`;
      const earlier = crops.get(key);
      if (earlier) {
        // Same template, same size: the crops agree up to JPEG noise.
        let diff = 0;
        for (let i = 0; i < crop.length; i++) diff += Math.abs(crop[i]! - earlier.pixels[i]!);
        expect(diff / crop.length).toBeLessThan(12);
      } else crops.set(key, { pixels: crop, from: box.reference });
    }
  });
});
