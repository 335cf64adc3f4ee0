import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  ConfigError,
  type ExecutionRecord,
  ExportAbortedError,
  type ExportItem,
  runPipeline,
  silentLogger,
  type SourceItem,
  type Writer,
} from "@qontinui/export-core";
import { sourceBoxesLabeler } from "@qontinui/labeler-source-boxes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoSeconds as epochSeconds } from "../src/iso-time.js";
import {
  GroundingProblemReason,
  groundingLineToRecord,
  groundingSource,
  listGroundingFiles,
  orderGroundingFiles,
} from "../src/grounding/index.js";
import { collect, scratch, writeFiles } from "./fixtures.js";
import { boxFitsFill, guiScreen, lineElements, pixels, type Screen } from "./grounding/gui-screens.js";

const line = (value: unknown) => JSON.stringify(value);

/** A collecting writer: what the pipeline hands writers, in order. */
function collector(): { writer: Writer; items: ExportItem[] } {
  const items: ExportItem[] = [];
  return { items, writer: { name: "c", open: async () => {}, write: async (i) => void items.push(i), close: async () => ({ writer: "c" }) } };
}

/** `file:line:action_id` for records, `line:!reason` for problems. */
function trace(items: SourceItem[]): string[] {
  return items.map((i) => ("problem" in i ? `${i.problem.line ?? "-"}:!${i.problem.reason}` : `${String(i.record.metadata?.grounding_file)}:${i.line}:${i.record.action_id}`));
}

describe("orderGroundingFiles", () => {
  it("reads parts by k numerically, then grounding.jsonl, and ignores other names", () => {
    const names = ["grounding.jsonl", "grounding.10.jsonl", "images", "grounding.2.jsonl", "grounding.9.jsonl", "grounding.1.jsonl", "grounding.0.jsonl", "grounding.01.jsonl", "grounding.jsonl.bak", "grounding.x.jsonl", "Grounding.3.jsonl", "grounding.3.json", "grounding.123456789012345678901.jsonl", "grounding.123456789012345678900.jsonl"];
    expect(orderGroundingFiles(names)).toEqual([
      "grounding.1.jsonl",
      "grounding.2.jsonl",
      "grounding.9.jsonl",
      "grounding.10.jsonl",
      "grounding.123456789012345678900.jsonl",
      "grounding.123456789012345678901.jsonl",
      "grounding.jsonl",
    ]);
    expect(orderGroundingFiles(["grounding.3.jsonl"])).toEqual(["grounding.3.jsonl"]);
    expect(orderGroundingFiles(["notes.txt"])).toEqual([]);
  });
});

