/**
 * Composing a pipeline in code: the run directory source, the bundled
 * labelers, a custom filter and a custom labeler, the intermediate writer and
 * a COCO writer in the same pass.
 *
 *   pnpm build && node examples/sample-run-generator/generate.mjs examples/sample-run
 *   pnpm exec tsx examples/custom-pipeline.ts examples/sample-run /tmp/custom-dataset
 */
import path from "node:path";
import { type Labeler, type RecordFilter, runPipeline } from "@qontinui/export-core";
import { clickLabeler } from "@qontinui/labeler-click";
import { templateLabeler } from "@qontinui/labeler-template";
import { runDirectorySource } from "@qontinui/source-runner";
import { cocoWriter } from "@qontinui/writer-coco";
import { intermediateWriter } from "@qontinui/writer-intermediate";

/** Keep only confident template matches and every click. */
const confidentOrClicked: RecordFilter = {
  name: "confident_or_clicked",
  test: (r) => r.clicked_location != null || Number((r.match_summary as { confidence?: number } | null)?.confidence ?? 0) >= 0.85,
};

/** A custom labeler: one box for the window's title bar of every screenshot, from a known layout. */
const titleBarLabeler: Labeler = {
  name: "title-bar",
  // It needs the image's size only: screenshots shared by records are not read again for it.
  needsPixels: false,
  label: (_record, image) => [
    { bbox: [0, 0, image.width, 32], categoryName: "title_bar", confidence: 1, source: "layout_rule", verified: false },
  ],
};

export async function exportWithCustomPipeline(runDir: string, outDir: string) {
  return runPipeline({
    source: runDirectorySource(runDir),
    filters: [confidentOrClicked],
    labelers: [templateLabeler(), clickLabeler({ mode: "fixed", boxSize: 40 }), titleBarLabeler],
    writers: [intermediateWriter({ outDir }), cocoWriter({ outDir: path.join(outDir, "coco") })],
    onProgress: (e) => {
      if (e.recordsDone % 10 === 0) process.stderr.write(`\r${e.recordsDone} records`);
    },
  });
}

const [runDir, outDir] = process.argv.slice(2);
if (runDir && outDir) {
  const { statistics } = await exportWithCustomPipeline(runDir, outDir);
  process.stderr.write("\n");
  console.log(JSON.stringify({ exported: statistics.recordsExported, boxes: statistics.annotationsByCategory, problems: statistics.problems.byReason }, null, 2));
}
