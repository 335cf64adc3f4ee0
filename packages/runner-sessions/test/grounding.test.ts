// Artifact C (grounding.jsonl + images/), including rotated parts.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSession } from "../src/index.mjs";
import type { SessionTruth } from "../src/index.mjs";
import { hasNull, isPng, isoMicros, sha256, tempDir } from "./helpers";

interface Line {
  image_hash: string;
  image_path: string;
  viewport_width: number;
  viewport_height: number;
  elements: { role: string; text?: string; bbox: [number, number, number, number]; interactable?: boolean }[];
  action?: { type: string; target_bbox?: [number, number, number, number]; typed_text?: string; success?: boolean; success_source?: string };
  source: "static" | "dynamic";
  timestamp: string;
  session_id?: string;
  phash?: string;
}

let truth: SessionTruth;
let cleanup: () => void;
let texts: { file: string; lines: string[] }[];
let lines: Line[];

beforeAll(async () => {
  const t = tempDir("grounding");
  cleanup = t.cleanup;
  truth = await generateSession(t.dir, { seed: 5, actions: 30, distinctScreens: 10, groundingLines: 14, groundingRotate: 2 });
  const dataset = truth.groundingDir!;
  const parts = readdirSync(dataset)
    .filter((n) => /^grounding\.\d+\.jsonl$/.test(n))
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
  texts = [...parts, "grounding.jsonl"].map((file) => ({ file, lines: readFileSync(path.join(dataset, file), "utf8").split("\n").filter(Boolean) }));
  lines = texts.flatMap((t) => t.lines.map((l) => JSON.parse(l) as Line));
});
afterAll(() => cleanup());

describe("grounding.jsonl", () => {
  it("splits older lines into grounding.1..k.jsonl (1 oldest), then the current file", () => {
    expect(texts.map((t) => t.file)).toEqual(["grounding.1.jsonl", "grounding.2.jsonl", "grounding.jsonl"]);
    for (const t of texts) expect(t.lines.length).toBeGreaterThan(0);
    expect(lines.length).toBe(14);
    const stamps = lines.map((l) => isoMicros(l.timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(truth.groundingLines.map((l) => l.file)).toEqual(texts.flatMap((t) => t.lines.map(() => t.file)));
  });

  it("is compact JSON with null keys dropped and +00:00 timestamps", () => {
    for (const t of texts) {
      for (const text of t.lines) {
        expect(text).not.toMatch(/": |", "/);
        expect(text).not.toContain("null");
      }
    }
    for (const l of lines) {
      expect(hasNull(l)).toBe(false);
      expect(l.timestamp).toMatch(/\+00:00$/);
      expect(Object.keys(l).slice(0, 4)).toEqual(["image_hash", "image_path", "viewport_width", "viewport_height"]);
    }
  });

  it("names each image by the first 16 hex of the SHA-256 of its PNG bytes, one image per line", async () => {
    const seen = new Set<string>();
    for (const l of lines) {
      const bytes = readFileSync(path.join(truth.groundingDir!, l.image_path));
      expect(isPng(bytes)).toBe(true);
      expect(l.image_hash).toBe(sha256(bytes).slice(0, 16));
      expect(l.image_path).toBe(`images/${l.image_hash}.png`);
      expect(seen.has(l.image_hash)).toBe(false);
      seen.add(l.image_hash);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([1280, 720]);
      for (const e of l.elements) {
        const [x, y, w, h] = e.bbox;
        expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= meta.width! && y + h <= meta.height!).toBe(true);
      }
    }
  });

  it("has dynamic lines: interactive regions without text (or none), a lowercase action, an unclamped 50x50 target", () => {
    const dynamic = lines.filter((l) => l.source === "dynamic");
    expect(dynamic.length).toBeGreaterThan(5);
    expect(dynamic.some((l) => l.elements.length === 0)).toBe(true);
    for (const l of dynamic) {
      expect(l.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([l.viewport_width, l.viewport_height]).toEqual([1280, 720]);
      for (const e of l.elements) expect(e).toEqual({ role: "interactive", bbox: e.bbox, interactable: true });
      expect(l.action!.type).toMatch(/^[a-z_]+$/);
      expect(["wsm", "pixel_diff", "record_flag"]).toContain(l.action!.success_source);
      if (l.action!.target_bbox) {
        expect(l.action!.type).toBe("click");
        expect(l.action!.target_bbox.slice(2)).toEqual([50, 50]);
      }
      if (l.action!.type === "type") expect(typeof l.action!.typed_text).toBe("string");
    }
    // The target box is around the click, not clamped to the screen.
    expect(dynamic.some((l) => l.action!.target_bbox && (l.action!.target_bbox[0] < 0 || l.action!.target_bbox[1] < 0))).toBe(true);
  });

  it("has static lines: DOM roles with text, some with a viewport narrower than the image", () => {
    const fixed = lines.filter((l) => l.source === "static");
    expect(fixed.length).toBeGreaterThan(2);
    for (const l of fixed) {
      expect(l.action).toBeUndefined();
      expect(l.phash).toMatch(/^[0-9a-f]{16}$/);
      expect(l.elements.some((e) => e.text)).toBe(true);
    }
    const roles = new Set(fixed.flatMap((l) => l.elements.map((e) => e.role)));
    for (const role of ["button", "link", "textbox", "checkbox"]) expect(roles).toContain(role);
    expect(fixed.some((l) => l.viewport_width < 1280)).toBe(true);
  });

  it("lists every element box in the truth with its image", () => {
    const expected = lines.flatMap((l) => l.elements.map((e) => ({ imagePath: l.image_path, bbox: e.bbox, role: e.role, ...(e.text ? { text: e.text } : {}) })));
    expect(truth.groundingBoxes).toEqual(expected);
  });
});
