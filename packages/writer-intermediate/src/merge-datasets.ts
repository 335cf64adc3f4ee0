import path from "node:path";
import {
  CategoryRegistry,
  ConfigError,
  DEFAULT_MAX_LINE_BYTES,
  type ExecutionRecord,
  type LabeledAnnotation,
  type Logger,
  parseRecord,
  type Problem,
  ProblemCounter,
  recordKey,
  type ResolvedImage,
  silentLogger,
} from "@qontinui/export-core";
import { type AnnotationFile, categoryLookup, checkStoredBox, type IntermediateDataset, openDataset } from "@qontinui/intermediate-format";
import { datasetImageSource, readDatasetImage } from "./dataset-images.js";
import { createIntermediateWriter, type IntermediateWriterSummary } from "./intermediate-writer.js";
import { manifestEntries, readRecordFlags } from "./recovery.js";

export interface MergeOptions {
  /** The dataset to merge into (created, or an existing dataset to extend). */
  outDir: string;
  logger?: Logger;
  onProgress?: (entriesDone: number) => void;
  /** Write into a non-empty directory that is not a dataset. */
  force?: boolean;
  /** Longest manifest line read from an input; longer ones are skipped as `line_too_long`, never held. Default 16 MiB. */
  maxLineBytes?: number;
}

export interface MergeSummary {
  inputs: { dir: string; entries: number; appended: number; duplicates: number }[];
  problems: { total: number; byReason: Record<string, number>; examples: Record<string, Problem[]> };
  dataset: IntermediateWriterSummary;
}

