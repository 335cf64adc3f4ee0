import type { Category } from "@qontinui/export-core";

export interface DataYamlInput {
  /** Absolute dataset root (Ultralytics resolves a relative `path` against its datasets_dir). */
  root: string;
  train: string;
  val: string;
  test?: string;
  categories: readonly Category[];
}

/**
 * Characters YAML does not allow in a stream (DEL, C1 controls, U+FFFE,
 * U+FFFF) and NEL, which YAML 1.1 parsers take for a line break: escaped.
 */
const YAML_UNPRINTABLE = /[\u007f-\u009f\ufffe\uffff]/g;

/**
 * A YAML double-quoted scalar. JSON strings are YAML double-quoted scalars
 * (same escapes, \uXXXX included; lone surrogates escaped), once the
 * characters YAML cannot hold raw are escaped too, so names with spaces,
 * colons, quotes, `#`, controls or non-ASCII characters round-trip.
 */
export function yamlQuote(text: string): string {
  return JSON.stringify(text).replace(YAML_UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A plain scalar when it is safe (paths without spaces or YAML indicators), quoted otherwise. */
export function yamlScalar(text: string): string {
  return /^[\w./\\][\w./\\:-]*$/.test(text) && !/:$/.test(text) ? text : yamlQuote(text);
}

/** The text of Ultralytics' data.yaml. */
export function dataYamlText(input: DataYamlInput): string {
  const lines = [
    "# Ultralytics YOLO detection dataset written by @qontinui/writer-yolo.",
    "# `path` is absolute because Ultralytics resolves a relative one against its datasets_dir.",
    "# After moving this folder, edit `path` or delete that line (Ultralytics then uses this file's folder).",
    `path: ${yamlScalar(input.root)}`,
    `train: ${yamlScalar(input.train)}`,
    `val: ${yamlScalar(input.val)}`,
  ];
  if (input.test !== undefined) lines.push(`test: ${yamlScalar(input.test)}`);
  const sorted = [...input.categories].sort((a, b) => a.id - b.id);
  lines.push(`nc: ${sorted.length}`);
  if (sorted.length === 0) lines.push("names: {}");
  else {
    lines.push("names:");
    for (const c of sorted) lines.push(`  ${c.id}: ${yamlQuote(c.name)}`);
  }
  return `${lines.join("\n")}\n`;
}
