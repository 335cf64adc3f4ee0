import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, type ExportItem, type Problem, runPipeline, silentLogger, type SourceItem } from "@qontinui/export-core";
import { checkSourceContract } from "@qontinui/export-core/testing";
import { templateLabeler } from "@qontinui/labeler-template";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIsoMicros } from "../src/iso-time.js";
import { createRunDataSource, pairDebugVisuals, runDataSource } from "../src/run-data/index.js";
import type { ActionNode } from "../src/tree-events/action-node.js";
import { collect, scratch } from "./fixtures.js";
import {
  at,
  collectingWriter,
  debugName,
  debugSidecar,
  epochOf,
  jpegScreen,
  pad,
  pngScreen,
  put,
  pyJson,
  screenshotSidecar,
} from "./run-data/build.js";

let dir: string;
let cleanup: () => Promise<void>;
let jpegA: Buffer;
let jpegB: Buffer;
let jpegC: Buffer;
let fullHd: Buffer;
let thumbnail: Buffer;

beforeAll(async () => {
  ({ dir, cleanup } = await scratch());
  [jpegA, jpegB, jpegC, fullHd, thumbnail] = await Promise.all([jpegScreen(), jpegScreen(), jpegScreen(), pngScreen(1920, 1080), pngScreen(200, 113)]);
});
afterAll(() => cleanup());

const shot = (n: number) => `screenshots/screenshot-${pad(n)}`;

/** One screenshot attempt: its sidecar (object, or raw text) and its image. */
function attempt(n: number, sidecar: object | string | null, image: Buffer | null): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {};
  if (sidecar !== null) files[`${shot(n)}.json`] = typeof sidecar === "string" ? sidecar : pyJson(sidecar);
  if (image !== null) files[`${shot(n)}.png`] = image;
  return files;
}

function debug(n: number, actionId: string, seconds: number, match: Parameters<typeof debugSidecar>[3]): Record<string, string> {
  return { [`debug_visuals/${debugName(n, actionId).replace(/\.png$/, ".json")}`]: pyJson(debugSidecar(n, actionId, seconds, match)) };
}

/**
 * The main run: several attempts per action (found false then true on a changed screen; an alternative pattern on the
 * unchanged screen), debug numbers that do not line up with screenshot numbers, "unknown" owners, a thumbnail, a
 * 1920×1080 PNG, a 0×0 template, NaN/Infinity, a hostile action id and every bad-input case.
 */
