// Artifact B: execution-tree events, one JSON object a line, in one of three forms:
// camel  - qontinui-schemas TreeEvent (Rust serde, camelCase, compact)
// snake  - the same with the snake_case aliases every field accepts
// bridge - what the python bridge prints (ExecutionNode.to_dict(), the ActionExecutionRecord
//          under metadata.execution_record, path items with `type`, json.dumps separators)
import { PyFloat, epochSeconds, isoFromMicros, pyDumps, pyFloat } from "./pyjson.mjs";

const sorted = (list) => [...list].sort();
const seconds = (micros) => micros / 1_000_000;
/** The record's own start_time is taken just after the tree node was started. */
const recordStart = (node) => node.startedAt + 800;

function stateContext(node) {
  const before = sorted(node.activeBefore ?? []);
  const after = sorted(node.activeAfter ?? []);
  const activated = after.filter((s) => !before.includes(s));
  const deactivated = before.filter((s) => !after.includes(s));
  return { before, after, changed: activated.length + deactivated.length > 0, activated, deactivated };
}

/** Runtime fields of an action (camelCase), from its FIRST attempt as the runner records them. */
function camelRuntime(node) {
  const runtime = {};
  if (node.typedText !== null && node.typedText !== undefined) {
    runtime.typedText = node.typedText;
    runtime.characterCount = Array.from(node.typedText).length;
  }
  const first = node.attempts[0];
  if (first) {
    runtime.imageId = first.imageId;
    runtime.found = first.found;
    runtime.confidence = pyFloat(first.confidence);
    if (first.location) {
      runtime.location = node.omitSize ? { ...first.location } : { ...first.location, w: first.templateSize.width, h: first.templateSize.height };
    }
    if (node.name === "FIND") runtime.matchMethod = "template_matching";
  }
  if (node.clickedAt) {
    runtime.clickedAt = { ...node.clickedAt };
    runtime.button = "left";
    runtime.targetType = "image";
  }
  if (node.goTo) {
    runtime.sourceStates = node.goTo.sourceStates;
    runtime.targetStates = node.goTo.targetStates;
    runtime.targetsReached = node.goTo.targetsReached;
    runtime.transitionsExecuted = node.goTo.transitionsExecuted;
    runtime.alreadyAtTarget = false;
  }
  return runtime;
}

function camelNode(node, phase) {
  const metadata = { config: node.config, isExpandable: node.isExpandable, isInline: node.isInline };
  const out = { id: node.id, nodeType: node.nodeType, name: node.name };
  if (phase === "started") {
    out.timestamp = epochSeconds(node.startedAt);
    if (node.parentId) out.parentId = node.parentId;
    out.status = "running";
    out.metadata = metadata;
    return out;
  }
  out.timestamp = epochSeconds(node.timestamp);
  out.endTimestamp = epochSeconds(node.endTimestamp);
  out.duration = pyFloat(seconds(node.endTimestamp - node.timestamp));
  if (node.parentId) out.parentId = node.parentId;
  out.status = node.status;
  if (node.nodeType === "action") {
    metadata.runtime = camelRuntime(node);
    const sc = stateContext(node);
    metadata.stateContext = { activeBefore: sc.before, activeAfter: sc.after, changed: sc.changed, activated: sc.activated, deactivated: sc.deactivated };
    const start = recordStart(node);
    metadata.timing = { startTime: isoFromMicros(start, "+00:00"), endTime: isoFromMicros(node.endTimestamp, "+00:00"), durationMs: pyFloat((node.endTimestamp - start) / 1000) };
    metadata.outcome = node.status === "success" ? { success: true, retryCount: 0 } : { success: false, error: node.error, retryCount: 0 };
    const first = node.attempts[0];
    if (first) metadata.screenshotReference = first.reference;
    if (first && first.debug) metadata.visualDebugReference = first.debug.reference;
  }
  out.metadata = metadata;
  if (node.error) out.error = node.error;
  return out;
}