describe("groundingLineToRecord", () => {
  const at = { file: "grounding.jsonl", line: 7 };
  const dynamic = {
    image_hash: "3fa9c2e01b7d4e55",
    image_path: "images/3fa9c2e01b7d4e55.png",
    viewport_width: 1920,
    viewport_height: 1080,
    elements: [{ role: "interactive", bbox: [610, 388, 96, 32], interactable: true }],
    action: { type: "click", target_bbox: [633, 379, 50, 50], success: true, success_source: "pixel_diff" },
    source: "dynamic",
    timestamp: "2026-02-03T10:15:42.402117+00:00",
    session_id: "0b6e0f1c-5a8d-4f1e-9a3c-2d7be1c40f12",
  };

  it("maps the spec's dynamic example", () => {
    const r = groundingLineToRecord(dynamic, at);
    if (!r.ok) throw new Error(r.problem.message);
    const rec = r.record;
    expect(rec.action_id).toBe("grounding:3fa9c2e01b7d4e55");
    expect(rec.attempt_id).toMatch(/^[0-9a-f]{16}$/);
    expect(rec.action_type).toBe("CLICK");
    expect(rec.success).toBe(true);
    expect(rec.screenshot_reference).toBe("images/3fa9c2e01b7d4e55.png");
    // target_bbox is the 50×50 square around the click: its centre is the click, not an element box.
    expect(rec.clicked_location).toEqual({ x: 658, y: 404 });
    expect(rec.start_time).toBeCloseTo(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000 + 0.402117, 6);
    expect(rec.active_states_before).toEqual([]);
    expect(rec.active_states_after).toEqual([]);
    expect(rec.source_boxes).toEqual([
      { bbox: [610, 388, 96, 32], category: "interactive", source: "grounding", confidence: 1, verified: false, attributes: { interactable: true, grounding_source: "dynamic" } },
    ]);
    expect(rec.metadata).toEqual({
      grounding_file: "grounding.jsonl",
      grounding_line: 7,
      image_hash: "3fa9c2e01b7d4e55",
      source: "dynamic",
      timestamp: "2026-02-03T10:15:42.402117+00:00",
      session_id: "0b6e0f1c-5a8d-4f1e-9a3c-2d7be1c40f12",
      viewport_width: 1920,
      viewport_height: 1080,
      success_source: "pixel_diff",
      target_bbox: [633, 379, 50, 50],
    });
  });

  it("gives the same ids for the same line in any file, and different attempt ids for lines sharing an image", () => {
    const a = groundingLineToRecord(dynamic, at);
    const b = groundingLineToRecord(JSON.parse(JSON.stringify(dynamic)), { file: "grounding.4.jsonl", line: 1 });
    const c = groundingLineToRecord({ ...dynamic, timestamp: "2026-02-03T10:15:43+00:00" }, at);
    if (!a.ok || !b.ok || !c.ok) throw new Error("not ok");
    expect(b.record.action_id).toBe(a.record.action_id);
    expect(b.record.attempt_id).toBe(a.record.attempt_id);
    expect(c.record.action_id).toBe(a.record.action_id);
    expect(c.record.attempt_id).not.toBe(a.record.attempt_id);
  });

  it("verifies static boxes, keeps text, leaves bad elements to the labeler and notes a path that is not images/<hash>.png", () => {
    const r = groundingLineToRecord(
      {
        image_hash: "aaaaaaaaaaaaaaaa",
        image_path: "imgs/other.png",
        viewport_width: 1280,
        viewport_height: 800,
        elements: [{ role: "button", text: "Save", bbox: [1500, 10, 80, 30], interactable: true }, { text: "no role", bbox: [1, 2, 3, 4] }, "junk"],
        source: "static",
        timestamp: "2026-02-03T10:15:42+00:00",
        phash: "c3c3c3c3c3c3c3c3",
        metadata: { page: "editor" },
      },
      at,
    );
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.record.action_type).toBeNull();
    expect(r.record.success).toBeNull();
    expect(r.record.clicked_location).toBeNull();
    expect(r.record.screenshot_reference).toBe("imgs/other.png");
    expect(r.record.source_boxes).toEqual([
      // In image pixels, beyond the 1280 px viewport: kept as they are.
      { bbox: [1500, 10, 80, 30], category: "button", source: "grounding", confidence: 1, verified: true, attributes: { text: "Save", interactable: true, grounding_source: "static" } },
      { bbox: [1, 2, 3, 4], source: "grounding", confidence: 1, verified: true, attributes: { text: "no role", grounding_source: "static" } },
      "junk",
    ]);
    expect(r.record.metadata).toMatchObject({ image_path_mismatch: true, phash: "c3c3c3c3c3c3c3c3", viewport_width: 1280, grounding_metadata: { page: "editor" } });
  });

  it("keeps target_bbox of other actions in metadata only, drops typed text, reads a missing elements as none", () => {
    const r = groundingLineToRecord(
      { image_hash: "bbbbbbbbbbbbbbbb", image_path: "images/bbbbbbbbbbbbbbbb.png", action: { type: "type", target_bbox: [10, 10, 50, 50], typed_text: "hunter2", success: false }, source: "dynamic", timestamp: "2026-02-03T10:15:42+00:00" },
      at,
    );
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.record.action_type).toBe("TYPE");
    expect(r.record.success).toBe(false);
    expect(r.record.clicked_location).toBeNull();
    expect(r.record.metadata?.target_bbox).toEqual([10, 10, 50, 50]);
    expect(JSON.stringify(r.record)).not.toContain("hunter2");
    expect(r.record.source_boxes).toEqual([]);
    expect(r.record.metadata).not.toHaveProperty("image_path_mismatch");

    // Not clamped: a click near the left edge has a square that starts before 0.
    const edge = groundingLineToRecord({ image_hash: "c", image_path: "images/c.png", action: { type: "double_click", target_bbox: [-10, 300, 50, 50] } }, at);
    expect(edge.ok && edge.record.clicked_location).toEqual({ x: 15, y: 325 });
    expect(edge.ok && edge.record.action_type).toBe("DOUBLE_CLICK");
    const badTarget = groundingLineToRecord({ image_hash: "d", image_path: "images/d.png", action: { type: "click", target_bbox: [1, 2] } }, at);
    expect(badTarget.ok && badTarget.record.clicked_location).toBeNull();
    const oddAction = groundingLineToRecord({ image_hash: "e", image_path: "images/e.png", action: "click" }, at);
    expect(oddAction.ok && oddAction.record.action_type).toBeNull();
  });

  it("turns lines that are not grounding lines into invalid_grounding_line problems naming the file and line", () => {
    const cases: [unknown, string][] = [
      [[1, 2], "not a grounding line"],
      ["text", "not a grounding line"],
      [null, "not a grounding line"],
      [{ image_path: "images/x.png" }, "no image_hash"],
      [{ image_hash: "", image_path: "images/x.png" }, "no image_hash"],
      [{ image_hash: "x" }, "no image_path"],
      [{ image_hash: "x", image_path: 3 }, "no image_path"],
      [{ image_hash: "x", image_path: "images/x.png", elements: { role: "button" } }, "elements is not an array"],
    ];
    for (const [value, why] of cases) {
      const r = groundingLineToRecord(value, { file: "grounding.2.jsonl", line: 12 });
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.problem).toMatchObject({ reason: GroundingProblemReason.InvalidGroundingLine, severity: "skipped", line: 12, plugin: "grounding" });
      expect(r.problem.message).toContain("grounding.2.jsonl line 12");
      expect(r.problem.message).toContain(why);
    }
  });

  it("reads ISO timestamps to the microsecond", () => {
    expect(epochSeconds("1970-01-01T00:00:01+00:00")).toBe(1);
    expect(epochSeconds("1970-01-01T01:00:01.5+01:00")).toBe(1.5);
    expect(epochSeconds("1970-01-01T00:00:02Z")).toBe(2);
    expect(epochSeconds("1970-01-01T00:00:03")).toBe(3);
    expect(epochSeconds("1969-12-31T19:00:00-05:00")).toBe(0);
    expect(epochSeconds("2026-02-03T10:15:42.000001+00:00")! - epochSeconds("2026-02-03T10:15:42+00:00")!).toBeCloseTo(0.000001, 6);
    expect(epochSeconds("2026-02-31T10:15:42+00:00")).toBeNull();
    expect(epochSeconds("yesterday")).toBeNull();
  });
});

