import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  ConfigError,
  type ExportItem,
  iou,
  type ExportStatistics,
  type Problem,
  parseRecord,
  runPipeline,
  silentLogger,
  type Source,
  type SourceItem,
  type Writer,
} from "@qontinui/export-core";
import { templateLabeler } from "@qontinui/labeler-template";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ActionNode,
  nodeToRecord,
  parseTreeEvent,
  readActionNodes,
  treeEventsSource,
} from "../src/tree-events/index.js";
import { isoSeconds } from "../src/iso-time.js";
import { collect, jsonl, scratch, summary, writeFiles } from "./fixtures.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratch()));
afterEach(() => cleanup());

// ---------------------------------------------------------------------------------------------
// The three forms of one event
// ---------------------------------------------------------------------------------------------

/** The example event of RUNNER_FORMATS.md section B, as written there. */
const EXAMPLE_LINE =
  '{"type":"tree_event","eventType":"action_completed","sequence":57,"timestamp":1770113742.3,"path":[{"id":' +
  '"wf-1","name":"Save","nodeType":"workflow"},{"id":"btn-save-7","name":"CLICK","nodeType":"action"}],"node":{' +
  '"id":"btn-save-7","nodeType":"action","name":"CLICK","timestamp":1770113741.9,"endTimestamp":1770113742.3,' +
  '"duration":0.4,"parentId":"wf-1","status":"success","metadata":{"config":{},"isExpandable":false,"isInline":' +
  'false,"runtime":{"imageId":"img-save","found":true,"confidence":0.9731,"location":{"x":610,"y":388,"w":96,' +
  '"h":32},"clickedAt":{"x":658,"y":404}},"outcome":{"success":true,"retryCount":0},' +
  '"screenshotReference":"screenshots/screenshot-0012.png"}}}';

interface Action {
  id: string;
  name: string;
  sequence: number;
  start: number;
  end: number;
  parent: string;
  workflowName: string;
  imageId: string;
  found: boolean;
  confidence: number;
  x: number;
  y: number;
  /** Given only to the camel/snake forms when set: the bridge's match_summary has no size. */
  w?: number;
  h?: number;
  click?: { x: number; y: number };
  before: string[];
  after: string[];
  screenshot: string | null;
  debug?: string;
  success?: boolean;
  error?: string;
}

const SAVE: Action = {
  id: "btn-save-7",
  name: "CLICK",
  sequence: 57,
  start: 1770113741.9,
  end: 1770113742.3,
  parent: "wf-1",
  workflowName: "Save",
  imageId: "img-save",
  found: true,
  confidence: 0.9731,
  x: 610,
  y: 388,
  click: { x: 658, y: 404 },
  before: ["Editor"],
  after: ["Editor", "Saved"],
  screenshot: "screenshots/screenshot-0012.png",
  debug: "debug_visuals/debug-0005-action-btn-save-7.png",
};

/** The schema's camelCase form. */
function camelEvent(a: Action): Record<string, unknown> {
  const success = a.success ?? true;
  return {
    type: "tree_event",
    eventType: success ? "action_completed" : "action_failed",
    sequence: a.sequence,
    timestamp: a.end,
    path: [
      { id: a.parent, name: a.workflowName, nodeType: "workflow" },
      { id: a.id, name: a.name, nodeType: "action" },
    ],
    node: {
      id: a.id,
      nodeType: "action",
      name: a.name,
      timestamp: a.start,
      endTimestamp: a.end,
      duration: Math.round((a.end - a.start) * 1000) / 1000,
      parentId: a.parent,
      status: success ? "success" : "failed",
      ...(a.error ? { error: a.error } : {}),
      metadata: {
        config: { target: { imageId: a.imageId } },
        isExpandable: false,
        isInline: false,
        runtime: {
          imageId: a.imageId,
          found: a.found,
          confidence: a.confidence,
          location: { x: a.x, y: a.y, ...(a.w !== undefined ? { w: a.w, h: a.h } : {}) },
          ...(a.click ? { clickedAt: a.click, button: "left", targetType: "image" } : {}),
        },
        stateContext: {
          activeBefore: a.before,
          activeAfter: a.after,
          changed: a.before.join() !== a.after.join(),
          activated: a.after.filter((s) => !a.before.includes(s)),
          deactivated: a.before.filter((s) => !a.after.includes(s)),
        },
        outcome: { success, ...(a.error ? { error: a.error } : {}), retryCount: 0 },
        ...(a.screenshot ? { screenshotReference: a.screenshot } : {}),
        ...(a.debug ? { visualDebugReference: a.debug } : {}),
      },
    },
  };
}

/** Every key snake_case (the schema's aliases), at every depth. */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}

/**
 * The python bridge's stdout form (event_manager.emit_tree_event): snake_case, path items with
 * `type`, the ActionExecutionRecord's `to_tree_event_data()` under `metadata.execution_record`.
 */