function camelEvent(event) {
  return {
    type: "tree_event",
    eventType: event.eventType,
    sequence: event.sequence,
    timestamp: epochSeconds(event.at),
    path: event.node.path.map((p) => ({ id: p.id, name: p.name, nodeType: p.nodeType })),
    node: camelNode(event.node, event.phase),
  };
}

const snakeKey = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every key to its snake_case alias, except inside `config` (free-form action configuration). */
function toSnake(value) {
  if (Array.isArray(value)) return value.map(toSnake);
  if (value && typeof value === "object" && !(value instanceof PyFloat)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[snakeKey(k)] = k === "config" ? v : toSnake(v);
    return out;
  }
  return value;
}

function bridgeRuntime(node) {
  const runtime = {};
  if (node.typedText !== null && node.typedText !== undefined) runtime.typed_text = node.typedText;
  const first = node.attempts[0];
  if (first) {
    runtime.match_summary = {
      image_id: first.imageId,
      confidence: pyFloat(first.confidence),
      threshold: pyFloat(first.threshold),
      found: first.found,
      location: first.location ? { ...first.location } : null,
    };
  }
  if (node.clickedAt) {
    runtime.clicked_location = { ...node.clickedAt };
    runtime.click_button = "left";
    runtime.click_target_type = "image";
  }
  if (node.goTo) {
    runtime.transition_data = { from_state: node.goTo.sourceStates[0] ?? null, to_state: node.goTo.targetStates[0], transition_type: "navigation", success: node.status === "success" };
  }
  return runtime;
}

function executionRecord(node) {
  const start = recordStart(node);
  const first = node.attempts[0];
  const sc = stateContext(node);
  return {
    id: node.id,
    type: "action",
    name: node.name,
    timestamp: epochSeconds(start),
    end_timestamp: epochSeconds(node.endTimestamp),
    duration: pyFloat(seconds(node.endTimestamp - start)),
    parent_id: node.parentId,
    nesting_level: node.depth,
    workflow_name: node.workflowName,
    status: node.status,
    error: node.error,
    metadata: {
      config: node.config,
      runtime: bridgeRuntime(node),
      screenshot_reference: first ? first.reference : null,
      visual_debug_reference: first && first.debug ? first.debug.reference : null,
      retry_count: 0,
    },
    state_context: { active_before: sc.before, active_after: sc.after, state_changed: sc.changed, states_activated: sc.activated, states_deactivated: sc.deactivated },
  };
}

function bridgeMetadata(node, phase) {
  if (node.nodeType === "workflow") return { is_inline: node.isInline, is_expandable: true };
  if (node.nodeType === "transition") {
    return { transition_type: "outgoing", target_states: node.targetStates, source_state: node.sourceStates[0] ?? null, is_expandable: true };
  }
  const metadata = { config: node.config, is_expandable: node.isExpandable };
  if (phase === "ended") metadata.execution_record = executionRecord(node);
  return metadata;
}

function bridgeEvent(event) {
  const { node, phase } = event;
  const ended = phase === "ended";
  return {
    type: "tree_event",
    event_type: event.eventType,
    node: {
      id: node.id,
      node_type: node.nodeType,
      name: node.name,
      timestamp: epochSeconds(ended ? node.timestamp : node.startedAt),
      end_timestamp: ended ? epochSeconds(node.endTimestamp) : null,
      duration: ended ? pyFloat(seconds(node.endTimestamp - node.timestamp)) : null,
      parent_id: node.parentId,
      status: ended ? node.status : "running",
      metadata: bridgeMetadata(node, phase),
      error: ended ? node.error : null,
      nesting_level: node.depth,
    },
    timestamp: epochSeconds(event.at),
    sequence: event.sequence,
    path: node.path.map((p) => ({ id: p.id, name: p.name, type: p.nodeType })),
  };
}

/** The events file's text: one line per event, each ending in "\n". */
export function treeEventsText(plan, form) {
  const lines = plan.events.map((event) => {
    if (form === "bridge") return pyDumps(bridgeEvent(event));
    const camel = camelEvent(event);
    return pyDumps(form === "snake" ? toSnake(camel) : camel, { separators: [",", ":"], ensureAscii: false });
  });
  return lines.join("\n") + "\n";
}
