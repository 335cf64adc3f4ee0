import path from "node:path";
import { parseRecord, readJsonLines, type Source } from "@qontinui/export-core";

/**
 * A folder holding `captures.jsonl`, one capture a line:
 * `{"id": "login-1", "image": "shots/0001.png", "clicked": [640, 360], "states": ["Login"]}`.
 * The whole source: name the root, yield records. Core reads the screenshots under the root
 * (path guard, symlinks, buffer reuse) and `readJsonLines` names bad lines.
 */
export function capturesSource(dir: string): Source {
  const file = path.join(dir, "captures.jsonl");
  return {
    name: "captures",
    root: dir,
    async *read(signal) {
      for await (const line of readJsonLines(file, { plugin: "captures", ...(signal ? { signal } : {}) })) {
        if ("problem" in line) {
          yield line;
          continue;
        }
        const v = (line.value ?? {}) as { id?: unknown; image?: unknown; clicked?: unknown; states?: unknown };
        const parsed = parseRecord({ action_id: v.id, action_type: "CLICK", screenshot_reference: v.image, clicked_location: v.clicked, active_states_before: v.states });
        if (parsed.ok) yield { record: parsed.record, line: line.line };
        else yield { problem: { reason: parsed.reason, severity: "skipped", message: `captures.jsonl line ${line.line}: ${parsed.message}`, line: line.line } };
      }
    },
  };
}
