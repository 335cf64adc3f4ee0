import { promises as fs } from "node:fs";
import path from "node:path";
import {
  CategoryRegistry,
  ConfigError,
  type ExecutionRecord,
  type LabeledAnnotation,
  type Logger,
  parseRecord,
  type Problem,
  ProblemCounter,
  recordKey,
  resolveImage,
  ScreenshotError,
  silentLogger,
  type Source,
} from "@qontinui/export-core";
import { categoryLookup, checkStoredBox, openDataset } from "@qontinui/intermediate-format";
import { intermediateWriter, type IntermediateWriterSummary } from "./intermediate-writer.js";

export interface MergeOptions {
  /** The dataset to merge into (created, or an existing dataset to extend). */
  outDir: string;
  logger?: Logger;
  onProgress?: (entriesDone: number) => void;
  /** Write into a non-empty directory that is not a dataset. */
  force?: boolean;
}

export interface MergeSummary {
  inputs: { dir: string; entries: number; appended: number; duplicates: number }[];
  problems: { total: number; byReason: Record<string, number>; examples: Record<string, Problem[]> };
  dataset: IntermediateWriterSummary;
}

/** Reads images of an input dataset, refusing file names that are not plain names in images/. */
function datasetImageSource(imagesDir: string): Source {
  return {
    name: "dataset-images",
    // eslint-disable-next-line require-yield
    async *read() {},
    async readScreenshot(fileName) {
      if (path.basename(fileName) !== fileName) throw new ScreenshotError("path_escapes_root", `${fileName}: not a file name inside images/`);
      const file = path.join(imagesDir, fileName);
      try {
        return { path: file, bytes: await fs.readFile(file) };
      } catch {
        throw new ScreenshotError("screenshot_missing", `images/${fileName} is missing`);
      }
    },
  };
}

/**
 * Combines datasets exported on different machines: images by content hash,
 * categories reconciled by name (ids renumbered in the output's registry),
 * manifests concatenated in input order without duplicates (same action_id
 * and image). Merging the same inputs again changes nothing.
 */
export async function mergeDatasets(inputs: string[], options: MergeOptions): Promise<MergeSummary> {
  if (inputs.length === 0) throw new ConfigError("merge: give at least one dataset to merge");
  const outRoot = path.resolve(options.outDir);
  for (const i of inputs) {
    if (path.resolve(i) === outRoot) throw new ConfigError(`merge: ${i} is also the output; merging a dataset into itself changes nothing`);
  }
  const datasets = [];
  for (const dir of inputs) datasets.push(await openDataset(dir));
  const logger = options.logger ?? silentLogger;
  const registry = new CategoryRegistry();
  const writer = intermediateWriter({ outDir: outRoot, force: options.force ?? false, logger });
  const versions = [...new Set(datasets.map((d) => d.metadata.dataset_version).filter(Boolean))];
  await writer.open({ registry, datasetVersion: versions[0] ?? "1.0.0", logger });
  const problems = new ProblemCounter();
  const summaries: MergeSummary["inputs"] = [];
  let done = 0;
  try {
    for (const ds of datasets) {
      const source = datasetImageSource(ds.paths.images);
      const categories = categoryLookup(ds.metadata.category_map);
      const s = { dir: ds.dir, entries: 0, appended: 0, duplicates: 0 };
      for await (const { entry, line } of ds.manifest((p) =>
        problems.add({ reason: "malformed_manifest_line", severity: "skipped", message: `${ds.paths.manifest}:${p.line}: ${p.message}`, line: p.line }),
      )) {
        s.entries++;
        const ann = await ds.readAnnotationFile(entry.id);
        const fileName = await ds.imageFileName(entry.id, ann);
        let image;
        try {
          image = await resolveImage(source, fileName);
        } catch (e) {
          if (!(e instanceof ScreenshotError)) throw e;
          problems.add({ reason: e.reason, severity: "skipped", message: `${ds.dir}: ${e.message}`, line, actionId: entry.action_id });
          continue;
        }
        if (image.id !== entry.id) {
          problems.add({ reason: "hash_mismatch", severity: "skipped", line, actionId: entry.action_id, message: `${ds.dir}: images/${fileName} has content id ${image.id}, not ${entry.id}` });
          continue;
        }
        const parsed = parseRecord({
          action_id: entry.action_id,
          action_type: entry.action_type,
          start_time: entry.timestamp,
          active_states_before: entry.active_states,
          success: ann?.context?.success ?? null,
          attempt_id: entry.attempt_id ?? null,
        });
        if (!parsed.ok) {
          problems.add({ reason: parsed.reason, severity: "skipped", line, message: `${ds.dir}: ${parsed.message}` });
          continue;
        }
        const record: ExecutionRecord = parsed.record;
        // Boxes are checked before they are copied (a dataset is input too), and categories are
        // reconciled by name: each box takes the output registry's id for its (normalised) name.
        const annotations: LabeledAnnotation[] = [];
        for (const a of Array.isArray(ann?.annotations) ? ann.annotations : []) {
          const checked = checkStoredBox(a, categories, image.width, image.height);
          if (!checked.ok) {
            problems.add({ reason: checked.reason, severity: "repaired", line, actionId: entry.action_id, message: `${ds.dir}: annotations/${entry.id}.json: ${checked.message}; box left out` });
            continue;
          }
          annotations.push({ ...checked.annotation, categoryId: registry.idFor(checked.annotation.categoryName) });
        }
        await writer.prepare?.(image);
        const res = await writer.write({ record, image, annotations, key: recordKey(record, image.id) });
        if (res?.skipped) s.duplicates++;
        else s.appended++;
        options.onProgress?.(++done);
      }
      summaries.push(s);
    }
  } catch (e) {
    await writer.abort?.(e);
    throw e;
  }
  const dataset = (await writer.close()) as IntermediateWriterSummary;
  return {
    inputs: summaries,
    problems: { total: problems.total(), byReason: problems.byReason, examples: problems.examples },
    dataset,
  };
}
