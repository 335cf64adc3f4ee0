import { stat } from "node:fs/promises";
import path from "node:path";
import {
  ConfigError,
  type GuardedSource,
  parseJsonLine,
  parseRecord,
  ProblemReason,
  type ScreenshotGuardOptions,
  type ScreenshotReader,
  screenshotGuard,
  type SourceItem,
} from "@qontinui/export-core";
import type { ActionNode } from "./action-node.js";
import { type DebugSidecarNote, nodeToRecord, type TemplateSize } from "./node-record.js";
import { readActionNodes } from "./read-action-nodes.js";

export const TREE_EVENTS_SOURCE_NAME = "tree-events";

/** Default largest debug sidecar read: 1 MiB (the runner's are under 1 KiB). */
export const DEFAULT_MAX_SIDECAR_BYTES = 1024 * 1024;

/** Why a debug sidecar gave no size, besides the guard's reasons (path_escapes_root, screenshot_missing, screenshot_too_large, …). */
export const DebugSidecarReason = {
  /** The sidecar is not JSON (or not an object). */
  Malformed: "debug_sidecar_malformed",
  /** The sidecar is another attempt's: its action_id, image_id or found differ from the event's. */
  Mismatch: "debug_sidecar_mismatch",
  /** The sidecar has no usable match_info.template_size {width, height}. */
  NoSize: "debug_sidecar_no_size",
} as const;

export interface TreeEventsSourceOptions extends ScreenshotGuardOptions {
  /** Debug sidecars (`debug_visuals/*.json`) larger than this are not read. Default 1 MiB. */
  maxSidecarBytes?: number;
  /** Lines of the events file longer than this are skipped (`line_too_long`). Default: core's (64 MiB). */
  maxLineBytes?: number;
}

/**
 * The runner's execution-tree events (`tree-events.jsonl`, any of its three
 * forms, see `parseTreeEvent`) as a Source: one record per completed or
 * failed action node, yielded as the file is read (memory does not grow with
 * it). Screenshot references are relative to `run_data/`, which is the
 * source's `root`: they are read there with core's path guard
 * (`readScreenshot`, `screenshotStamp`; `maxScreenshotBytes` bounds them).
 *
 * The runtime match is the action's first attempt. When it was found but the
 * event gives no `w`/`h` (always so in the bridge's stdout form), the size
 * comes from that attempt's debug sidecar: the `.json` next to the node's
 * `visualDebugReference`, read under `run_data/` through core's guard (no
 * reference can leave it: `..`, absolute paths and symlinks out are refused,
 * and nothing outside is read) and parsed with Python's bare NaN allowed. A
 * sidecar that cannot be used (refused, missing, not JSON, another
 * attempt's, no size) leaves the match without a template_size, which the
 * template labeler reports as `match_incomplete`; why is kept in the
 * record's `metadata.tree_event.debug_sidecar`. No extra problem is yielded
 * for it, so `recordsRead` stays one per action node.
 *
 * A node without a screenshotReference still yields its record (the
 * pipeline reports `no_screenshot`). Bad lines become problems with their
 * line and the reading goes on. A missing events file or run_data directory
 * throws a ConfigError on the first iteration.
 */