async function buildMainRun(name: string): Promise<string> {
  const base = path.join(dir, name);
  const runData = path.join(base, "run_data");
  const outside = path.join(base, "outside");
  await put(outside, { "escape.png": jpegC, "escape.json": pyJson(screenshotSidecar(19, "btn-out", 60, "img-out", true)) });
  await put(runData, {
    // btn-save-7: not found, then found on a changed screen, then an alternative pattern on the unchanged screen.
    ...attempt(1, screenshotSidecar(1, "btn-save-7", 40, "img-save", false), jpegA),
    ...debug(9, "btn-save-7", 40.0005, { imageId: "img-save", found: false, location: null }),
    ...debug(13, "btn-save-7", 40.5, { imageId: "img-save", found: true, location: { x: 1, y: 1 } }), // before any found img-save screenshot
    ...attempt(2, screenshotSidecar(2, "btn-save-7", 41.118204, "img-save", true), jpegB),
    ...debug(7, "btn-save-7", 41.11893, { imageId: "img-save", found: true, location: { x: 610, y: 388 }, size: { width: 96, height: 32 } }),
    ...attempt(3, screenshotSidecar(3, "btn-save-7", 41.3, "img-save-alt", true), jpegB),
    ...debug(3, "btn-save-7", 41.3001, { imageId: "img-save-alt", found: true, confidence: 0.91, location: { x: 100, y: 200 }, size: { width: 50, height: 20 } }),
    // The state check after a nested workflow: "unknown", on a 1920×1080 PNG; its debug visual is number 1 (screenshot 1 is another action).
    ...attempt(4, screenshotSidecar(4, "unknown", 42.5, "img-editor", true), fullHd),
    ...debug(1, "unknown", 42.6, { imageId: "img-editor", found: true, location: { x: 1800, y: 1000 }, size: { width: 100, height: 60 } }),
    // An old run's 200 px thumbnail: the box cannot lie on it.
    ...attempt(5, screenshotSidecar(5, "old-action", 43, "img-save", true), thumbnail),
    ...debug(2, "old-action", 43.1, { imageId: "img-save", found: true, location: { x: 610, y: 388 }, size: { width: 96, height: 32 } }),
    // A template with no pixels.
    ...attempt(6, screenshotSidecar(6, "btn-zero", 44, "img-blank", true), jpegC),
    ...debug(4, "btn-zero", 44.1, { imageId: "img-blank", found: true, location: { x: 5, y: 5 }, size: { width: 0, height: 0 } }),
    // Python's bare NaN / Infinity.
    ...attempt(7, screenshotSidecar(7, "btn-nan", 45, "img-nan", true), jpegC),
    ...debug(5, "btn-nan", 45.1, { imageId: "img-nan", found: true, confidence: "NaN", threshold: "Infinity", location: { x: 20, y: 30 }, size: { width: 40, height: 40 } }),
    // A hostile action id: data, never a path.
    ...attempt(8, screenshotSidecar(8, "../../etc/passwd", 46, "img-x", true), jpegA),
    ...debug(6, "../../etc/passwd", 46.1, { imageId: "img-x", found: true, location: { x: 300, y: 300 }, size: { width: 64, height: 64 } }),
    // A sidecar without its image: it still owns its debug visual.
    ...attempt(9, screenshotSidecar(9, "btn-gone", 47, "img-g", true), null),
    ...debug(8, "btn-gone", 47.1, { imageId: "img-g", found: true, location: { x: 10, y: 10 } }),
    // A retry whose second sidecar is unreadable: the second debug visual must not slide onto the first screen.
    ...attempt(10, screenshotSidecar(10, "btn-retry", 48, "img-r", true), jpegA),
    ...debug(10, "btn-retry", 48.1, { imageId: "img-r", found: true, location: { x: 400, y: 100 }, size: { width: 30, height: 30 } }),
    ...attempt(11, { ...screenshotSidecar(11, "btn-retry", 49, "img-r", true), found: undefined }, jpegB),
    ...debug(11, "btn-retry", 49.1, { imageId: "img-r", found: true, location: { x: 410, y: 110 }, size: { width: 30, height: 30 } }),
    // An image without a sidecar, a sidecar that is not JSON, one that is not an object.
    ...attempt(12, null, jpegA),
    ...attempt(13, '{"screenshot_number": 13, "action_id": "x", ', jpegA),
    ...attempt(14, "[1, 2]", jpegA),
    // screenshot-0015.png is a symlink out of run_data (below).
    ...attempt(15, screenshotSidecar(15, "btn-link", 50, "img-l", false), null),
    // A sidecar whose filename disagrees with its own name; and two attempts out of number order in time.
    ...attempt(16, { ...screenshotSidecar(16, "btn-late", 52, "img-late", false), filename: "screenshot-0099.png" }, jpegC),
    ...attempt(17, screenshotSidecar(17, "btn-early", 51, "img-e", false), jpegC),
    ...attempt(18, screenshotSidecar(18, "btn-s", 51, "img-s", true), jpegC),
    ...debug(14, "btn-s", 51.1, { imageId: "img-s", found: true, location: { x: 50, y: 50 }, size: { width: 20, height: 20 }, searchRegion: { x: 0, y: 0, width: 640, height: 360 } }),
    // A debug visual of an action that has no screenshot.
    ...debug(12, "ghost", 53, { imageId: "img-ghost", found: true, location: { x: 1, y: 1 } }),
    // A debug sidecar that is not one.
    "debug_visuals/debug-0015-action-x.json": pyJson({ debug_number: 15, action_id: "x", timestamp: at(54), filename: "debug-0015-action-x.png" }),
    // The debug images themselves are not used; one partner .png is enough.
    [`debug_visuals/${debugName(7, "btn-save-7")}`]: jpegB,
  });
  await symlink(path.join(outside, "escape.png"), path.join(runData, `${shot(15)}.png`));
  // A sidecar that is a symlink out of run_data (its .png is in place).
  await symlink(path.join(outside, "escape.json"), path.join(runData, `${shot(19)}.json`));
  await writeFile(path.join(runData, `${shot(19)}.png`), jpegC);
  return runData;
}

const records = (items: SourceItem[]) => items.flatMap((i) => ("record" in i ? [i.record] : []));
const problems = (items: SourceItem[]) => items.flatMap((i) => ("problem" in i ? [i.problem] : []));
const view = (items: SourceItem[]) =>
  items.map((i) => ("problem" in i ? `!${i.problem.reason} ${i.problem.message.split(":")[0]}` : `${i.record.attempt_id} ${i.record.action_id}`));

async function exportRun(source: ReturnType<typeof runDataSource>) {
  const items: ExportItem[] = [];
  const seen: Problem[] = [];
  const result = await runPipeline({ source, labelers: [templateLabeler()], writers: [collectingWriter(items)], logger: silentLogger, onProblem: (p) => seen.push(p) });
  return { items, problems: seen, statistics: result.statistics };
}