function bridgeEvent(a: Action): Record<string, unknown> {
  const success = a.success ?? true;
  const duration = Math.round((a.end - a.start) * 1000) / 1000;
  return {
    type: "tree_event",
    event_type: success ? "action_completed" : "action_failed",
    node: {
      id: a.id,
      node_type: "action",
      name: a.name,
      timestamp: a.start,
      end_timestamp: a.end,
      duration,
      parent_id: a.parent,
      status: success ? "success" : "failed",
      metadata: {
        config: { target: { imageId: a.imageId } },
        is_expandable: false,
        action_definition: { type: a.name, is_expandable: false },
        execution_record: {
          id: a.id,
          type: "action",
          name: a.name,
          timestamp: a.start,
          end_timestamp: a.end,
          duration,
          parent_id: a.parent,
          nesting_level: 1,
          workflow_name: a.parent,
          status: success ? "success" : "failed",
          error: a.error ?? null,
          metadata: {
            action_definition: { type: a.name },
            config: { target: { imageId: a.imageId } },
            runtime: {
              match_summary: { image_id: a.imageId, confidence: a.confidence, threshold: 0.85, found: a.found, location: { x: a.x, y: a.y } },
              ...(a.click ? { clicked_location: a.click, click_button: "left", click_target_type: "image" } : {}),
            },
            screenshot_reference: a.screenshot,
            visual_debug_reference: a.debug ?? null,
            retry_count: 0,
          },
          state_context: {
            active_before: [...a.before].sort(),
            active_after: [...a.after].sort(),
            state_changed: a.before.join() !== a.after.join(),
            states_activated: a.after.filter((s) => !a.before.includes(s)),
            states_deactivated: a.before.filter((s) => !a.after.includes(s)),
          },
        },
      },
      error: a.error ?? null,
      nesting_level: 1,
    },
    timestamp: a.end,
    sequence: a.sequence,
    path: [
      { id: a.parent, name: a.workflowName, type: "workflow" },
      { id: a.id, name: a.name, type: "action" },
    ],
  };
}

type Form = "camel" | "snake" | "bridge";
const FORMS: Form[] = ["camel", "snake", "bridge"];
const eventIn = (form: Form, a: Action) => (form === "camel" ? camelEvent(a) : form === "snake" ? snakeKeys(camelEvent(a)) : bridgeEvent(a));

function actionOf(value: unknown, line = 1): ActionNode {
  const parsed = parseTreeEvent(value, line);
  if (parsed.kind !== "action") throw new Error(`expected an action, got ${JSON.stringify(parsed)}`);
  return parsed.node;
}

