import { isoSeconds } from "../iso-time.js";
import type { ActionNode } from "./action-node.js";

/** Reasons a tree-events line is skipped, besides core's JSON-lines ones (malformed_json, torn_line, line_too_long). */
export const TreeEventProblemReason = {
  /** The line is a tree event whose eventType is not one of the nine the schema knows. */
  UnknownEventType: "unknown_event_type",
  /** The line is not a tree event (not an object, another `type`, no eventType) or its action node is unusable (no id). */
  InvalidEvent: "invalid_event",
} as const;

/** The nine event types of qontinui-schemas `TreeEventType`. */
export const TREE_EVENT_TYPES = [
  "workflow_started",
  "workflow_completed",
  "workflow_failed",
  "action_started",
  "action_completed",
  "action_failed",
  "transition_started",
  "transition_completed",
  "transition_failed",
] as const;

export type TreeEventType = (typeof TREE_EVENT_TYPES)[number];

export type ParsedTreeEvent =
  | { kind: "action"; node: ActionNode }
  | { kind: "ignored"; eventType: string }
  | { kind: "problem"; reason: string; message: string };

const KNOWN = new Set<string>(TREE_EVENT_TYPES);

/**
 * Reads one execution-tree event (one line of a tree-events file, already
 * parsed as JSON). Never throws.
 *
 * Three forms are read alike: the schema's camelCase, its snake_case aliases
 * (any field, at any depth, may use either), and the python bridge's stdout
 * form, whose node carries the action's record under
 * `metadata.execution_record` (`metadata.runtime.match_summary`,
 * `metadata.runtime.clicked_location`, `metadata.screenshot_reference`,
 * `state_context.active_before`, …; those parts are also found directly on
 * the record) and whose path items name their kind `type`.
 *
 * `action_completed` / `action_failed` give the node; the other seven known
 * types are ignored (they carry no attempt); anything else is a problem:
 * `unknown_event_type` for a tree event of an unknown type, `invalid_event`
 * for a line that is not a tree event (not an object, a `type` other than
 * "tree_event", no eventType) or an action event without a usable node
 * (no node object, no id, a node that says it is not an action). A missing
 * `type` is allowed: the schema defaults it to "tree_event".
 *
 * Numbers that are not finite numbers (NaN read as null, strings, objects)
 * are treated as absent, as are strings of the wrong type; ids are kept as
 * they are (they never become paths here).
 */
export function parseTreeEvent(value: unknown, line: number): ParsedTreeEvent {
  const event = object(value);
  if (event === undefined) return invalid(`not a tree event: a JSON ${describe(value)}, not an object`);

  const type = event.type;
  if (type != null && type !== "tree_event") {
    return invalid(`not a tree event: type is ${short(type)}, not "tree_event"`);
  }
  const eventType = at(event, "eventType");
  if (typeof eventType !== "string" || eventType === "") {
    return invalid(`not a tree event: no eventType (${eventType == null ? "missing" : `a ${describe(eventType)}`})`);
  }
  if (!KNOWN.has(eventType)) {
    return {
      kind: "problem",
      reason: TreeEventProblemReason.UnknownEventType,
      message: `unknown eventType ${short(eventType)} (expected one of ${TREE_EVENT_TYPES.join(", ")})`,
    };
  }
  if (eventType !== "action_completed" && eventType !== "action_failed") return { kind: "ignored", eventType };

  const node = object(event.node);
  if (node === undefined) return invalid(`${eventType} without a node object`);
  const id = identifier(node.id);
  if (id === null) return invalid(`${eventType}: node.id is ${node.id === undefined ? "missing" : `${short(node.id)}, not a non-empty string`}`);

  const metadata = object(node.metadata) ?? {};
  // The bridge's stdout form: the ActionExecutionRecord's tree data under metadata.execution_record.
  const record = object(at(metadata, "executionRecord")) ?? {};
  const recordMetadata = object(record.metadata) ?? {};

  const nodeType = text(at(node, "nodeType")) ?? text(record.type);
  if (nodeType !== null && nodeType !== "action") {
    return invalid(`${eventType} of a node whose nodeType is ${short(nodeType)}, not "action"`);
  }

  const runtime = object(at(metadata, "runtime")) ?? object(recordMetadata.runtime) ?? object(record.runtime) ?? {};
  const stateContext = object(at(metadata, "stateContext")) ?? object(at(record, "stateContext")) ?? object(at(recordMetadata, "stateContext")) ?? {};
  const timing = object(at(metadata, "timing")) ?? object(at(record, "timing")) ?? {};
  const outcome = object(at(metadata, "outcome")) ?? object(at(record, "outcome")) ?? {};

  const start = finite(node.timestamp) ?? isoSeconds(at(timing, "startTime")) ?? finite(record.timestamp) ?? finite(at(record, "startTime"));
  const end = finite(at(node, "endTimestamp")) ?? isoSeconds(at(timing, "endTime")) ?? finite(at(record, "endTimestamp")) ?? finite(at(record, "endTime"));
  const durationS = finite(node.duration) ?? finite(record.duration);
  const durationMs =
    finite(at(timing, "durationMs")) ??
    finite(at(record, "durationMs")) ??
    (durationS !== null ? roundMs(durationS * 1000) : start !== null && end !== null && end >= start ? roundMs((end - start) * 1000) : null);

  const status = text(node.status) ?? text(record.status);
  const success =
    bool(outcome.success) ??
    bool(record.success) ??
    (status === "success" ? true : status === "failed" ? false : eventType === "action_completed");

  const clicked = point(at(runtime, "clickedAt")) ?? point(at(runtime, "clickedLocation")) ?? point(at(record, "clickedLocation")) ?? point(at(recordMetadata, "clickedLocation"));

  return {
    kind: "action",
    node: {
      id,
      name: text(node.name) ?? text(record.name) ?? text(at(record, "actionType")),
      eventType,
      status,
      parentId: identifier(at(node, "parentId")) ?? identifier(at(record, "parentId")) ?? identifier(at(record, "parentActionId")),
      start,
      end,
      durationMs,
      success,
      error: text(node.error) ?? text(outcome.error) ?? text(record.error) ?? text(at(record, "errorMessage")) ?? text(event.error),
      activeBefore: strings(at(stateContext, "activeBefore")) ?? strings(at(record, "activeStatesBefore")) ?? [],
      activeAfter: strings(at(stateContext, "activeAfter")) ?? strings(at(record, "activeStatesAfter")) ?? [],
      match: matchOf(runtime, record, recordMetadata),
      clickedAt: clicked,
      button: text(runtime.button) ?? text(at(runtime, "clickButton")) ?? text(at(record, "clickButton")),
      targetType: text(at(runtime, "targetType")) ?? text(at(runtime, "clickTargetType")) ?? text(at(record, "clickTargetType")),
      workflowId: workflowOf(event.path, id),
      screenshotReference: reference(at(metadata, "screenshotReference")) ?? reference(at(recordMetadata, "screenshotReference")) ?? reference(at(record, "screenshotReference")),
      visualDebugReference:
        reference(at(metadata, "visualDebugReference")) ?? reference(at(recordMetadata, "visualDebugReference")) ?? reference(at(record, "visualDebugReference")),
      sequence: finite(event.sequence),
      line,
    },
  };
}