export function treeEventsSource(eventsFile: string, runDataDir: string, options: TreeEventsSourceOptions = {}): GuardedSource {
  const root = path.resolve(runDataDir);
  const file = path.resolve(eventsFile);
  const guard = screenshotGuard(root, options.maxScreenshotBytes !== undefined ? { maxScreenshotBytes: options.maxScreenshotBytes } : {});
  const readSidecar = screenshotGuard(root, { maxScreenshotBytes: options.maxSidecarBytes ?? DEFAULT_MAX_SIDECAR_BYTES }).read;
  return {
    name: TREE_EVENTS_SOURCE_NAME,
    root,
    read: (signal) => readRecords(file, root, readSidecar, options, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

async function* readRecords(
  file: string,
  root: string,
  readSidecar: ScreenshotReader,
  options: TreeEventsSourceOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<SourceItem> {
  const rootIsDirectory = await stat(root).then((s) => s.isDirectory(), () => false);
  if (!rootIsDirectory) throw new ConfigError(`run_data directory ${root} does not exist (or is not a directory): give the run_data/ the events' screenshot references are relative to`);

  const nodes = readActionNodes(file, {
    plugin: TREE_EVENTS_SOURCE_NAME,
    ...(signal ? { signal } : {}),
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
  });
  for await (const item of nodes) {
    if ("problem" in item) {
      yield item;
      continue;
    }
    const node = item;
    let size: TemplateSize | null = null;
    let note: DebugSidecarNote | undefined;
    if (needsSidecar(node)) {
      ({ size, note } = await debugSize(readSidecar, node, node.visualDebugReference!));
      if (signal?.aborted) return;
    }
    const parsed = parseRecord(nodeToRecord(node, size, note));
    if (parsed.ok) {
      yield { record: parsed.record, line: node.line };
    } else {
      yield {
        problem: {
          reason: ProblemReason.InvalidRecord,
          severity: "skipped",
          message: `${path.basename(file)} line ${node.line}: ${parsed.message}`,
          line: node.line,
          actionId: node.id,
          plugin: TREE_EVENTS_SOURCE_NAME,
        },
      };
    }
  }
}

/** A found match whose event gives no size, with a debug visual to take it from. */
function needsSidecar(node: ActionNode): boolean {
  const m = node.match;
  return m !== null && m.found === true && (m.w === null || m.h === null) && node.visualDebugReference !== null;
}

/** The debug visual's sidecar: the same name with `.json` for its extension. */
export function debugSidecarReference(visualDebugReference: string): string {
  const ext = /\.[^./\\]*$/.exec(visualDebugReference);
  return `${ext ? visualDebugReference.slice(0, ext.index) : visualDebugReference}.json`;
}

/**
 * The template size of the node's first attempt, from its debug sidecar
 * (read through the guard), or why there is none. Never throws.
 */
export async function debugSize(
  readSidecar: ScreenshotReader,
  node: ActionNode,
  visualDebugReference: string,
): Promise<{ size: TemplateSize | null; note: DebugSidecarNote }> {
  const reference = debugSidecarReference(visualDebugReference);
  const fail = (reason: string, message: string) => ({ size: null, note: { reference, problem: { reason, message } } });
  let bytes: Buffer;
  try {
    bytes = (await readSidecar(reference)).bytes;
  } catch (e) {
    const reason = (e as { reason?: unknown }).reason;
    return fail(typeof reason === "string" ? reason : DebugSidecarReason.Malformed, `debug sidecar ${(e as Error).message}`);
  }
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The Python writer lets bare NaN / Infinity through: read as null.
  const parsed = parseJsonLine(text);
  if (!parsed.ok) return fail(DebugSidecarReason.Malformed, `debug sidecar ${reference} is not JSON: ${parsed.message}`);
  const sidecar = object(parsed.value);
  if (sidecar === undefined) return fail(DebugSidecarReason.Malformed, `debug sidecar ${reference} is not a JSON object`);
  const info = object(sidecar.match_info) ?? object(sidecar.matchInfo);
  if (info === undefined) return fail(DebugSidecarReason.NoSize, `debug sidecar ${reference} has no match_info`);

  // The event's match and its debug visual are the same attempt's: anything else is not this match's size.
  const actionId = sidecar.action_id ?? sidecar.actionId;
  if (typeof actionId === "string" && actionId !== node.id) {
    return fail(DebugSidecarReason.Mismatch, `debug sidecar ${reference} is action ${JSON.stringify(actionId.slice(0, 100))}'s, not this node's`);
  }
  const imageId = info.image_id ?? info.imageId;
  const eventImage = node.match?.imageId ?? null;
  if (typeof imageId === "string" && eventImage !== null && imageId !== eventImage) {
    return fail(DebugSidecarReason.Mismatch, `debug sidecar ${reference} is a match of image ${JSON.stringify(imageId.slice(0, 100))}, not ${JSON.stringify(eventImage.slice(0, 100))}`);
  }
  if (info.found === false) return fail(DebugSidecarReason.Mismatch, `debug sidecar ${reference} says the match was not found; the event says it was`);

  const templateSize = object(info.template_size) ?? object(info.templateSize);
  const width = templateSize?.width;
  const height = templateSize?.height;
  if (typeof width !== "number" || typeof height !== "number" || !Number.isFinite(width) || !Number.isFinite(height)) {
    return fail(DebugSidecarReason.NoSize, `debug sidecar ${reference} has no match_info.template_size {width, height} with finite numbers`);
  }
  // A 0×0 size (a template without pixels) is passed on: the labeler drops it as box_invalid_size.
  return { size: { width, height }, note: { reference } };
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
