import path from "node:path";
import { type Problem, readJsonLines } from "@qontinui/export-core";
import type { ActionNode } from "./action-node.js";
import { parseTreeEvent } from "./parse-tree-event.js";

export interface ReadActionNodesOptions {
  signal?: AbortSignal;
  /** Who reads (a source's name), for problems. */
  plugin?: string;
  /** Lines longer than this are skipped (`line_too_long`). Default: core's (64 MiB). */
  maxLineBytes?: number;
}

/**
 * The completed and failed action nodes of a tree-events file, one at a time
 * as the file is read (memory does not grow with the file). A line that is
 * not one becomes a problem (`malformed_json`, `torn_line`, `line_too_long`
 * from core's reader; `invalid_event`, `unknown_event_type` from
 * `parseTreeEvent`) with its 1-based line, severity "skipped" and a message
 * naming the file and line, and the reading goes on. Workflow, transition and
 * action_started events yield nothing. A missing file throws a ConfigError on
 * the first iteration; after an abort the reading stops quietly at the next line.
 */
export async function* readActionNodes(file: string, options: ReadActionNodesOptions = {}): AsyncGenerator<ActionNode | { problem: Problem }> {
  const name = path.basename(file);
  const plugin = options.plugin !== undefined ? { plugin: options.plugin } : {};
  const lines = readJsonLines(file, {
    ...plugin,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
  });
  for await (const item of lines) {
    if ("problem" in item) {
      yield { problem: item.problem };
      continue;
    }
    const parsed = parseTreeEvent(item.value, item.line);
    if (parsed.kind === "action") yield parsed.node;
    else if (parsed.kind === "problem") {
      yield {
        problem: { reason: parsed.reason, severity: "skipped", message: `${name} line ${item.line}: ${parsed.message}`, line: item.line, ...plugin },
      };
    }
  }
}
