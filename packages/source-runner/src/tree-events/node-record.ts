import type { ExecutionRecordInput } from "@qontinui/export-core";
import type { ActionNode } from "./action-node.js";

/** A template's size in pixels. */
export interface TemplateSize {
  width: number;
  height: number;
}

/** Why a debug sidecar gave no template size (kept in the record's metadata). */
export interface DebugSidecarNote {
  /** The sidecar read: the debug visual's reference with `.json` for its extension. */
  reference: string;
  /** Set when the sidecar could not be used: a guard reason (`path_escapes_root`, `screenshot_missing`, …) or `debug_sidecar_*`. */
  problem?: { reason: string; message: string };
}

/** Where a record's template_size came from. */
export type TemplateSizeSource = "event" | "debug_sidecar";

/**
 * The runner record (snake_case, as `parseRecord` reads it) for one
 * completed or failed action node: `action_id` is the node id (it equals the
 * run_data sidecars' `action_id`), `action_type` its name, times in epoch
 * seconds, the first attempt's screenshot, and its match as `match_summary`
 * `{image_id, found, confidence, location {x, y}, template_size {width,
 * height}}`. The size is the event's `w`/`h` when it has both, else
 * `debugSize` (the debug sidecar's `match_info.template_size`), else the
 * match has no template_size (the template labeler then reports
 * `match_incomplete` for a found match). `clickedAt` is only a point:
 * `clicked_location`. What the event says beyond the record is kept under
 * `metadata.tree_event`.
 */
export function nodeToRecord(node: ActionNode, debugSize?: TemplateSize | null, sidecar?: DebugSidecarNote): ExecutionRecordInput {
  const match = node.match;
  let sizeSource: TemplateSizeSource | null = null;
  let size: TemplateSize | null = null;
  if (match !== null && match.w !== null && match.h !== null) {
    size = { width: match.w, height: match.h };
    sizeSource = "event";
  } else if (match !== null && debugSize != null) {
    size = { width: debugSize.width, height: debugSize.height };
    sizeSource = "debug_sidecar";
  }

  const treeEvent: Record<string, unknown> = {
    event_type: node.eventType,
    sequence: node.sequence,
    status: node.status,
    parent_id: node.parentId,
    visual_debug_reference: node.visualDebugReference,
    template_size_source: sizeSource,
  };
  if (sidecar?.problem) treeEvent.debug_sidecar = { reference: sidecar.reference, problem: sidecar.problem.reason, message: sidecar.problem.message };

  return {
    action_id: node.id,
    action_type: node.name,
    start_time: node.start,
    end_time: node.end,
    duration_ms: node.durationMs,
    success: node.success,
    error_message: node.error,
    active_states_before: node.activeBefore,
    active_states_after: node.activeAfter,
    match_summary:
      match === null
        ? null
        : {
            image_id: match.imageId,
            found: match.found,
            confidence: match.confidence,
            location: match.x !== null && match.y !== null ? { x: match.x, y: match.y } : null,
            ...(size !== null ? { template_size: size } : {}),
            ...(match.threshold !== null ? { threshold: match.threshold } : {}),
          },
    clicked_location: node.clickedAt,
    click_button: node.button,
    click_target_type: node.targetType,
    screenshot_reference: node.screenshotReference,
    workflow_id: node.workflowId,
    parent_action_id: node.parentId,
    metadata: { tree_event: treeEvent },
  };
}
