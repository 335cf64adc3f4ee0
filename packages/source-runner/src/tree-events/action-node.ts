/**
 * An action node of the execution tree, as the `action_completed` /
 * `action_failed` event carries it, normalised from any of the three forms
 * the runner writes (camelCase, snake_case aliases, the bridge's stdout form
 * with `metadata.execution_record`). Only what an export uses.
 */
export interface ActionNode {
  /** node.id: equals the `action_id` of the run_data sidecars of its attempts. */
  id: string;
  /** node.name: the action type (CLICK, TYPE, FIND, …). */
  name: string | null;
  /** "action_completed" or "action_failed". */
  eventType: "action_completed" | "action_failed";
  status: string | null;
  /** node.parentId */
  parentId: string | null;
  /** Start, epoch seconds (node.timestamp, or timing.startTime). */
  start: number | null;
  /** End, epoch seconds (node.endTimestamp, or timing.endTime). */
  end: number | null;
  durationMs: number | null;
  /** outcome.success, else status === "success". */
  success: boolean | null;
  error: string | null;
  activeBefore: string[];
  activeAfter: string[];
  /**
   * The FIRST attempt's match (runtime fields), when the node has one: any of
   * imageId, found, confidence, location. A match that was not found usually
   * has no location (x, y null), as in the runner's own record.
   */
  match: {
    imageId: string | null;
    found: boolean | null;
    confidence: number | null;
    /** Top-left of the match; null when the event has no usable location. */
    x: number | null;
    y: number | null;
    /** Size, when the event carries it (runtime.location.w/h, else runtime.dimensions.w/h, else match_summary.template_size). */
    w: number | null;
    h: number | null;
    /** The threshold the match was held to (the bridge's match_summary), when given. */
    threshold: number | null;
  } | null;
  /** runtime.clickedAt: only a point. */
  clickedAt: { x: number; y: number } | null;
  /** runtime.button (the bridge's click_button). */
  button: string | null;
  /** runtime.targetType (the bridge's click_target_type). */
  targetType: string | null;
  /** The nearest workflow above the node on the event's path (root first), when the path names one. */
  workflowId: string | null;
  /** Relative to run_data/: the first attempt's screenshot. */
  screenshotReference: string | null;
  /** Relative to run_data/: the first attempt's debug visual, when there is one. */
  visualDebugReference: string | null;
  /** The event's sequence number (shared counter, with gaps). */
  sequence: number | null;
  /** 1-based line in the events file. */
  line: number;
}