describe("runDataSource().read", () => {
  let runData: string;
  beforeAll(async () => {
    runData = await buildMainRun("main");
  });

  it("yields one record per screenshot sidecar in time order, and a named problem for every file it cannot use", async () => {
    const items = await collect(runDataSource(runData).read());
    expect(view(items)).toEqual([
      "!invalid_sidecar screenshots/screenshot-0011.json",
      "!invalid_sidecar screenshots/screenshot-0013.json",
      "!invalid_sidecar screenshots/screenshot-0014.json",
      "!path_escapes_root screenshots/screenshot-0019.json",
      "!invalid_sidecar debug_visuals/debug-0015-action-x.json",
      "!debug_visual_unpaired debug_visuals/debug-0011-action-btn-retry.json",
      "!debug_visual_unpaired debug_visuals/debug-0012-action-ghost.json",
      "!debug_visual_unpaired debug_visuals/debug-0013-action-btn-save-7.json",
      "!debug_visual_search_region debug_visuals/debug-0014-action-btn-s.json",
      "!image_without_sidecar screenshots/screenshot-0012.png",
      "screenshot-0001 btn-save-7",
      "screenshot-0002 btn-save-7",
      "screenshot-0003 btn-save-7",
      "screenshot-0004 unknown",
      "screenshot-0005 old-action",
      "screenshot-0006 btn-zero",
      "screenshot-0007 btn-nan",
      "screenshot-0008 ../../etc/passwd",
      "!sidecar_without_image screenshots/screenshot-0009.json",
      "screenshot-0010 btn-retry",
      "screenshot-0015 btn-link",
      "screenshot-0017 btn-early",
      "screenshot-0018 btn-s",
      "!sidecar_filename_mismatch screenshots/screenshot-0016.json",
      "screenshot-0016 btn-late",
    ]);
    for (const p of problems(items)) {
      expect(p.plugin).toBe("run-data");
      expect(["skipped", "dropped_box", "repaired"]).toContain(p.severity);
    }
    expect(items.every((i) => !("line" in i) || i.line === undefined)).toBe(true);
    expect(problems(items).find((p) => p.reason === "invalid_sidecar" && p.message.includes("0011"))!.message).toContain("found");
    expect(problems(items).find((p) => p.reason === "invalid_sidecar" && p.message.includes("debug-0015"))!.message).toContain("match_info");
    expect(problems(items).find((p) => p.reason === "debug_visual_unpaired" && p.message.includes("0011"))!.message).toContain("debug-0010-action-btn-retry.json");
    expect(problems(items).find((p) => p.reason === "sidecar_filename_mismatch")!.severity).toBe("repaired");
  });

  it("fills each record from its sidecar and its paired debug visual", async () => {
    const byAttempt = new Map(records(await collect(runDataSource(runData).read())).map((r) => [r.attempt_id, r]));
    const r2 = byAttempt.get("screenshot-0002")!;
    expect(r2).toMatchObject({
      action_id: "btn-save-7",
      attempt_id: "screenshot-0002",
      active_states_before: ["Editor"],
      active_states_after: [],
      start_time: expect.closeTo(epochOf(41.118204), 6),
      screenshot_reference: "screenshots/screenshot-0002.png",
      match_summary: { image_id: "img-save", found: true, confidence: 0.9731, threshold: 0.85, location: { x: 610, y: 388 }, template_size: { width: 96, height: 32 } },
    });
    expect(r2.start_time! * 1e6).toBeCloseTo(Date.UTC(2026, 1, 3, 10, 15, 41) * 1000 + 118204, 0);
    // Timestamp without a fraction; a not-found debug visual pairs with the not-found attempt.
    expect(byAttempt.get("screenshot-0001")).toMatchObject({ start_time: epochOf(40), match_summary: { image_id: "img-save", found: false, confidence: 0 } });
    expect(byAttempt.get("screenshot-0001")!.match_summary!.location).toBeUndefined();
    expect(byAttempt.get("screenshot-0004")).toMatchObject({ action_id: "unknown", active_states_before: [], match_summary: { location: { x: 1800, y: 1000 } } });
    // NaN / Infinity read as absent.
    const nan = byAttempt.get("screenshot-0007")!.match_summary!;
    expect(nan).toEqual({ image_id: "img-nan", found: true, location: { x: 20, y: 30 }, template_size: { width: 40, height: 40 } });
    expect(byAttempt.get("screenshot-0008")!.screenshot_reference).toBe("screenshots/screenshot-0008.png");
    // The search-region debug visual is paired but not used; the filename in the sidecar loses to the sidecar's own name.
    expect(byAttempt.get("screenshot-0018")!.match_summary).toEqual({ image_id: "img-s", found: true });
    expect(byAttempt.get("screenshot-0016")!.screenshot_reference).toBe("screenshots/screenshot-0016.png");
  });

  it("gives the same records in the same order on every read", async () => {
    const source = runDataSource(runData);
    const a = await collect(source.read());
    const b = await collect(source.read());
    const c = await collect(runDataSource(runData).read());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it("exports boxes exactly where the matches were, and names every box it cannot make", async () => {
    const { items, statistics } = await exportRun(runDataSource(runData));
    const boxes = new Map(items.map((i) => [i.record.attempt_id, i.annotations.map((a) => [a.categoryName, ...a.bbox])]));
    expect([...boxes.keys()]).toEqual([
      "screenshot-0001",
      "screenshot-0002",
      "screenshot-0003",
      "screenshot-0004",
      "screenshot-0005",
      "screenshot-0006",
      "screenshot-0007",
      "screenshot-0008",
      "screenshot-0010",
      "screenshot-0017",
      "screenshot-0018",
      "screenshot-0016",
    ]);
    expect(Object.fromEntries(boxes)).toEqual({
      "screenshot-0001": [],
      "screenshot-0002": [["img-save", 610, 388, 96, 32]],
      "screenshot-0003": [["img-save-alt", 100, 200, 50, 20]],
      "screenshot-0004": [["img-editor", 1800, 1000, 100, 60]],
      "screenshot-0005": [],
      "screenshot-0006": [],
      "screenshot-0007": [["img-nan", 20, 30, 40, 40]],
      "screenshot-0008": [["img-x", 300, 300, 64, 64]],
      "screenshot-0010": [["img-r", 400, 100, 30, 30]],
      "screenshot-0017": [],
      "screenshot-0018": [],
      "screenshot-0016": [],
    });

    // An alternative pattern on an unchanged screen: the same image, two records, two boxes (attempt_id in the key).
    const [two, three] = [items[1]!, items[2]!];
    expect(two.image.id).toBe(three.image.id);
    expect(two.key).not.toBe(three.key);
    // JPEG bytes inside .png names; the 1920×1080 PNG and the thumbnail are measured from their bytes.
    expect(two.image).toMatchObject({ format: "jpeg", width: 1280, height: 720 });
    expect(two.image.byteLength).toBeGreaterThan(64 * 1024);
    expect(items[3]!.image).toMatchObject({ format: "png", width: 1920, height: 1080 });
    expect(items[4]!.image).toMatchObject({ format: "png", width: 200, height: 113 });
    expect(items[0]!.record.metadata).toMatchObject({ run_data: { sidecar: "screenshots/screenshot-0001.json", debug_visual: "debug_visuals/debug-0009-action-btn-save-7.json" } });

    const byReason = statistics.problems.byReason;
    expect((byReason.template_box_exceeds_image ?? 0) + (byReason.box_outside_image ?? 0)).toBe(1);
    expect(byReason).toMatchObject({
      path_escapes_root: 2, // the symlinked image (core's guard) and the symlinked sidecar (ours)
      box_invalid_size: 1, // the 0×0 template
      match_incomplete: 1, // the search-region attempt: found, no usable match
      confidence_repaired: 1, // NaN confidence
      invalid_sidecar: 4,
      sidecar_without_image: 1,
      image_without_sidecar: 1,
      debug_visual_unpaired: 3,
      debug_visual_search_region: 1,
      sidecar_filename_mismatch: 1,
    });
    const escaped = statistics.problems.examples.path_escapes_root!.map((p) => p.message);
    expect(escaped.some((m) => m.includes("screenshot-0015.png"))).toBe(true);
    expect(statistics.recordsExported).toBe(12);
  });

  it("exports the same items twice", async () => {
    const a = await exportRun(runDataSource(runData));
    const b = await exportRun(runDataSource(runData));
    const key = (i: ExportItem) => [i.key, i.image.id, i.annotations.map((x) => x.bbox.join(","))];
    expect(b.items.map(key)).toEqual(a.items.map(key));
  });

  it("refuses screenshots over maxScreenshotBytes", async () => {
    const { statistics } = await exportRun(runDataSource(runData, { maxScreenshotBytes: 10_000 }));
    expect(statistics.problems.byReason.screenshot_too_large).toBeGreaterThan(5);
  });
});

describe("runDataSource: the directory", () => {
  it("says clearly when screenshots/ is missing, and points at run_data/ in its parent", async () => {
    const base = path.join(dir, "no-shots");
    await mkdir(path.join(base, "run_data", "screenshots"), { recursive: true });
    await expect(collect(runDataSource(base).read())).rejects.toThrow(ConfigError);
    await expect(collect(runDataSource(base).read())).rejects.toThrow(/no screenshots\/ in .*no-shots: is this a qontinui run_data directory\? \(.*run_data exists: give that\)/);
    await expect(collect(runDataSource(path.join(dir, "does-not-exist")).read())).rejects.toThrow(ConfigError);
    // An empty run: nothing, and no debug_visuals/ is fine.
    expect(await collect(runDataSource(path.join(base, "run_data")).read())).toEqual([]);
  });

  it("refuses a screenshots/ folder that is a symlink out of run_data", async () => {
    const base = path.join(dir, "linked");
    await put(base, { "elsewhere/screenshot-0001.png": jpegA, "elsewhere/screenshot-0001.json": pyJson(screenshotSidecar(1, "a", 1, "i", true)) });
    await mkdir(path.join(base, "run_data"));
    await symlink(path.join(base, "elsewhere"), path.join(base, "run_data", "screenshots"));
    await expect(collect(runDataSource(path.join(base, "run_data")).read())).rejects.toThrow(/outside/);
  });

  it("is named run-data with run_data/ as its root", () => {
    const source = runDataSource("some/run_data");
    expect(source.name).toBe("run-data");
    expect(source.root).toBe(path.resolve("some/run_data"));
  });
});

describe("runDataSource: core's source contract", () => {
  it("keeps it: order, bytes, stable reads, named problems, no symlink out, quiet abort", async () => {
    const report = await checkSourceContract({
      name: "run-data",
      async writeSession(d, images) {
        const files: Record<string, string | Buffer> = {};
        images.forEach((bytes, i) => Object.assign(files, { [`${shot(i + 1)}.png`]: bytes, [`${shot(i + 1)}.json`]: pyJson(screenshotSidecar(i + 1, `a-${i}`, 10 + i, "img", false)) }));
        await put(d, files);
      },
      addMalformed: (d) => put(d, { [`${shot(100)}.json`]: '{"screenshot_number": 100, "action_id": ', [`${shot(100)}.png`]: jpegA }),
      async addSymlinkOut(d, outsideFile) {
        await put(d, { [`${shot(101)}.json`]: pyJson(screenshotSidecar(101, "out", 100, "img", false)) });
        await symlink(outsideFile, path.join(d, `${shot(101)}.png`));
      },
      open: (d) => runDataSource(d),
    });
    expect(report.failures).toEqual([]);
    expect(report.recordsChecked).toBeGreaterThan(0);
  });
});

describe("pairDebugVisuals", () => {
  const s = (actionId: string, seconds: number, number: number, found = true, imageId: string | null = "i") => ({ actionId, imageId, found, micros: seconds * 1e6, number });

  it("pairs with the latest earlier screenshot of the same action, image and found; never by number", () => {
    const screenshots = [s("a", 1, 1), s("a", 2, 2), s("b", 3, 3), s("a", 4, 4, false)];
    const debugs = [s("a", 2.5, 2), s("b", 3.2, 1), s("a", 4.1, 4, false), s("a", 0.5, 1)];
    const p = pairDebugVisuals(screenshots, debugs);
    expect(p.screenshotOf).toEqual([1, 2, 3, undefined]);
    expect(p.unpaired).toEqual(new Map([[3, null]]));
  });

  it("counts an equal timestamp as earlier, breaks time ties by number, keeps null image ids apart from \"null\"", () => {
    const screenshots = [s("a", 5, 8), s("a", 5, 7), s("n", 1, 1, true, null)];
    const debugs = [s("a", 5, 1), s("n", 2, 2, true, "null"), s("n", 2, 3, true, null)];
    const p = pairDebugVisuals(screenshots, debugs);
    expect(p.screenshotOf).toEqual([0, undefined, 2]);
  });

  it("gives a screenshot one debug visual: the first after it", () => {
    const p = pairDebugVisuals([s("a", 1, 1)], [s("a", 3, 9), s("a", 2, 5)]);
    expect(p.screenshotOf).toEqual([undefined, 0]);
    expect(p.unpaired).toEqual(new Map([[0, 1]]));
  });
});

describe("parseIsoMicros", () => {
  it("reads naive UTC with and without a fraction, exactly", () => {
    expect(parseIsoMicros("2026-02-03T10:15:42.118204")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) * 1000 + 118204);
    expect(parseIsoMicros("2026-02-03T10:15:42")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) * 1000);
    expect(parseIsoMicros("2026-02-03T10:15:42.5")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) * 1000 + 500000);
    expect(parseIsoMicros("2026-02-03T11:15:42+01:00")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) * 1000);
    expect(parseIsoMicros("2026-02-30T10:15:42")).toBeUndefined();
    expect(parseIsoMicros("yesterday")).toBeUndefined();
    expect(at(41.3)).toBe("2026-02-03T10:15:41.300000");
  });
});