describe("groundingSource: configuration", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await scratch()));
  afterAll(() => cleanup());

  it("is a ConfigError when there is neither grounding.jsonl nor a part", async () => {
    await mkdir(path.join(dir, "empty", "images"), { recursive: true });
    await writeFile(path.join(dir, "empty", "grounding.jsonl.bak"), "{}\n");
    await expect(collect(groundingSource(path.join(dir, "empty")).read())).rejects.toThrow(ConfigError);
    await expect(collect(groundingSource(path.join(dir, "empty")).read())).rejects.toThrow(`no grounding.jsonl in ${path.join(dir, "empty")}`);
    await expect(collect(groundingSource(path.join(dir, "missing")).read())).rejects.toThrow(/does not exist/);
    // run_data/ given instead of run_data/dataset/.
    await writeFiles(dir, { "run_data/dataset/grounding.jsonl": "" });
    await expect(collect(groundingSource(path.join(dir, "run_data")).read())).rejects.toThrow(/did you mean .*dataset/);
  });

  it("reads parts alone, when the writer has rotated and not appended yet", async () => {
    await writeFiles(dir, { "rotated/grounding.1.jsonl": `${line({ image_hash: "a", image_path: "images/a.png" })}\n` });
    const files = await listGroundingFiles(path.join(dir, "rotated"));
    expect(files).toEqual([{ name: "grounding.1.jsonl", path: path.join(dir, "rotated", "grounding.1.jsonl"), part: 1 }]);
    expect(trace(await collect(groundingSource(path.join(dir, "rotated")).read()))).toEqual(["grounding.1.jsonl:1:grounding:a"]);
  });
});

