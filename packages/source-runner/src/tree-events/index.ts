export type { ActionNode } from "./action-node.js";
export { type ParsedTreeEvent, parseTreeEvent, TREE_EVENT_TYPES, TreeEventProblemReason, type TreeEventType } from "./parse-tree-event.js";
export { readActionNodes, type ReadActionNodesOptions } from "./read-action-nodes.js";
export { type DebugSidecarNote, nodeToRecord, type TemplateSize, type TemplateSizeSource } from "./node-record.js";
export {
  DebugSidecarReason,
  debugSidecarReference,
  debugSize,
  DEFAULT_MAX_SIDECAR_BYTES,
  TREE_EVENTS_SOURCE_NAME,
  treeEventsSource,
  type TreeEventsSourceOptions,
} from "./tree-events-source.js";