/** Tree events in the schema's camelCase form, as the runner writes them. */
function actionEvent(node: {
  id: string;
  name: string;
  start: number;
  end: number;
  status?: "success" | "failed";
  error?: string;
  runtime?: Record<string, unknown>;
  activeAfter?: string[];
  screenshotReference?: string;
}): string {
  const failed = node.status === "failed";
  return JSON.stringify({
    type: "tree_event",
    eventType: failed ? "action_failed" : "action_completed",
    sequence: Math.round(node.end * 10),
    timestamp: node.end,
    path: [
      { id: "wf-1", name: "Save", nodeType: "workflow" },
      { id: node.id, name: node.name, nodeType: "action" },
    ],
    node: {
      id: node.id,
      nodeType: "action",
      name: node.name,
      timestamp: node.start,
      endTimestamp: node.end,
      duration: node.end - node.start,
      parentId: "wf-1",
      status: node.status ?? "success",
      ...(node.error ? { error: node.error } : {}),
      metadata: {
        config: {},
        isExpandable: false,
        isInline: false,
        ...(node.runtime ? { runtime: node.runtime } : {}),
        stateContext: { activeBefore: ["Editor"], activeAfter: node.activeAfter ?? ["Editor"], changed: false, activated: [], deactivated: [] },
        outcome: { success: !failed, retryCount: 0, ...(node.error ? { error: node.error } : {}) },
        ...(node.screenshotReference ? { screenshotReference: node.screenshotReference } : {}),
      },
    },
  });
}