describe("parseTreeEvent", () => {
  it("reads the camelCase, snake_case and bridge forms of one event to the same ActionNode", () => {
    const camel = actionOf(camelEvent(SAVE), 3);
    expect(camel).toEqual({
      id: "btn-save-7",
      name: "CLICK",
      eventType: "action_completed",
      status: "success",
      parentId: "wf-1",
      start: 1770113741.9,
      end: 1770113742.3,
      durationMs: 400,
      success: true,
      error: null,
      activeBefore: ["Editor"],
      activeAfter: ["Editor", "Saved"],
      match: { imageId: "img-save", found: true, confidence: 0.9731, x: 610, y: 388, w: null, h: null, threshold: null },
      clickedAt: { x: 658, y: 404 },
      button: "left",
      targetType: "image",
      workflowId: "wf-1",
      screenshotReference: "screenshots/screenshot-0012.png",
      visualDebugReference: "debug_visuals/debug-0005-action-btn-save-7.png",
      sequence: 57,
      line: 3,
    } satisfies ActionNode);
    expect(actionOf(snakeKeys(camelEvent(SAVE)), 3)).toEqual(camel);
    // The bridge's match_summary also says the threshold; everything else is the same.
    expect(actionOf(bridgeEvent(SAVE), 3)).toEqual({ ...camel, match: { ...camel.match, threshold: 0.85 } });

    // With a size in the event, camel and snake still agree.
    const sized = { ...SAVE, w: 96, h: 32 };
    expect(actionOf(camelEvent(sized)).match).toMatchObject({ w: 96, h: 32 });
    expect(actionOf(snakeKeys(camelEvent(sized)))).toEqual(actionOf(camelEvent(sized)));
  });

  it("reads a failed action of each form", () => {
    const failed: Action = { ...SAVE, success: false, error: "Child action 'FIND' failed", found: false, confidence: 0.41, after: ["Editor"] };
    for (const form of FORMS) {
      const node = actionOf(eventIn(form, failed));
      expect(node, form).toMatchObject({ eventType: "action_failed", status: "failed", success: false, error: "Child action 'FIND' failed" });
      expect(node.match, form).toMatchObject({ found: false, confidence: 0.41 });
    }
  });

  it("ignores workflow, transition and action_started events; names unknown types and non-events", () => {
    for (const eventType of ["workflow_started", "workflow_completed", "workflow_failed", "transition_started", "transition_completed", "transition_failed", "action_started"]) {
      expect(parseTreeEvent({ type: "tree_event", eventType, node: { id: "n" } }, 1)).toEqual({ kind: "ignored", eventType });
      expect(parseTreeEvent({ type: "tree_event", event_type: eventType }, 1)).toEqual({ kind: "ignored", eventType });
    }
    const reason = (v: unknown) => {
      const p = parseTreeEvent(v, 1);
      return p.kind === "problem" ? p.reason : p.kind;
    };
    expect(reason({ type: "tree_event", eventType: "action_paused", node: { id: "a" } })).toBe("unknown_event_type");
    expect(reason({ type: "tree_event", eventType: "ACTION_COMPLETED", node: { id: "a" } })).toBe("unknown_event_type");
    expect(reason([1, 2])).toBe("invalid_event");
    expect(reason(42)).toBe("invalid_event");
    expect(reason(null)).toBe("invalid_event");
    expect(reason({ type: "event", event: "log", data: { message: "hi" } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", node: { id: "a" } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: 7, node: { id: "a" } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: "action_completed" })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: "action_completed", node: { name: "CLICK" } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: "action_completed", node: { id: "" } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: "action_completed", node: { id: { x: 1 } } })).toBe("invalid_event");
    expect(reason({ type: "tree_event", eventType: "action_completed", node: { id: "w", nodeType: "workflow" } })).toBe("invalid_event");
    // `type` defaults to "tree_event" in the schema: an event without it is read.
    expect(reason({ eventType: "action_completed", node: { id: "a" } })).toBe("action");
    // Messages are short even for a hostile megabyte-long type.
    const long = parseTreeEvent({ type: "tree_event", eventType: "x".repeat(1_000_000), node: { id: "a" } }, 1);
    expect(long.kind === "problem" && long.message.length).toBeLessThan(300);
  });

  it("treats NaN, null and wrongly typed numbers as absent, never crashing", () => {
    const node = actionOf({
      type: "tree_event",
      eventType: "action_completed",
      sequence: "57",
      node: {
        id: 12,
        name: ["CLICK"],
        timestamp: null, // a bare NaN, as read by core
        endTimestamp: "1770113742.3",
        duration: Number.NaN,
        parentId: { id: "wf" },
        status: 3,
        metadata: {
          runtime: { imageId: "img", found: "yes", confidence: null, location: { x: "610", y: 388, w: Number.POSITIVE_INFINITY, h: 32 }, clickedAt: [1, null] },
          stateContext: { activeBefore: ["A", 5, null, "B"], activeAfter: "A" },
          timing: { startTime: "not a date", endTime: 17 },
          outcome: { success: "true" },
          screenshotReference: 42,
          visualDebugReference: "",
        },
      },
    });
    expect(node).toMatchObject({
      id: "12",
      name: null,
      status: null,
      parentId: null,
      start: null,
      end: 17,
      durationMs: null,
      success: true, // from the event type
      activeBefore: ["A", "B"],
      activeAfter: [],
      match: { imageId: "img", found: null, confidence: null, x: null, y: null, w: null, h: null },
      clickedAt: null,
      screenshotReference: null,
      visualDebugReference: null,
      sequence: null,
    });
    // Shapes that are not objects where objects are expected.
    for (const metadata of [5, "x", [], null]) {
      const n = actionOf({ type: "tree_event", eventType: "action_failed", node: { id: "a", metadata }, path: "nope" });
      expect(n).toMatchObject({ id: "a", match: null, success: false, activeBefore: [], screenshotReference: null, workflowId: null });
    }
    // The record made from it is valid.
    expect(parseRecord(nodeToRecord(node)).ok).toBe(true);
  });

  it("takes times from timing (ISO, naive = UTC) when the node has no epoch timestamps", () => {
    const node = actionOf({
      type: "tree_event",
      event_type: "action_completed",
      node: { id: "a", metadata: { timing: { start_time: "2026-02-03T10:15:42.118204", end_time: "2026-02-03T10:15:42.518204", duration_ms: 400 } } },
    });
    expect(node.start).toBeCloseTo(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000 + 0.118204, 6);
    expect(node.end).toBeCloseTo(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000 + 0.518204, 6);
    expect(node.durationMs).toBe(400);

    expect(isoSeconds("2026-02-03T10:15:42")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000);
    expect(isoSeconds("2026-02-03 10:15:42")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000);
    expect(isoSeconds("2026-02-03T10:15:42Z")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000);
    expect(isoSeconds("2026-02-03T12:15:42+02:00")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000);
    expect(isoSeconds("2026-02-03T05:15:42-0500")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000);
    expect(isoSeconds("2026-02-03T10:15:42.5+00:00")).toBe(Date.UTC(2026, 1, 3, 10, 15, 42) / 1000 + 0.5);
    for (const bad of ["2026-02-30T10:15:42", "2026-13-01T00:00:00", "yesterday", "", "2026-02-03", null, {}, Number.NaN]) expect(isoSeconds(bad)).toBeNull();
    // Without a duration, it is end - start.
    const noDuration = actionOf({ type: "tree_event", eventType: "action_completed", node: { id: "a", timestamp: 100.25, endTimestamp: 100.75 } });
    expect(noDuration.durationMs).toBe(500);
  });

  it("keeps hostile ids and references as data", () => {
    const hostile = "../../etc/passwd\u0000<script>";
    const node = actionOf({
      type: "tree_event",
      eventType: "action_completed",
      node: { id: hostile, parentId: "/", metadata: { screenshotReference: "/etc/passwd", visualDebugReference: "../../x.png" } },
    });
    expect(node).toMatchObject({ id: hostile, parentId: "/", screenshotReference: "/etc/passwd", visualDebugReference: "../../x.png" });
    const parsed = parseRecord(nodeToRecord(node));
    expect(parsed.ok && parsed.record.action_id).toBe(hostile);
  });
});

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

describe("nodeToRecord", () => {
  it("gives the expected record for the example event of RUNNER_FORMATS.md", () => {
    const parsed = parseRecord(nodeToRecord(actionOf(JSON.parse(EXAMPLE_LINE))));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.record).toEqual({
      action_id: "btn-save-7",
      action_type: "CLICK",
      start_time: 1770113741.9,
      end_time: 1770113742.3,
      duration_ms: 400,
      success: true,
      error_message: null,
      active_states_before: [],
      active_states_after: [],
      match_summary: { image_id: "img-save", found: true, confidence: 0.9731, location: { x: 610, y: 388 }, template_size: { width: 96, height: 32 } },
      clicked_location: { x: 658, y: 404 },
      click_button: null,
      click_target_type: null,
      screenshot_reference: "screenshots/screenshot-0012.png",
      workflow_id: "wf-1",
      parent_action_id: "wf-1",
      metadata: {
        tree_event: {
          event_type: "action_completed",
          sequence: 57,
          status: "success",
          parent_id: "wf-1",
          visual_debug_reference: null,
          template_size_source: "event",
        },
      },
    });
  });

  it("takes the size from the event, else from the debug sidecar, else gives none", () => {
    const withSize = actionOf(camelEvent({ ...SAVE, w: 96, h: 32 }));
    expect(nodeToRecord(withSize, { width: 1, height: 1 }).match_summary).toMatchObject({ template_size: { width: 96, height: 32 } });
    const noSize = actionOf(camelEvent(SAVE));
    expect(nodeToRecord(noSize, { width: 96, height: 32 }).match_summary).toMatchObject({ template_size: { width: 96, height: 32 } });
    expect((nodeToRecord(noSize, { width: 96, height: 32 }).metadata as { tree_event: { template_size_source: string } }).tree_event.template_size_source).toBe("debug_sidecar");
    expect(nodeToRecord(noSize, null).match_summary).not.toHaveProperty("template_size");
    expect(nodeToRecord(noSize).match_summary).not.toHaveProperty("template_size");
  });
});

// ---------------------------------------------------------------------------------------------
// Reading a file
// ---------------------------------------------------------------------------------------------

describe("readActionNodes", () => {
  it("yields completed and failed action nodes; bad lines become problems naming file and line; the reading goes on", async () => {
    const file = path.join(dir, "tree-events.jsonl");
    await writeFile(
      file,
      jsonl([
        { type: "tree_event", eventType: "workflow_started", sequence: 1, node: { id: "wf-1", nodeType: "workflow" } },
        { type: "tree_event", eventType: "action_started", sequence: 2, node: { id: "a1", nodeType: "action", metadata: { config: {} } } },
        camelEvent({ ...SAVE, id: "a1" }),
        "{not json",
        { type: "tree_event", eventType: "action_paused", node: { id: "a2" } },
        "",
        bridgeEvent({ ...SAVE, id: "a3" }),
        { type: "tree_event", eventType: "action_completed", node: {} },
        { type: "tree_event", eventType: "workflow_completed", sequence: 9, node: { id: "wf-1" } },
      ]) + '{"type":"tree_event","eventType":"action_completed","node":{"id":"a4"',
    );
    const items = [];
    for await (const item of readActionNodes(file, { plugin: "tree-events" })) items.push(item);
    expect(items.map((i) => ("problem" in i ? `${i.problem.line}:!${i.problem.reason}` : `${i.line}:${i.id}`))).toEqual([
      "3:a1",
      "4:!malformed_json",
      "5:!unknown_event_type",
      "7:a3",
      "8:!invalid_event",
      "10:!torn_line",
    ]);
    const problems = items.flatMap((i) => ("problem" in i ? [i.problem] : []));
    for (const p of problems) {
      expect(p).toMatchObject({ severity: "skipped", plugin: "tree-events" });
      expect(p.message).toContain(`tree-events.jsonl line ${p.line}`);
    }
    expect(problems[1]!.message).toContain('"action_paused"');
  });

  it("throws a ConfigError for a missing file", async () => {
    await expect(collect(readActionNodes(path.join(dir, "nope.jsonl")) as AsyncIterable<never>)).rejects.toBeInstanceOf(ConfigError);
  });
});

// ---------------------------------------------------------------------------------------------
// The source, through the pipeline, on realistic screenshots
// ---------------------------------------------------------------------------------------------

const W = 1280;
const H = 720;

interface Drawn {
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
}

/** A full-size screen with the given rectangles drawn, as JPEG (q85) bytes: what the runner stores in a `.png` name since Dec 2025. */
async function screen(boxes: Drawn[], background = "#e9ecef"): Promise<Buffer> {
  const layers = await Promise.all(
    boxes.map(async (b) => ({ input: await sharp({ create: { width: b.w, height: b.h, channels: 3, background: b.color } }).png().toBuffer(), left: b.x, top: b.y })),
  );
  return sharp({ create: { width: W, height: H, channels: 3, background } }).composite(layers).jpeg({ quality: 85 }).toBuffer();
}

/** The annotated debug visual: a full-size PNG of the same screen. */
async function debugVisual(boxes: Drawn[]): Promise<Buffer> {
  return sharp(await screen(boxes)).png({ compressionLevel: 1 }).toBuffer();
}

function debugSidecar(a: Action, number: number, size: { width: number; height: number }, extra = ""): string {
  // Indented, as the runner writes it; `extra` lets a test put a bare NaN in.
  return `{
  "debug_number": ${number},
  "action_id": ${JSON.stringify(a.id)},
  "timestamp": "2026-02-03T10:15:42.118930",
  "filename": ${JSON.stringify(path.basename(a.debug ?? ""))},
  "match_info": {
    "image_id": ${JSON.stringify(a.imageId)},
    "found": ${a.found},
    "confidence": ${extra || a.confidence},
    "threshold": 0.85,
    "location": {"x": ${a.x}, "y": ${a.y}},
    "method": "template_matching",
    "template_size": {"width": ${size.width}, "height": ${size.height}},
    "screenshot_size": {"width": 0, "height": 0},
    "search_region": null
  }
}
`;
}

function screenshotSidecar(a: Action, number: number): string {
  return JSON.stringify({
    screenshot_number: number,
    action_id: a.id,
    active_states: a.before,
    timestamp: "2026-02-03T10:15:42.118204",
    filename: path.basename(a.screenshot ?? ""),
    event_type: "match_attempt",
    image_id: a.imageId,
    found: a.found,
  });
}

function collectingWriter(items: ExportItem[]): Writer {
  return {
    name: "collect",
    async open() {},
    async write(item) {
      items.push(item);
    },
    async close() {
      return { writer: "collect" };
    },
  };
}

async function exportWith(source: Source, signal?: AbortSignal): Promise<{ items: ExportItem[]; statistics: ExportStatistics; problems: Problem[] }> {
  const items: ExportItem[] = [];
  const problems: Problem[] = [];
  const { statistics } = await runPipeline({
    source,
    labelers: [templateLabeler()],
    writers: [collectingWriter(items)],
    logger: silentLogger,
    onProblem: (p) => problems.push(p),
    ...(signal ? { signal } : {}),
  });
  return { items, statistics, problems };
}

const boxesOf = (item: ExportItem) => item.annotations.map((a) => ({ bbox: a.bbox, category: a.categoryName, confidence: a.confidence }));

/** A run_data/ with three actions on two screens, each with its screenshot and debug visual (+ sidecars). */
async function writeRun(): Promise<{ runData: string; actions: Action[] }> {
  const runData = path.join(dir, "run_data");
  const save: Action = { ...SAVE };
  const open: Action = {
    ...SAVE,
    id: "menu-open-2",
    sequence: 61,
    start: 1770113743.0,
    end: 1770113743.35,
    imageId: "img-menu",
    confidence: 0.9412,
    x: 24,
    y: 12,
    click: { x: 24 + 30, y: 12 + 11 },
    before: ["Editor", "Saved"],
    after: ["Editor", "Menu"],
    screenshot: "screenshots/screenshot-0013.png",
    debug: "debug_visuals/debug-0006-action-menu-open-2.png",
  };
  const find: Action = {
    ...SAVE,
    id: "find-logo-3",
    name: "FIND",
    sequence: 64,
    start: 1770113744.0,
    end: 1770113744.2,
    imageId: "img-logo",
    confidence: 0.9903,
    x: 1100,
    y: 640,
    click: undefined,
    before: ["Editor", "Menu"],
    after: ["Editor", "Menu"],
    screenshot: "screenshots/screenshot-0014.png",
    debug: "debug_visuals/debug-0007-action-find-logo-3.png",
  };
  const sizes = new Map([
    [save.id, { width: 96, height: 32 }],
    [open.id, { width: 60, height: 22 }],
    [find.id, { width: 150, height: 48 }],
  ]);
  const drawn = (a: Action, color: string): Drawn => ({ x: a.x, y: a.y, w: sizes.get(a.id)!.width, h: sizes.get(a.id)!.height, color });
  const screen1 = [drawn(save, "#1f6feb"), drawn(open, "#6e7781")];
  const screen2 = [drawn(open, "#6e7781"), drawn(find, "#d1242f")];
  const files: Record<string, string | Buffer> = {};
  let n = 12;
  let d = 5;
  for (const [a, boxes] of [
    [save, screen1],
    [open, screen1],
    [find, screen2],
  ] as const) {
    files[a.screenshot!] = await screen(boxes);
    files[a.screenshot!.replace(/\.png$/, ".json")] = screenshotSidecar(a, n++);
    files[a.debug!] = await debugVisual(boxes);
    files[a.debug!.replace(/\.png$/, ".json")] = debugSidecar(a, d++, sizes.get(a.id)!);
  }
  await writeFiles(runData, files);
  return { runData, actions: [save, open, find].map((a) => ({ ...a, w: undefined, h: undefined })) };
}

const EXPECTED_BOXES = [
  [{ bbox: [610, 388, 96, 32], category: "img-save", confidence: 0.9731 }],
  [{ bbox: [24, 12, 60, 22], category: "img-menu", confidence: 0.9412 }],
  [{ bbox: [1100, 640, 150, 48], category: "img-logo", confidence: 0.9903 }],
];

/** The events of a run, with the workflow and started events around the actions, in one form. */
function eventsFile(form: Form, actions: Action[], sized?: Map<string, { width: number; height: number }>): string {
  const lines: unknown[] = [{ type: "tree_event", eventType: "workflow_started", sequence: 50, timestamp: 1770113741.0, node: { id: "wf-1", nodeType: "workflow", name: "Save" } }];
  for (const a of actions) {
    lines.push({ type: "tree_event", eventType: "action_started", sequence: a.sequence - 1, timestamp: a.start, node: { id: a.id, nodeType: "action", name: a.name, metadata: { config: {} } } });
    const size = sized?.get(a.id);
    lines.push(eventIn(form, size ? { ...a, w: size.width, h: size.height } : a));
  }
  lines.push({ type: "tree_event", eventType: "workflow_completed", sequence: 70, timestamp: 1770113745.0, node: { id: "wf-1", nodeType: "workflow", name: "Save" } });
  return jsonl(form === "camel" ? lines : lines.map((l, i) => (i === 0 || i === lines.length - 1 ? snakeKeys(l) : l)));
}

describe("treeEventsSource", () => {
  it("exports each form through the pipeline: the template box lands where it was drawn (size from the debug sidecar)", async () => {
    const { runData, actions } = await writeRun();
    for (const form of FORMS) {
      const file = path.join(dir, `tree-events-${form}.jsonl`);
      await writeFile(file, eventsFile(form, actions));
      const source = treeEventsSource(file, runData);
      expect(source).toMatchObject({ name: "tree-events", root: runData });
      const { items, statistics, problems } = await exportWith(source);
      expect(problems, form).toEqual([]);
      expect(statistics.recordsRead, form).toBe(3);
      expect(statistics.recordsExported, form).toBe(3);
      expect(items.map((i) => i.record.action_id), form).toEqual(["btn-save-7", "menu-open-2", "find-logo-3"]);
      expect(items.map(boxesOf), form).toEqual(EXPECTED_BOXES);
      for (const i of items) {
        expect([i.image.width, i.image.height, i.image.format], form).toEqual([W, H, "jpeg"]);
        expect((i.record.metadata as { tree_event: { template_size_source: string } }).tree_event.template_size_source).toBe("debug_sidecar");
      }
      expect(items[1]!.record).toMatchObject({ active_states_before: ["Editor", "Saved"], clicked_location: { x: 54, y: 23 }, action_type: "CLICK" });
    }
  });

  it("uses the event's w/h when it has them (no sidecar needed)", async () => {
    const { runData, actions } = await writeRun();
    const sizes = new Map([
      ["btn-save-7", { width: 96, height: 32 }],
      ["menu-open-2", { width: 60, height: 22 }],
      ["find-logo-3", { width: 150, height: 48 }],
    ]);
    const file = path.join(dir, "tree-events.jsonl");
    // No debug visual references: only the event can give the size.
    await writeFile(file, eventsFile("camel", actions.map((a) => ({ ...a, debug: undefined })), sizes));
    const { items, problems } = await exportWith(treeEventsSource(file, runData));
    expect(problems).toEqual([]);
    expect(items.map(boxesOf)).toEqual(EXPECTED_BOXES);
    expect(items.map((i) => (i.record.metadata as { tree_event: { template_size_source: string } }).tree_event.template_size_source)).toEqual(["event", "event", "event"]);
  });

  it("without w/h and without a usable debug sidecar: the match has no size and the labeler says match_incomplete", async () => {
    const { runData, actions } = await writeRun();
    const file = path.join(dir, "tree-events.jsonl");
    await writeFile(file, eventsFile("camel", [{ ...actions[0]!, debug: undefined }, { ...actions[1]!, debug: "debug_visuals/debug-0099-missing.png" }]));
    const { items, problems } = await exportWith(treeEventsSource(file, runData));
    expect(items).toHaveLength(2);
    expect(items.every((i) => i.annotations.length === 0)).toBe(true);
    expect(problems.map((p) => `${p.actionId}:${p.reason}`)).toEqual(["btn-save-7:match_incomplete", "menu-open-2:match_incomplete"]);
    expect((items[1]!.record.metadata as { tree_event: { debug_sidecar: unknown } }).tree_event.debug_sidecar).toMatchObject({
      reference: "debug_visuals/debug-0099-missing.json",
      problem: "screenshot_missing",
    });
  });

  it("reads a bare NaN confidence in the event (repaired to 0) and in the debug sidecar (size still taken)", async () => {
    const { runData, actions } = await writeRun();
    // The sidecar of the second action with a bare NaN confidence, as the Python writer leaves it.
    await writeFiles(runData, { [actions[1]!.debug!.replace(/\.png$/, ".json")]: debugSidecar(actions[1]!, 6, { width: 60, height: 22 }, "NaN") });
    const file = path.join(dir, "tree-events.jsonl");
    await writeFile(file, eventsFile("bridge", actions).replace('"confidence":0.9731', '"confidence":NaN'));
    expect(await readFile(file, "utf8")).toContain('"confidence":NaN');
    const { items, problems } = await exportWith(treeEventsSource(file, runData));
    expect(items.map(boxesOf)).toEqual([[{ ...EXPECTED_BOXES[0]![0]!, confidence: 0 }], EXPECTED_BOXES[1], EXPECTED_BOXES[2]]);
    expect(problems.map((p) => `${p.actionId}:${p.reason}:${p.severity}`)).toEqual(["btn-save-7:confidence_repaired:repaired"]);
    expect(items[0]!.record.match_summary).toMatchObject({ confidence: null });
  });

  it("never reads a debug sidecar outside run_data: hostile references give no size (match_incomplete)", async () => {
    const { runData, actions } = await writeRun();
    // A real sidecar outside run_data, with a size that would be used if it were read.
    const outside = path.join(dir, "outside");
    await writeFiles(outside, { "debug-0001.json": debugSidecar(actions[0]!, 1, { width: 999, height: 999 }) });
    await mkdir(path.join(runData, "links"), { recursive: true });
    await symlink(path.join(outside, "debug-0001.json"), path.join(runData, "links", "debug-0002.json"));
    await symlink(outside, path.join(runData, "links", "out"));
    const hostile = [
      "../../etc/passwd.png",
      "/etc/passwd.png",
      path.join(outside, "debug-0001.png"),
      "../outside/debug-0001.png",
      "debug_visuals/../../outside/debug-0001.png",
      "..\\outside\\debug-0001.png",
      "C:\\outside\\debug-0001.png",
      "links/debug-0002.png",
      "links/out/debug-0001.png",
    ];
    const file = path.join(dir, "tree-events.jsonl");
    await writeFile(file, jsonl(hostile.map((debug, i) => camelEvent({ ...actions[0]!, id: `h${i}`, sequence: i + 1, debug }))));
    const records = (await collect(treeEventsSource(file, runData).read())).map((i) => (i as Extract<SourceItem, { record: unknown }>).record);
    expect(records).toHaveLength(hostile.length);
    for (const [i, r] of records.entries()) {
      expect(r.match_summary, hostile[i]).not.toHaveProperty("template_size");
      const note = (r.metadata as { tree_event: { debug_sidecar: { problem: string } } }).tree_event.debug_sidecar;
      expect(note.problem, hostile[i]).toBe("path_escapes_root");
    }
    // Through the pipeline: the screenshot (inside run_data) is exported, without a box.
    const { items, problems } = await exportWith(treeEventsSource(file, runData));
    expect(items).toHaveLength(hostile.length);
    expect(items.every((i) => i.annotations.length === 0)).toBe(true);
    expect(new Set(problems.map((p) => p.reason))).toEqual(new Set(["match_incomplete"]));
  });

  it("refuses a debug sidecar of another attempt (other action or image)", async () => {
    const { runData, actions } = await writeRun();
    const file = path.join(dir, "tree-events.jsonl");
    await writeFile(
      file,
      jsonl([
        camelEvent({ ...actions[0]!, debug: actions[1]!.debug! }), // another action's debug visual
        camelEvent({ ...actions[1]!, imageId: "img-other" }), // its own, but another image
      ]),
    );
    const records = (await collect(treeEventsSource(file, runData).read())).map((i) => (i as Extract<SourceItem, { record: unknown }>).record);
    for (const r of records) {
      expect(r.match_summary).not.toHaveProperty("template_size");
      expect((r.metadata as { tree_event: { debug_sidecar: { problem: string } } }).tree_event.debug_sidecar.problem).toBe("debug_sidecar_mismatch");
    }
  });

  it("goes on after unknown event types and bad lines; a torn last line is torn_line; a node without a screenshot is no_screenshot", async () => {
    const { runData, actions } = await writeRun();
    const file = path.join(dir, "tree-events.jsonl");
    const lines = eventsFile("snake", actions).trimEnd().split("\n");
    // After the first action: an unknown event type, a non-event line, and a TYPE action without a screenshot.
    lines.splice(3, 0, JSON.stringify({ type: "tree_event", event_type: "action_paused", node: { id: "x" } }), "[1,2,3]", JSON.stringify(snakeKeys(camelEvent({ ...SAVE, id: "type-9", name: "TYPE", screenshot: null, debug: undefined }))));
    await writeFile(file, `${lines.join("\n")}\n{"type":"tree_event","event_type":"action_completed","node":{"id":"late`);
    const items = await collect(treeEventsSource(file, runData).read());
    expect(summary(items)).toEqual(["3:btn-save-7", "4:!unknown_event_type", "5:!invalid_event", "6:type-9", "8:menu-open-2", "10:find-logo-3", "12:!torn_line"]);

    const { items: exported, statistics } = await exportWith(treeEventsSource(file, runData));
    expect(exported.map(boxesOf)).toEqual(EXPECTED_BOXES);
    expect(statistics.problems.byReason).toEqual({ unknown_event_type: 1, invalid_event: 1, no_screenshot: 1, torn_line: 1 });
    expect(statistics).toMatchObject({ recordsRead: 7, recordsExported: 3, recordsSkipped: 4 });
  });

  it("stops reading at an abort", async () => {
    const { runData, actions } = await writeRun();
    const file = path.join(dir, "tree-events.jsonl");
    const many: unknown[] = [];
    for (let i = 0; i < 2000; i++) many.push(bridgeEvent({ ...actions[i % 3]!, id: `a${i}`, sequence: i }));
    await writeFile(file, jsonl(many));
    const controller = new AbortController();
    let records = 0;
    for await (const item of treeEventsSource(file, runData).read(controller.signal)) {
      if ("record" in item) records++;
      if (records === 5) controller.abort();
    }
    expect(records).toBe(5);

    const aborted = new AbortController();
    aborted.abort();
    expect(await collect(treeEventsSource(file, runData).read(aborted.signal))).toEqual([]);
  });

  it("throws a ConfigError for a missing events file or run_data directory", async () => {
    const { runData } = await writeRun();
    await expect(collect(treeEventsSource(path.join(dir, "missing.jsonl"), runData).read())).rejects.toBeInstanceOf(ConfigError);
    await writeFile(path.join(dir, "tree-events.jsonl"), EXAMPLE_LINE + "\n");
    await expect(collect(treeEventsSource(path.join(dir, "tree-events.jsonl"), path.join(dir, "no-run-data")).read())).rejects.toBeInstanceOf(ConfigError);
  });
});

// ---------------------------------------------------------------------------------------------
// A generated session (packages/runner-sessions): every event box of its truth is exported
// ---------------------------------------------------------------------------------------------

const sessionsEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runner-sessions/src/index.mjs");

interface SessionTruth {
  runData: string;
  eventsFile: string;
  eventBoxes: { nodeId: string; reference: string; bbox: number[]; imageBbox: number[]; category: string; sizeFrom: "event" | "debug" }[];
}
type GenerateSession = (dir: string, options?: Record<string, unknown>) => Promise<SessionTruth>;

describe.skipIf(!existsSync(sessionsEntry))("a generated runner session", () => {
  it.each([
    ["camel", 11],
    ["snake", 12],
    ["bridge", 13],
  ] as const)("exports the %s-form events: every truth event box lands on its screenshot (IoU >= 0.95), and no other box", async (form, seed) => {
    const { generateSession } = (await import(pathToFileURL(sessionsEntry).href)) as { generateSession: GenerateSession };
    const truth = await generateSession(path.join(dir, form), { eventsForm: form, seed, actions: 16 });
    expect(truth.eventBoxes.length).toBeGreaterThan(0);
    if (form === "bridge") expect(truth.eventBoxes.every((b) => b.sizeFrom === "debug")).toBe(true);

    const { items, statistics } = await exportWith(treeEventsSource(truth.eventsFile, truth.runData));
    expect(statistics.recordsExported).toBeGreaterThan(0);
    // No line of the generated file is lost (events of a real run are all tree events).
    for (const reason of ["malformed_json", "torn_line", "invalid_event", "unknown_event_type", "invalid_record"]) {
      expect(statistics.problems.byReason[reason] ?? 0, reason).toBe(0);
    }

    const unmatched = new Set(items.flatMap((item) => item.annotations.map((a) => ({ item, a }))));
    for (const box of truth.eventBoxes) {
      const candidates = [...unmatched].filter(({ item, a }) => item.record.action_id === box.nodeId && item.record.screenshot_reference === box.reference && a.categoryName === box.category);
      const best = candidates.map((c) => ({ c, score: iou(c.a.bbox, box.imageBbox) })).sort((x, y) => y.score - x.score)[0];
      expect(best?.score ?? 0, `${form}: ${box.nodeId} ${box.category} on ${box.reference}`).toBeGreaterThanOrEqual(0.95);
      unmatched.delete(best!.c);
    }
    expect([...unmatched].map(({ item, a }) => `${item.record.action_id} ${a.categoryName} ${a.bbox.join(",")}`)).toEqual([]);
  });
});