/** Images of one input already read, hashed and checked (metadata only, no bytes): the most recent few thousand. */
class ResolvedImages {
  private readonly map = new Map<string, ResolvedImage>();
  constructor(private readonly limit = 4096) {}
  get(id: string): ResolvedImage | undefined {
    const image = this.map.get(id);
    if (image) {
      this.map.delete(id);
      this.map.set(id, image);
    }
    return image;
  }
  set(id: string, image: ResolvedImage): void {
    this.map.set(id, { ...image, bytes: Buffer.alloc(0) });
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * Combines datasets exported on different machines (or twice from one run)
 * into `outDir`. The result is deterministic, and is what an export of the
 * same records into one dataset gives:
 *
 * - **Records**: inputs in the order given, each input's manifest in file
 *   order; a record (same action_id, image and attempt_id) already in the
 *   output, from its earlier contents or an earlier input, is not appended
 *   again, but its boxes and context still merge into its image.
 * - **Images**: one per content hash, checked (its bytes must hash to its id,
 *   and decode) before it is copied.
 * - **Boxes**: per image, the union, each kept once by identity (bbox and the
 *   output's category id, `boxIdentity`): those already in the output first,
 *   then in the order met. Every box is checked (checkStoredBox) first.
 * - **Categories**: reconciled by name: the output's ids are kept, then each
 *   input's categories (in the order of their ids there) that the output
 *   lacks get the next ids.
 * - **Context**: merged record by record in that order (mergeRecordContext:
 *   the first record's action type and success, the union of states, the
 *   earliest timestamp).
 * - **Statistics**: records_with_matches/records_with_clicks are the sums
 *   over the appended records, each record's flags taken from its input's
 *   record index (or the input's metadata totals when it has none that matches).
 *
 * Merging the same inputs again changes nothing.
 */
export async function mergeDatasets(inputs: string[], options: MergeOptions): Promise<MergeSummary> {
  if (inputs.length === 0) throw new ConfigError("merge: give at least one dataset to merge");
  const outRoot = path.resolve(options.outDir);
  for (const i of inputs) {
    if (path.resolve(i) === outRoot) throw new ConfigError(`merge: ${i} is also the output; merging a dataset into itself changes nothing`);
  }
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const datasets: IntermediateDataset[] = [];
  for (const dir of inputs) datasets.push(await openDataset(dir));
  const logger = options.logger ?? silentLogger;
  const registry = new CategoryRegistry();
  // The record being written: its flags come from its input, not from fields a manifest does not keep.
  let flags = 0;
  const writer = createIntermediateWriter({ outDir: outRoot, force: options.force ?? false, logger, maxLineBytes }, { flagsOf: () => flags, mergeKnownRecords: true });
  const versions = [...new Set(datasets.map((d) => d.metadata.dataset_version).filter(Boolean))];
  await writer.open({ registry, datasetVersion: versions[0] ?? "1.0.0", logger });
  const problems = new ProblemCounter();
  const summaries: MergeSummary["inputs"] = [];
  let done = 0;
  try {
    for (const ds of datasets) {
      const source = datasetImageSource(ds.paths.images);
      const categories = categoryLookup(ds.metadata.category_map);
      // The input's categories in the order of its ids: merging one export gives it back, ids included.
      for (const [, name] of [...categories.byId].sort((a, b) => a[0] - b[0])) registry.idFor(name);
      const recordFlags = await readRecordFlags(ds.paths, ds.metadata, maxLineBytes);
      if (!recordFlags.known) {
        logger.warn(`[merge] ${ds.dir}: which records had a match or a click is in neither its record index nor its metadata.json; they count as having neither`);
      }
      const resolved = new ResolvedImages();
      // Images whose boxes this input already handed over: its other records of them carry the same file.
      const boxesGiven = new Set<string>();
      const s = { dir: ds.dir, entries: 0, appended: 0, duplicates: 0 };
      const skip = (reason: string, message: string, line: number, actionId?: string) =>
        problems.add({ reason, severity: "skipped", message: `${ds.dir}: ${message}`, line, ...(actionId !== undefined ? { actionId } : {}) });
      for await (const { entry, line, ordinal } of manifestEntries(ds.paths, maxLineBytes, skip)) {
        s.entries++;
        let ann: AnnotationFile | undefined;
        try {
          ann = await ds.readAnnotationFile(entry.id);
        } catch (e) {
          skip("stored_annotation_file_invalid", (e as Error).message, line, entry.action_id);
          continue;
        }
        let image = resolved.get(entry.id);
        if (!image) {
          const read = await readDatasetImage(source, await ds.imageFileName(entry.id, ann), entry.id);
          if (!read.ok) {
            skip(read.problem.reason, read.problem.message, line, entry.action_id);
            continue;
          }
          image = read.image;
          await writer.prepare?.(image);
          resolved.set(entry.id, image);
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
          skip(parsed.reason, parsed.message, line);
          continue;
        }
        const record: ExecutionRecord = parsed.record;
        // Boxes are checked before they are copied (a dataset is input too), and categories are
        // reconciled by name: each box takes the output registry's id for its (normalised) name.
        // An image's file holds the boxes of all its records: handed over with its first record here.
        const annotations: LabeledAnnotation[] = [];
        if (!boxesGiven.has(entry.id)) {
          boxesGiven.add(entry.id);
          for (const a of Array.isArray(ann?.annotations) ? ann.annotations : []) {
            const checked = checkStoredBox(a, categories, image.width, image.height);
            if (!checked.ok) {
              problems.add({ reason: checked.reason, severity: "repaired", line, actionId: entry.action_id, message: `${ds.dir}: annotations/${entry.id}.json: ${checked.message}; box left out` });
              continue;
            }
            annotations.push({ ...checked.annotation, categoryId: registry.idFor(checked.annotation.categoryName) });
          }
        }
        flags = recordFlags.flags[ordinal] ?? 0;
        const res = await writer.write?.({ record, image, annotations, key: recordKey(record, image.id) });
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
  const dataset = (await writer.close?.()) as IntermediateWriterSummary;
  return {
    inputs: summaries,
    problems: { total: problems.total(), byReason: problems.byReason, examples: problems.examples },
    dataset,
  };
}
