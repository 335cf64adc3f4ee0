import type { ActionNode } from "../tree-events/action-node.js";

/** What the join needs to know about each screenshot record, in record order. */
export interface JoinAttempt {
  actionId: string;
  imageId: string | null;
  found: boolean;
  micros: number;
  /** File stem, e.g. "screenshot-0012". */
  stem: string;
  /** A debug visual pairs with it (its match comes from there). */
  hasDebug: boolean;
  /** The found match's box `[x, y, w, h]` from its debug visual, when it has a usable one. */
  box?: readonly [number, number, number, number] | null;
}

export interface EventJoin {
  /** The action node each attempt belongs to (by index), if any. */
  nodeOf: (ActionNode | undefined)[];
  /** Attempts (by index) that get the node's `clickedAt` as clicked_location. */
  clickOf: Map<number, { x: number; y: number }>;
  /** Attempts (by index) whose match summary comes from the node's first-attempt match (no debug visual, events carry the size). */
  eventMatchOf: Map<number, ActionNode>;
  /** Nodes none of whose attempts has a sidecar (candidates for a record made from the node itself). */
  nodesWithoutAttempts: ActionNode[];
}

/**
 * Joins action nodes to the run_data attempts (`attempts` in record order):
 *
 * - An attempt belongs to a node whose `id` equals its `action_id`. When an
 *   id ran several times (a loop), to the first run (by start) that had not
 *   ended before the attempt's time, else the last run.
 * - `clickedAt` goes on one attempt of the node: the first `found: true`
 *   attempt not after the node's end (the click follows the successful find
 *   at once; later found attempts are checks on the screen) whose known
 *   match box, if it has one (debug visual, or the event's first-attempt
 *   match), holds the point; else the first found attempt; with none found,
 *   the node's `screenshotReference` attempt.
 * - The node's match (the first attempt's) becomes that attempt's match when
 *   it is found with `w`/`h`, the attempt's sidecar says found with the same
 *   image_id, and no debug visual pairs with it.
 */
export function joinEvents(attempts: readonly JoinAttempt[], nodes: readonly ActionNode[]): EventJoin {
  const runs = indexNodes(nodes);
  const nodeOf = attempts.map((a) => runOf(runs.get(a.actionId), a.micros));

  const attemptsOf = new Map<ActionNode, number[]>();
  nodeOf.forEach((node, i) => {
    if (node === undefined) return;
    const list = attemptsOf.get(node);
    if (list) list.push(i);
    else attemptsOf.set(node, [i]);
  });

  const clickOf = new Map<number, { x: number; y: number }>();
  const eventMatchOf = new Map<number, ActionNode>();
  const nodesWithoutAttempts: ActionNode[] = [];
  for (const list of runs.values()) {
    for (const node of list) {
      const mine = attemptsOf.get(node);
      if (mine === undefined) {
        nodesWithoutAttempts.push(node);
        continue;
      }
      const first = referencedStem(node.screenshotReference);
      const firstAttempt = first === undefined ? undefined : mine.find((i) => attempts[i]!.stem === first);

      const m = node.match;
      let eventBox: readonly [number, number, number, number] | undefined;
      if (firstAttempt !== undefined && m && m.found === true && m.x != null && m.y != null && usableSize(m.w) && usableSize(m.h)) {
        const a = attempts[firstAttempt]!;
        if (a.found && !a.hasDebug && (a.imageId === null || m.imageId == null || a.imageId === m.imageId)) {
          eventMatchOf.set(firstAttempt, node);
          eventBox = [m.x, m.y, m.w, m.h];
        }
      }

      const click = node.clickedAt;
      if (click) {
        const endMicros = node.end == null ? Number.POSITIVE_INFINITY : Math.round(node.end * 1e6);
        // `mine` is in record order.
        const found = mine.filter((i) => attempts[i]!.found && attempts[i]!.micros <= endMicros);
        const boxOf = (i: number) => (i === firstAttempt && eventBox ? eventBox : attempts[i]!.box);
        const target = found.find((i) => holds(boxOf(i), click)) ?? found[0] ?? firstAttempt;
        if (target !== undefined) clickOf.set(target, { x: click.x, y: click.y });
      }
    }
  }
  return { nodeOf, clickOf, eventMatchOf, nodesWithoutAttempts };
}

/** The match summary a node's first-attempt match gives (runtime imageId, found, confidence, location with w/h). */
export function eventMatchSummary(node: ActionNode, imageId: string | null): Record<string, unknown> | null {
  const m = node.match;
  if (!m) return null;
  const summary: Record<string, unknown> = { image_id: imageId ?? m.imageId, found: m.found };
  if (m.confidence != null) summary.confidence = m.confidence;
  if (m.threshold != null) summary.threshold = m.threshold;
  if (m.x != null && m.y != null) summary.location = { x: m.x, y: m.y };
  if (m.w != null && m.h != null) summary.template_size = { width: m.w, height: m.h };
  return summary;
}

/**
 * The screenshot a runner-local reference names: the stem of its last segment
 * when the segment before is `screenshots` and it ends in `.png`
 * (`screenshots/screenshot-0012.png`, `./screenshots\…`, or an absolute
 * runner path). The reference is only compared with the listing, never opened.
 */
export function referencedStem(reference: string | null | undefined): string | undefined {
  if (typeof reference !== "string") return undefined;
  const segments = reference.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
  const file = segments.at(-1);
  if (segments.length < 2 || segments.at(-2) !== "screenshots" || file === undefined || !file.endsWith(".png") || file.length <= 4) return undefined;
  return file.slice(0, -4);
}

/** Nodes by id, each id's runs in start order (duplicate events of one run kept once: the last line). */
function indexNodes(nodes: readonly ActionNode[]): Map<string, ActionNode[]> {
  const byRun = new Map<string, ActionNode>();
  for (const node of nodes) byRun.set(JSON.stringify([node.id, node.start, node.end]), node);
  const runs = new Map<string, ActionNode[]>();
  for (const node of byRun.values()) {
    const list = runs.get(node.id);
    if (list) list.push(node);
    else runs.set(node.id, [node]);
  }
  for (const list of runs.values()) list.sort((a, b) => timeOf(a) - timeOf(b) || a.line - b.line);
  return runs;
}

function runOf(runs: ActionNode[] | undefined, micros: number): ActionNode | undefined {
  if (runs === undefined || runs.length === 0) return undefined;
  if (runs.length === 1) return runs[0];
  for (const node of runs) if (node.end == null || Math.round(node.end * 1e6) >= micros) return node;
  return runs.at(-1);
}

function timeOf(node: ActionNode): number {
  return node.start ?? node.end ?? Number.POSITIVE_INFINITY;
}

/** False only when the box is known and the point lies outside it. */
function holds(box: readonly [number, number, number, number] | null | undefined, p: { x: number; y: number }): boolean {
  return box == null || (p.x >= box[0] && p.y >= box[1] && p.x < box[0] + box[2] && p.y < box[1] + box[3]);
}

function usableSize(v: number | null): v is number {
  return typeof v === "number" && Number.isFinite(v) && v > 0;
}
