import type { FormatDescriptor } from "@qontinui/export-core";
import { cocoFormat } from "@qontinui/writer-coco";
import { vocFormat } from "@qontinui/writer-voc";
import { yoloFormat } from "@qontinui/writer-yolo";

/**
 * Every output format, registered once: the CLI's converter commands,
 * `run --format`, the export service and `--help` come from this list. A new
 * format is a package exporting a `FormatDescriptor`, added here.
 */
export const FORMATS: readonly FormatDescriptor<any>[] = [cocoFormat, yoloFormat, vocFormat];

/** The descriptor of a format by name, or undefined. */
export function formatNamed(name: string): FormatDescriptor<any> | undefined {
  return FORMATS.find((f) => f.name === name);
}