/**
 * The first attempt's match: the schema's runtime fields (imageId, found,
 * confidence, location {x, y, w?, h?}, dimensions {w, h}) or the bridge's
 * `runtime.match_summary` (image_id, found, confidence, threshold,
 * location {x, y}, template_size? {width, height}). Null when there is none.
 */
function matchOf(runtime: Obj, record: Obj, recordMetadata: Obj): ActionNode["match"] {
  const summary = object(at(runtime, "matchSummary")) ?? object(at(record, "matchSummary")) ?? object(at(recordMetadata, "matchSummary"));
  const source = summary ?? runtime;
  const imageId = identifier(at(source, "imageId"));
  const found = bool(source.found);
  const confidence = finite(source.confidence);
  const location = object(source.location);
  const locationPoint = location ? point(location) : (point(source.location) ?? null);
  const dimensions = object(source.dimensions);
  const templateSize = object(at(source, "templateSize"));
  const w = finite(location?.w) ?? finite(location?.width) ?? finite(dimensions?.w) ?? finite(dimensions?.width) ?? finite(templateSize?.width);
  const h = finite(location?.h) ?? finite(location?.height) ?? finite(dimensions?.h) ?? finite(dimensions?.height) ?? finite(templateSize?.height);
  if (summary === undefined && imageId === null && found === null && confidence === null && locationPoint === null) return null;
  return {
    imageId,
    found,
    confidence,
    x: locationPoint?.x ?? null,
    y: locationPoint?.y ?? null,
    // A size is a pair: half of one is no size.
    w: w !== null && h !== null ? w : null,
    h: w !== null && h !== null ? h : null,
    threshold: finite(source.threshold),
  };
}

/** The nearest workflow above the node on the path (root first), skipping the node itself. */
function workflowOf(path: unknown, nodeId: string): string | null {
  if (!Array.isArray(path)) return null;
  for (let i = path.length - 1; i >= 0; i--) {
    const item = object(path[i]);
    if (item === undefined) continue;
    const kind = text(at(item, "nodeType")) ?? text(item.type);
    const id = identifier(item.id);
    if (kind === "workflow" && id !== null && id !== nodeId) return id;
  }
  return null;
}

type Obj = Record<string, unknown>;

function invalid(message: string): ParsedTreeEvent {
  return { kind: "problem", reason: TreeEventProblemReason.InvalidEvent, message };
}

function object(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** `o[camel]`, else `o[snake_case of camel]`; null counts as absent. Own properties only. */
function at(o: Obj, camel: string): unknown {
  const own = Object.hasOwn(o, camel) ? o[camel] : undefined;
  if (own != null) return own;
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return snake !== camel && Object.hasOwn(o, snake) ? o[snake] : own;
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function bool(value: unknown): boolean | null {
  return typeof value === "boolean" ? value : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A non-empty string, or a finite number as a string (ids); anything else is absent. */
function identifier(value: unknown): string | null {
  if (typeof value === "string") return value === "" ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** A non-empty string (a reference under run_data/); checked by the path guard when read, not here. */
function reference(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : null;
}

/** `{x, y}` or `[x, y]` with finite numbers. */
function point(value: unknown): { x: number; y: number } | null {
  if (Array.isArray(value)) {
    const [x, y] = value as unknown[];
    return finite(x) !== null && finite(y) !== null ? { x: x as number, y: y as number } : null;
  }
  const o = object(value);
  if (o === undefined) return null;
  const x = finite(o.x);
  const y = finite(o.y);
  return x !== null && y !== null ? { x, y } : null;
}

/** Milliseconds to the microsecond: 0.4 s is 400 ms, not 400.00000000000006. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}




function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** A value for a message, cut short (hostile lines may hold megabytes). */
function short(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : String(value);
  } catch {
    s = describe(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}