describe("runDataSource with tree events", () => {
  let runData: string;
  let events: string;
  beforeAll(async () => {
    const base = path.join(dir, "events");
    runData = path.join(base, "run_data");
    events = path.join(base, "tree-events.jsonl");
    await put(runData, {
      // CLICK btn-save-7: its first attempt is found (w/h in the event), debug visuals off.
      ...attempt(1, screenshotSidecar(1, "btn-save-7", 10, "img-save", true), jpegA),
      // CLICK btn-load: first attempt not found, second found on a changed screen, then a check after the end.
      ...attempt(2, screenshotSidecar(2, "btn-load", 20, "img-load", false), jpegA),
      ...attempt(3, screenshotSidecar(3, "btn-load", 20.4, "img-load", true), jpegB),
      ...attempt(4, screenshotSidecar(4, "btn-load", 25, "img-load", true), jpegB),
      // The state check of a nested workflow: unknown.
      ...attempt(5, screenshotSidecar(5, "unknown", 21, "img-state", true), jpegB),
      // A failed CLICK whose only attempt was not found: the click point goes on its first attempt.
      ...attempt(6, screenshotSidecar(6, "btn-fail", 30, "img-fail", false), jpegC),
      // A node with no sidecar whose screenshot is here without one: a record from the node itself.
      ...attempt(7, null, jpegC),
      // An attempt with a debug visual: the debug visual's size wins over the event's.
      ...attempt(8, screenshotSidecar(8, "btn-dbg", 40, "img-dbg", true), jpegA),
      ...debug(1, "btn-dbg", 40.05, { imageId: "img-dbg", found: true, location: { x: 70, y: 80 }, size: { width: 11, height: 12 } }),
      // A loop: the same action id runs twice.
      ...attempt(9, screenshotSidecar(9, "btn-loop", 50, "img-loop", true), jpegA),
      ...attempt(10, screenshotSidecar(10, "btn-loop", 60, "img-loop", true), jpegB),
      ...attempt(11, screenshotSidecar(11, "btn-extra", 70, "img-extra", true), jpegB),
      // Found attempts whose known box does not hold the click point are passed over ...
      ...attempt(12, screenshotSidecar(12, "btn-check", 80, "img-other", true), jpegC),
      ...debug(2, "btn-check", 80.05, { imageId: "img-other", found: true, location: { x: 10, y: 10 }, size: { width: 20, height: 20 } }),
      ...attempt(13, screenshotSidecar(13, "btn-check", 80.2, "img-d", true), jpegC),
      ...debug(4, "btn-check", 80.25, { imageId: "img-d", found: true, location: { x: 300, y: 300 }, size: { width: 20, height: 20 } }),
      ...attempt(14, screenshotSidecar(14, "btn-check", 80.4, "img-c", true), jpegC),
      ...debug(3, "btn-check", 80.45, { imageId: "img-c", found: true, location: { x: 200, y: 200 }, size: { width: 40, height: 20 } }),
      // ... else it goes on the first found attempt (the click follows the successful find at once; then come checks).
      ...attempt(15, screenshotSidecar(15, "btn-first", 90, "img-f", true), jpegA),
      ...attempt(16, screenshotSidecar(16, "btn-first", 90.3, "img-f", true), jpegA),
      ...debug(5, "btn-first", 90.35, { imageId: "img-f", found: true, location: { x: 0, y: 0 }, size: { width: 20, height: 20 } }),
    });
    const lines = [
      actionEvent({
        id: "btn-save-7",
        name: "CLICK",
        start: epochOf(9.9),
        end: epochOf(10.3),
        runtime: { imageId: "img-save", found: true, confidence: 0.9731, location: { x: 610, y: 388, w: 96, h: 32 }, clickedAt: { x: 658, y: 404 } },
        activeAfter: ["Saved"],
        screenshotReference: "screenshots/screenshot-0001.png",
      }),
      actionEvent({
        id: "btn-load",
        name: "CLICK",
        start: epochOf(19.9),
        end: epochOf(21),
        runtime: { imageId: "img-load", found: false, confidence: 0.0, clickedAt: { x: 500, y: 300 } },
        screenshotReference: "screenshots/screenshot-0002.png",
      }),
      "{not json",
      actionEvent({
        id: "btn-fail",
        name: "CLICK",
        start: epochOf(29.9),
        end: epochOf(30.5),
        status: "failed",
        error: "image not found",
        runtime: { imageId: "img-fail", found: false, confidence: 0.0, clickedAt: { x: 1, y: 2 } },
        screenshotReference: "screenshots/screenshot-0006.png",
      }),
      actionEvent({
        id: "btn-orphan",
        name: "CLICK",
        start: epochOf(35),
        end: epochOf(35.2),
        runtime: { imageId: "img-o", found: true, confidence: 0.95, location: { x: 40, y: 50, w: 60, h: 70 }, clickedAt: { x: 70, y: 85 } },
        screenshotReference: "screenshots\\screenshot-0007.png",
      }),
      actionEvent({
        id: "btn-dbg",
        name: "FIND",
        start: epochOf(39.9),
        end: epochOf(40.2),
        runtime: { imageId: "img-dbg", found: true, confidence: 0.9, location: { x: 70, y: 80, w: 99, h: 99 } },
        screenshotReference: "screenshots/screenshot-0008.png",
      }),
      actionEvent({ id: "btn-loop", name: "CLICK", start: epochOf(49.9), end: epochOf(50.5), runtime: { clickedAt: { x: 5, y: 5 } }, activeAfter: ["First"] }),
      actionEvent({ id: "btn-loop", name: "CLICK", start: epochOf(59.9), end: epochOf(60.5), runtime: { clickedAt: { x: 6, y: 6 } }, activeAfter: ["Second"] }),
      actionEvent({ id: "btn-check", name: "CLICK", start: epochOf(79.9), end: epochOf(81), runtime: { imageId: "img-c", found: true, clickedAt: { x: 220, y: 210 } } }),
      actionEvent({ id: "btn-first", name: "CLICK", start: epochOf(89.9), end: epochOf(91), runtime: { imageId: "img-f", found: true, clickedAt: { x: 5, y: 6 } } }),
      // A node whose screenshot has a sidecar of another action: no second record.
      actionEvent({ id: "btn-none", name: "CLICK", start: epochOf(70), end: epochOf(70.1), screenshotReference: "screenshots/screenshot-0011.png" }),
    ];
    await writeFile(events, lines.join("\n") + "\n");
  });

  it("joins each attempt to its action node: type, outcome, end, states after, one click per node, event boxes", async () => {
    const items = await collect(runDataSource(runData, { events }).read());
    expect(view(items)).toEqual([
      "!malformed_json tree-events.jsonl line 3",
      "screenshot-0001 btn-save-7",
      "screenshot-0002 btn-load",
      "screenshot-0003 btn-load",
      "screenshot-0005 unknown",
      "screenshot-0004 btn-load",
      "screenshot-0006 btn-fail",
      "screenshot-0007 btn-orphan",
      "screenshot-0008 btn-dbg",
      "screenshot-0009 btn-loop",
      "screenshot-0010 btn-loop",
      "screenshot-0011 btn-extra",
      "screenshot-0012 btn-check",
      "screenshot-0013 btn-check",
      "screenshot-0014 btn-check",
      "screenshot-0015 btn-first",
      "screenshot-0016 btn-first",
    ]);
    const r = new Map(records(items).map((x) => [x.attempt_id, x]));
    expect(r.get("screenshot-0001")).toMatchObject({
      action_type: "CLICK",
      success: true,
      start_time: epochOf(10),
      end_time: epochOf(10.3),
      duration_ms: expect.closeTo(400, 3),
      active_states_before: ["Editor"],
      active_states_after: ["Saved"],
      parent_action_id: "wf-1",
      workflow_id: "wf-1",
      clicked_location: { x: 658, y: 404 },
      match_summary: { image_id: "img-save", found: true, confidence: 0.9731, location: { x: 610, y: 388 }, template_size: { width: 96, height: 32 } },
    });
    // The click follows the successful find: the latest found attempt not after the node's end (3, not 2 nor 4).
    expect(r.get("screenshot-0002")!.clicked_location).toBeNull();
    expect(r.get("screenshot-0003")!.clicked_location).toEqual({ x: 500, y: 300 });
    expect(r.get("screenshot-0004")!.clicked_location).toBeNull();
    // The first attempt was not found: no event box anywhere; the found attempts say found without a location.
    expect(r.get("screenshot-0003")!.match_summary).toEqual({ image_id: "img-load", found: true });
    expect(r.get("screenshot-0002")!.match_summary).toEqual({ image_id: "img-load", found: false });
    // Unknown attempts join nothing.
    expect(r.get("screenshot-0005")).toMatchObject({ clicked_location: null, active_states_after: [] });
    expect(r.get("screenshot-0005")!.action_type ?? null).toBeNull();
    expect(r.get("screenshot-0005")!.success ?? null).toBeNull();
    // Failed, nothing found: the click goes on the node's screenshot.
    expect(r.get("screenshot-0006")).toMatchObject({ success: false, error_message: "image not found", clicked_location: { x: 1, y: 2 } });
    // From the node alone (Windows separators in the reference).
    expect(r.get("screenshot-0007")).toMatchObject({
      action_id: "btn-orphan",
      screenshot_reference: "screenshots/screenshot-0007.png",
      start_time: epochOf(35),
      clicked_location: { x: 70, y: 85 },
      match_summary: { image_id: "img-o", found: true, location: { x: 40, y: 50 }, template_size: { width: 60, height: 70 } },
    });
    // The debug visual wins over the event.
    expect(r.get("screenshot-0008")!.match_summary).toMatchObject({ location: { x: 70, y: 80 }, template_size: { width: 11, height: 12 } });
    // A loop: each attempt joins its own run.
    expect(r.get("screenshot-0009")).toMatchObject({ active_states_after: ["First"], clicked_location: { x: 5, y: 5 } });
    expect(r.get("screenshot-0010")).toMatchObject({ active_states_after: ["Second"], clicked_location: { x: 6, y: 6 } });
    expect(r.get("screenshot-0011")).toMatchObject({ action_id: "btn-extra" });
    expect(r.get("screenshot-0011")!.action_type ?? null).toBeNull();
    const clicked = (ids: string[]) => ids.map((id) => r.get(id)!.clicked_location);
    expect(clicked(["screenshot-0012", "screenshot-0013", "screenshot-0014"])).toEqual([null, null, { x: 220, y: 210 }]);
    expect(clicked(["screenshot-0015", "screenshot-0016"])).toEqual([{ x: 5, y: 6 }, null]);
  });

  it("exports the event boxes (debug visuals off) and the clicks", async () => {
    const { items, statistics } = await exportRun(runDataSource(runData, { events }));
    const boxes = Object.fromEntries(items.map((i) => [i.record.attempt_id, i.annotations.map((a) => [a.categoryName, ...a.bbox])]));
    expect(boxes["screenshot-0001"]).toEqual([["img-save", 610, 388, 96, 32]]);
    expect(boxes["screenshot-0007"]).toEqual([["img-o", 40, 50, 60, 70]]);
    expect(boxes["screenshot-0008"]).toEqual([["img-dbg", 70, 80, 11, 12]]);
    expect(statistics.recordsWithClicks).toBe(8);
    expect(statistics.problems.byReason.image_without_sidecar).toBeUndefined();
  });

  it("with a stub node reader: joins what it is given and passes its problems on", async () => {
    const node: ActionNode = {
      id: "btn-save-7",
      name: "TYPE",
      eventType: "action_completed",
      status: "success",
      parentId: null,
      start: null,
      end: null,
      durationMs: null,
      success: true,
      error: null,
      activeBefore: [],
      activeAfter: ["Typed"],
      match: null,
      clickedAt: null,
      button: null,
      targetType: null,
      workflowId: null,
      screenshotReference: null,
      visualDebugReference: null,
      sequence: 1,
      line: 1,
    };
    async function* stub(): AsyncGenerator<ActionNode | { problem: Problem }> {
      yield { problem: { reason: "invalid_event", severity: "skipped", message: "x line 2: bad", line: 2 } };
      yield node;
    }
    const items = await collect(createRunDataSource(runData, { events: "ignored" }, stub).read());
    expect(view(items)[0]).toBe("!invalid_event x line 2");
    expect(records(items)[0]).toMatchObject({ action_id: "btn-save-7", action_type: "TYPE", active_states_after: ["Typed"] });
  });
});
