import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError, concatSources, type ScreenshotGuardOptions, type Source } from "@qontinui/export-core";
import { groundingSource } from "./grounding/grounding-source.js";
import { runDataSource } from "./run-data/run-data-source.js";
import { runDirectorySource } from "./run-directory-source.js";
import { treeEventsSource } from "./tree-events/tree-events-source.js";

/** The artifacts a run can hold, each read by a source of its own. */
export const RUN_FORMATS = ["run-data", "tree-events", "grounding", "records"] as const;
export type RunFormat = (typeof RUN_FORMATS)[number];

/** One artifact found in a directory: which format, where, and what gave it away. */
export interface DetectedArtifact {
  format: RunFormat;
  /** The directory its source reads (run_data/, the grounding dataset folder, the run directory). */
  dir: string;
  /** For messages: "screenshots/ with JSON sidecars", "grounding.jsonl (+2 rotated parts)", … */
  evidence: string;
}

/** Names the runner's events file is saved under, looked for beside run_data/ and inside it. */
const EVENTS_FILE_NAMES = ["tree-events.jsonl", "tree_events.jsonl", "events.jsonl"];
const GROUNDING_FILE = /^grounding(\.\d+)?\.jsonl$/;

const LOOKED_FOR: Record<Exclude<RunFormat, "tree-events">, string> = {
  "run-data": "looked for screenshots/ with JSON sidecars in it and in run_data/",
  grounding: "looked for grounding.jsonl (or rotated grounding.<k>.jsonl) in it, dataset/ and run_data/dataset/",
  records: "looked for records.jsonl in it",
};

/**
 * What a directory holds: a records.jsonl run, a run_data/ folder (given
 * itself, or the runner's temp folder around it), a grounding dataset
 * folder (given itself, or run_data/dataset/), and an events file saved
 * beside them. Several may be found: a run_data/ with grounding under
 * dataset/ gives both. Never reads a whole file: it looks at names.
 */
export async function detectRunArtifacts(dir: string): Promise<DetectedArtifact[]> {
  const root = path.resolve(dir);
  const found: DetectedArtifact[] = [];
  if (await isFile(path.join(root, "records.jsonl"))) found.push({ format: "records", dir: root, evidence: "records.jsonl" });

  const runData = (await hasSidecars(root)) ? root : (await hasSidecars(path.join(root, "run_data"))) ? path.join(root, "run_data") : undefined;
  if (runData) found.push({ format: "run-data", dir: runData, evidence: `${rel(root, path.join(runData, "screenshots"))}/ with JSON sidecars` });

  for (const candidate of [root, path.join(root, "dataset"), path.join(root, "run_data", "dataset")]) {
    const parts = await groundingFiles(candidate);
    if (parts.length === 0) continue;
    const rotated = parts.filter((p) => p !== "grounding.jsonl").length;
    found.push({ format: "grounding", dir: candidate, evidence: `${rel(root, path.join(candidate, parts.includes("grounding.jsonl") ? "grounding.jsonl" : parts[0]!))}${rotated ? ` (+${rotated} rotated part${rotated > 1 ? "s" : ""})` : ""}` });
    break;
  }
  return found;
}

/** The events file saved beside or inside a run_data/ directory, if any. */
export async function findEventsFile(dir: string): Promise<string | undefined> {
  const root = path.resolve(dir);
  for (const d of [root, path.dirname(root), path.join(root, "run_data")]) {
    for (const name of EVENTS_FILE_NAMES) {
      const file = path.join(d, name);
      if (await isFile(file)) return file;
    }
  }
  return undefined;
}

export interface OpenRunOptions extends ScreenshotGuardOptions {
  /** Read only this format (the CLI's `--source`). Default: every format found. */
  format?: RunFormat;
  /** A tree-events file: joined to run_data, or read alone with `format: "tree-events"`. Default: one saved beside run_data/, if any. */
  events?: string;
}