describe("groundingSource through runPipeline", () => {
  let dir: string;
  let root: string;
  let cleanup: () => Promise<void>;
  /** Screens by role in the fixture. */
  let s: Record<"static1" | "dynamic1" | "dynamic2" | "static2" | "dynamic3" | "odd" | "outside" | "ignored", Screen>;

  beforeAll(async () => {
    ({ dir, cleanup } = await scratch());
    root = path.join(dir, "run_data", "dataset");
    const [static1, dynamic1, dynamic2, static2, dynamic3, odd, outside, ignored] = await Promise.all([
      guiScreen(1920, 1080, 1),
      guiScreen(1280, 720, 2),
      guiScreen(1280, 720, 3),
      guiScreen(1920, 1080, 4),
      guiScreen(1280, 720, 5),
      guiScreen(1280, 720, 6),
      guiScreen(1280, 720, 7),
      guiScreen(1280, 720, 8),
    ]);
    s = { static1: static1!, dynamic1: dynamic1!, dynamic2: dynamic2!, static2: static2!, dynamic3: dynamic3!, odd: odd!, outside: outside!, ignored: ignored! };
    for (const screen of Object.values(s)) expect(screen.png.length).toBeGreaterThan(64 * 1024);
    for (const key of ["static1", "dynamic1", "dynamic2", "static2", "dynamic3", "odd", "ignored"] as const) {
      await writeFiles(root, { [`images/${s[key].hash}.png`]: s[key].png });
    }
    // Outside the dataset root, reached through a symlink in images/.
    await writeFiles(dir, { "outside.png": s.outside.png });
    await symlink(path.join(dir, "outside.png"), path.join(root, "images", `${s.outside.hash}.png`));

    const staticLine = (sc: Screen, viewportWidth: number) => ({
      image_hash: sc.hash,
      image_path: `images/${sc.hash}.png`,
      viewport_width: viewportWidth,
      viewport_height: sc.height,
      elements: lineElements(sc.elements),
      source: "static",
      timestamp: "2026-02-03T10:15:40.100000+00:00",
      session_id: "s-static",
    });
    const dynamicLine = (sc: Screen, click: [number, number], timestamp: string, extra: Record<string, unknown> = {}) => ({
      image_hash: sc.hash,
      image_path: `images/${sc.hash}.png`,
      viewport_width: sc.width,
      viewport_height: sc.height,
      // OmniParser regions: role "interactive", no text.
      elements: sc.elements.map((e) => ({ role: "interactive", bbox: e.bbox, interactable: true })),
      action: { type: "click", target_bbox: [click[0] - 25, click[1] - 25, 50, 50], success: true, success_source: "pixel_diff" },
      source: "dynamic",
      timestamp,
      session_id: "s-dyn",
      phash: "f0f0f0f0f0f0f0f0",
      ...extra,
    });

    const dynamic1Line = dynamicLine(s.dynamic1, [58, 62], "2026-02-03T10:15:42.402117+00:00");
    await writeFiles(root, {
      // The viewport is narrower than the 1920 px image: boxes are image pixels all the same.
      "grounding.1.jsonl": `${line(staticLine(s.static1, 1600))}\n`,
      "grounding.2.jsonl": `${line(dynamic1Line)}\n`,
      "grounding.10.jsonl": [
        line({ ...dynamicLine(s.dynamic2, [440, 118], "2026-02-03T10:16:00+00:00"), elements: [] }),
        '{"image_hash": "0123", "image_path": ',
        line(staticLine(s.static2, 1920)),
      ].join("\n") + "\n",
      "grounding.jsonl": [
        line(dynamicLine(s.dynamic3, [116, 117], "2026-02-03T10:17:00+00:00", { action: { type: "click", target_bbox: [91, 92, 50, 50], success: false, success_source: "wsm" } })),
        line({ ...dynamicLine(s.dynamic3, [0, 0], "2026-02-03T10:17:01+00:00"), image_path: "../../outside.png", image_hash: "feedfeedfeedfeed" }),
        line(dynamicLine(s.outside, [100, 100], "2026-02-03T10:17:02+00:00")),
        line([1, 2, 3]),
        line({ image_hash: s.odd.hash, viewport_width: 1280, elements: [] }),
        line({ image_hash: s.odd.hash, image_path: `images/${s.odd.hash}.png`, elements: "none" }),
        // Elements the labeler has to report: no role, a bad bbox, zero size, partly outside (clipped), outside.
        line({
          image_hash: s.odd.hash,
          image_path: `images/${s.odd.hash}.png`,
          elements: [
            { text: "no role", bbox: [10, 10, 20, 20] },
            { role: "button", bbox: [1, 2, 3] },
            { role: "button", bbox: [5, 5, 0, 10] },
            { role: "button", text: "edge", bbox: [1260, 700, 40, 40] },
            { role: "button", bbox: [2000, 10, 20, 20] },
          ],
          source: "static",
          timestamp: "2026-02-03T10:17:03+00:00",
        }),
        // The same image as an earlier line (the writer would have dropped it): still its own record.
        line({ ...dynamic1Line, timestamp: "2026-02-03T10:18:00+00:00" }),
        '{"image_hash": "torn", "image_path": "images/torn.png", "elem',
      ].join("\n"),
      // Not grounding files: never read.
      "grounding.jsonl.bak": `${line(staticLine(s.ignored, 1280))}\n`,
      "grounding.0.jsonl": `${line(staticLine(s.ignored, 1280))}\n`,
      "grounding.01.jsonl": `${line(staticLine(s.ignored, 1280))}\n`,
    });
  });
  afterAll(() => cleanup());

  it("reads the parts in numeric order, then grounding.jsonl, with every bad line a named problem", async () => {
    const items = await collect(groundingSource(root).read());
    expect(trace(items)).toEqual([
      `grounding.1.jsonl:1:grounding:${s.static1.hash}`,
      `grounding.2.jsonl:1:grounding:${s.dynamic1.hash}`,
      `grounding.10.jsonl:1:grounding:${s.dynamic2.hash}`,
      "2:!malformed_json",
      `grounding.10.jsonl:3:grounding:${s.static2.hash}`,
      `grounding.jsonl:1:grounding:${s.dynamic3.hash}`,
      "grounding.jsonl:2:grounding:feedfeedfeedfeed",
      `grounding.jsonl:3:grounding:${s.outside.hash}`,
      "4:!invalid_grounding_line",
      "5:!invalid_grounding_line",
      "6:!invalid_grounding_line",
      `grounding.jsonl:7:grounding:${s.odd.hash}`,
      `grounding.jsonl:8:grounding:${s.dynamic1.hash}`,
      "9:!torn_line",
    ]);
    const problems = items.flatMap((i) => ("problem" in i ? [i.problem] : []));
    expect(problems.map((p) => p.message.split(":")[0])).toEqual(["grounding.10.jsonl line 2", "grounding.jsonl line 4", "grounding.jsonl line 5", "grounding.jsonl line 6", "grounding.jsonl line 9"]);
    expect(problems.every((p) => p.severity === "skipped" && p.plugin === "grounding")).toBe(true);
  });

  it("gives the same records in the same order on a second read", async () => {
    const source = groundingSource(root);
    const first = await collect(source.read());
    const second = await collect(groundingSource(root).read());
    const third = await collect(source.read());
    expect(second).toEqual(first);
    expect(third).toEqual(first);
  });

  it("exports every element box exactly on its image, with roles as categories and text kept", async () => {
    const { writer, items } = collector();
    const refused: string[] = [];
    const result = await runPipeline({
      source: groundingSource(root),
      labelers: [sourceBoxesLabeler()],
      writers: [writer],
      logger: silentLogger,
      onProblem: (p) => {
        if (p.reason === "path_escapes_root") refused.push(p.actionId ?? "");
      },
    });
    const st = result.statistics;
    expect(st.problems.byReason).toEqual({
      malformed_json: 1,
      torn_line: 1,
      invalid_grounding_line: 3,
      // The hostile image_path and the symlink out of images/: refused by core's guard, never read.
      path_escapes_root: 2,
      source_box_invalid: 2,
      box_invalid_size: 1,
      box_outside_image: 1,
      box_clipped: 1,
    });
    expect(refused).toEqual(["grounding:feedfeedfeedfeed", `grounding:${s.outside.hash}`]);
    expect(st.recordsExported).toBe(7);
    expect(st.recordsSkipped).toBe(7);
    expect(st.recordsWithClicks).toBe(4);

    const byHash = new Map(Object.values(s).map((sc) => [sc.hash, sc]));
    expect(items.map((i) => i.image.id)).toEqual([s.static1.hash, s.dynamic1.hash, s.dynamic2.hash, s.static2.hash, s.dynamic3.hash, s.odd.hash, s.dynamic1.hash]);
    // Two lines with one image are two records (their keys differ by attempt_id).
    expect(new Set(items.map((i) => i.key)).size).toBe(items.length);

    let checked = 0;
    for (const item of items) {
      if (item.image.id === s.odd.hash) continue;
      const sc = byHash.get(item.image.id)!;
      expect(item.record.screenshot_reference).toBe(`images/${sc.hash}.png`);
      expect([item.image.width, item.image.height]).toEqual([sc.width, sc.height]);
      const img = await pixels(sc.png);
      const isStatic = item.record.metadata?.source === "static";
      expect(item.annotations.length).toBe(sc.elements.length * (item.image.id === s.dynamic2.hash ? 0 : 1));
      for (const [i, a] of item.annotations.entries()) {
        const e = sc.elements[i]!;
        expect(a.bbox).toEqual(e.bbox);
        expect(boxFitsFill(img, a.bbox as [number, number, number, number], e.fill)).toBe(true);
        // The check is exact: a box one pixel off, or one pixel too large, does not fit.
        const [x, y, w, h] = e.bbox;
        expect(boxFitsFill(img, [x + 1, y, w, h], e.fill)).toBe(false);
        expect(boxFitsFill(img, [x, y, w, h + 1], e.fill)).toBe(false);
        expect(a.source).toBe("grounding");
        expect(a.verified).toBe(isStatic);
        expect(a.categoryName).toBe(isStatic ? e.role : "interactive");
        const attributes = (a.metadata as { attributes: Record<string, unknown> }).attributes;
        if (isStatic) expect(attributes.text).toBe(e.text);
        else expect(attributes).not.toHaveProperty("text");
        checked++;
      }
    }
    expect(checked).toBe(s.static1.elements.length + s.static2.elements.length + s.dynamic1.elements.length * 2 + s.dynamic3.elements.length);
    // The 1920 px static screen's far-right button lies beyond the 1600 px viewport: unchanged.
    expect(items[0]!.record.metadata?.viewport_width).toBe(1600);
    expect(items[0]!.annotations.some((a) => a.bbox[0] >= 1600)).toBe(true);

    // Clicks: the centre of target_bbox.
    expect(items[1]!.record.clicked_location).toEqual({ x: 58, y: 62 });
    expect(items[4]!.record).toMatchObject({ clicked_location: { x: 116, y: 117 }, success: false, action_type: "CLICK" });
    expect(items[4]!.record.metadata).toMatchObject({ success_source: "wsm", target_bbox: [91, 92, 50, 50], phash: "f0f0f0f0f0f0f0f0", session_id: "s-dyn" });

    // The odd line: only the clipped box is left.
    const odd = items[5]!;
    expect(odd.annotations.map((a) => [a.categoryName, a.bbox, a.clipped])).toEqual([["button", [1260, 700, 20, 20], true]]);
    const records: ExecutionRecord[] = items.map((i) => i.record);
    expect(records.every((r) => r.active_states_before.length === 0)).toBe(true);
  });

  it("stops reading on abort", async () => {
    const controller = new AbortController();
    const seen: SourceItem[] = [];
    for await (const item of groundingSource(root).read(controller.signal)) {
      seen.push(item);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.length).toBe(2);

    const aborted = new AbortController();
    aborted.abort();
    expect(await collect(groundingSource(root).read(aborted.signal))).toEqual([]);

    // Through the pipeline: the export stops, what was written stays.
    const stop = new AbortController();
    const items: ExportItem[] = [];
    const writer: Writer = {
      name: "c",
      open: async () => {},
      write: async (i) => {
        items.push(i);
        if (items.length === 2) stop.abort();
      },
      close: async () => ({ writer: "c" }),
    };
    await expect(runPipeline({ source: groundingSource(root), labelers: [sourceBoxesLabeler()], writers: [writer], logger: silentLogger, signal: stop.signal, concurrency: 1 })).rejects.toThrow(ExportAbortedError);
    expect(items.length).toBeLessThan(7);
  });
});
