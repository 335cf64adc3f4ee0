// Options that change the files: event forms, PNG screenshots, thumbnails, 1920x1080.
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import { allKeys, isJpeg, isPng, readJsonLines, tempDir } from "./helpers";

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));
const session = async (name: string, options: Parameters<typeof generateSession>[1]) => {
  const t = tempDir(name);
  cleanups.push(t.cleanup);
  // Small sessions: what differs between these is the encoding, not the length.
  return generateSession(t.dir, { actions: 8, distinctScreens: 5, groundingLines: 4, ...options });
};

describe("event forms", () => {
  it("snake: every field under its snake_case alias", async () => {
    const truth = await session("snake", { seed: 2, eventsForm: "snake" });
    const events = readJsonLines(truth.eventsFile!) as Record<string, any>[];
    const keys = new Set(events.flatMap((e) => allKeys(e)));
    for (const k of keys) expect(k).toMatch(/^[a-z_]+$/);
    for (const k of ["event_type", "node_type", "parent_id", "end_timestamp", "is_expandable", "is_inline", "state_context", "active_before", "screenshot_reference", "image_id", "clicked_at", "retry_count", "duration_ms"]) {
      expect(keys).toContain(k);
    }
    const done = events.find((e) => e.event_type === "action_completed" && e.node.metadata.runtime?.clicked_at)!;
    expect(done.path.at(-1)).toEqual({ id: done.node.id, name: done.node.name, node_type: "action" });
  });

  it("bridge: the python bridge's stdout, the record under metadata.execution_record", async () => {
    const truth = await session("bridge", { seed: 2, eventsForm: "bridge" });
    const text = readFileSync(truth.eventsFile!, "utf8");
    expect(text.split("\n")[0]).toMatch(/^\{"type": "tree_event", "event_type": "workflow_started", "node": \{"id": /);
    const events = readJsonLines(truth.eventsFile!) as Record<string, any>[];
    const done = events.filter((e) => e.event_type === "action_completed" && e.node.name !== "GO_TO_STATE");
    expect(done.length).toBeGreaterThan(3);
    for (const e of done) {
      for (const p of e.path) expect(Object.keys(p)).toEqual(["id", "name", "type"]);
      const record = e.node.metadata.execution_record;
      expect(record.id).toBe(e.node.id);
      const summary = record.metadata.runtime.match_summary;
      expect(Object.keys(summary)).toEqual(["image_id", "confidence", "threshold", "found", "location"]);
      if (summary.location) expect(Object.keys(summary.location)).toEqual(["x", "y"]);
      expect(record.metadata.screenshot_reference).toMatch(/^screenshots\/screenshot-\d{4}\.png$/);
      expect(Object.keys(record.state_context)).toEqual(["active_before", "active_after", "state_changed", "states_activated", "states_deactivated"]);
      if (e.node.name === "CLICK" && e.node.status === "success") expect(record.metadata.runtime.clicked_location).toEqual({ x: expect.any(Number), y: expect.any(Number) });
    }
    // No w/h in match_summary: a box needs the first attempt's debug sidecar.
    for (const b of truth.eventBoxes) expect(b.sizeFrom).toBe("debug");
    expect(truth.eventBoxes.length).toBeGreaterThan(0);
  });

  it("events: false writes no events file and no event truth", async () => {
    const truth = await session("noevents", { seed: 2, events: false, grounding: false });
    expect(truth.eventsFile).toBeUndefined();
    expect(truth.groundingDir).toBeUndefined();
    expect(truth.eventBoxes).toEqual([]);
    expect(truth.groundingBoxes).toEqual([]);
    expect(truth.templateBoxes.length).toBeGreaterThan(0);
  });
});

describe("screenshot encodings", () => {
  it("jpegInPng: false writes real PNG bytes", async () => {
    const truth = await session("png", { seed: 2, jpegInPng: false });
    for (const s of truth.screenshots) {
      const bytes = readFileSync(path.join(truth.runData, s.reference));
      expect(isPng(bytes)).toBe(true);
      expect(s.jpeg).toBe(false);
    }
  });

  it("thumbnails: old-style PNGs with a 200 px long side, boxes scaled for them", async () => {
    const truth = await session("thumbs", { seed: 2, thumbnails: 0.5 });
    const thumbs = truth.screenshots.filter((s) => s.thumbnail);
    expect(thumbs.length).toBeGreaterThan(0);
    expect(thumbs.length).toBeLessThan(truth.screenshots.length);
    for (const s of thumbs) {
      const bytes = readFileSync(path.join(truth.runData, s.reference));
      expect(isPng(bytes)).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([200, 113]);
      expect([s.width, s.height]).toEqual([200, 113]);
    }
    for (const b of truth.templateBoxes) {
      const shot = truth.screenshots.find((s) => s.reference === b.reference)!;
      const [x, y, w, h] = b.imageBbox;
      expect(x + w).toBeLessThanOrEqual(shot.width);
      expect(y + h).toBeLessThanOrEqual(shot.height);
    }
  });

  it("1920x1080: full-size JPEG screenshots, boxes inside, debug visuals full size", async () => {
    const truth = await session("hd", { seed: 4, width: 1920, height: 1080 });
    for (const s of truth.screenshots) {
      const bytes = readFileSync(path.join(truth.runData, s.reference));
      expect(isJpeg(bytes)).toBe(true);
      expect(bytes.length).toBeGreaterThan(64 * 1024);
      expect([s.width, s.height]).toEqual([1920, 1080]);
    }
    const meta = await sharp(path.join(truth.runData, truth.screenshots[0]!.reference)).metadata();
    expect([meta.width, meta.height]).toEqual([1920, 1080]);
    const debug = await sharp(path.join(truth.runData, truth.debugVisuals[0]!.reference)).metadata();
    expect([debug.format, debug.width, debug.height]).toEqual(["png", 1920, 1080]);
    for (const b of [...truth.templateBoxes, ...truth.eventBoxes]) {
      const [x, y, w, h] = b.bbox;
      expect(x >= 0 && y >= 0 && x + w <= 1920 && y + h <= 1080).toBe(true);
    }
    for (const b of truth.groundingBoxes) {
      const [x, y, w, h] = b.bbox;
      expect(x >= 0 && y >= 0 && x + w <= 1920 && y + h <= 1080).toBe(true);
    }
  });
});