export interface OpenedRun {
  /** One source over everything picked (several are read one after the other; shared images are stored once). */
  source: Source;
  /** What was picked, for the user: format, directory, evidence. */
  picked: (DetectedArtifact & { events?: string })[];
}

/**
 * Opens what a directory holds as one Source: detects the artifacts (or
 * takes `format`), joins an events file to run_data, and reads them one
 * after the other. Throws a ConfigError that says what was looked for when
 * nothing is found.
 */
export async function openRun(dir: string, options: OpenRunOptions = {}): Promise<OpenedRun> {
  const root = path.resolve(dir);
  const guard: ScreenshotGuardOptions = options.maxScreenshotBytes !== undefined ? { maxScreenshotBytes: options.maxScreenshotBytes } : {};
  const events = options.events !== undefined ? path.resolve(options.events) : undefined;
  if (events !== undefined && !(await isFile(events))) throw new ConfigError(`events file ${events} does not exist`);
  let artifacts = await detectRunArtifacts(root);
  if (options.format !== undefined) {
    if (options.format === "tree-events") {
      const runData = artifacts.find((a) => a.format === "run-data")?.dir ?? root;
      const file = events ?? (await findEventsFile(runData));
      if (!file) throw new ConfigError(`--source tree-events needs an events file: give --events FILE (looked for ${EVENTS_FILE_NAMES.join(", ")} beside ${runData})`);
      return { source: treeEventsSource(file, runData, guard), picked: [{ format: "tree-events", dir: runData, evidence: rel(root, file), events: file }] };
    }
    const forced = artifacts.filter((a) => a.format === options.format);
    if (forced.length === 0) {
      // Said before anything is opened or written (an output directory included).
      throw new ConfigError(`${root} holds no ${options.format} artifact: ${LOOKED_FOR[options.format]}`);
    }
    artifacts = forced;
  }
  if (artifacts.length === 0) {
    throw new ConfigError(
      `${root} holds no run the exporter knows: looked for run_data/ (screenshots/ with JSON sidecars), grounding.jsonl (also under dataset/), and records.jsonl. Give the runner's run_data directory, its grounding dataset folder, or a records.jsonl run; --source forces a format.`,
    );
  }
  const picked: OpenedRun["picked"] = [];
  const sources: Source[] = [];
  for (const a of artifacts) {
    if (a.format === "records") {
      sources.push(runDirectorySource(a.dir, guard));
      picked.push(a);
    } else if (a.format === "grounding") {
      sources.push(groundingSource(a.dir, guard));
      picked.push(a);
    } else if (a.format === "run-data") {
      const file = events ?? (await findEventsFile(a.dir));
      sources.push(runDataSource(a.dir, { ...guard, ...(file ? { events: file } : {}) }));
      picked.push(file ? { ...a, events: file } : a);
    }
  }
  if (events !== undefined && !picked.some((p) => p.events === events)) {
    throw new ConfigError(`--events joins tree events to a run_data export, but ${root} holds no run_data/ (use --source tree-events with the run_data directory)`);
  }
  return { source: concatSources(sources), picked };
}

/** One line for the user: "run-data (run_data/screenshots/ with JSON sidecars, events tree-events.jsonl) + grounding (…)". */
export function describePicked(root: string, picked: OpenedRun["picked"]): string {
  return picked.map((p) => `${p.format} (${p.evidence}${p.events && p.format !== "tree-events" ? `, events ${rel(path.resolve(root), p.events)}` : ""})`).join(" + ");
}

async function hasSidecars(dir: string): Promise<boolean> {
  try {
    const names = await fs.readdir(path.join(dir, "screenshots"));
    return names.some((n) => n.endsWith(".json"));
  } catch {
    return false;
  }
}

async function groundingFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => GROUNDING_FILE.test(n));
  } catch {
    return [];
  }
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

function rel(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join("/") || ".";
}
