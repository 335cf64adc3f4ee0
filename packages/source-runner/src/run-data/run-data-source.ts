import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import {
  ConfigError,
  type GuardedSource,
  parseRecord,
  type Problem,
  type ProblemSeverity,
  type ScreenshotGuard,
  screenshotGuard,
  type SourceItem,
} from "@qontinui/export-core";
import type { ActionNode } from "../tree-events/action-node.js";
import { readActionNodes } from "../tree-events/read-action-nodes.js";
import { eventMatchSummary, joinEvents, referencedStem } from "./join-events.js";
import { readLocalFile } from "./local-files.js";
import { byTimeThenNumber, pairDebugVisuals } from "./pair-debug-visuals.js";
import {
  type DebugSidecar,
  Interner,
  MAX_SIDECAR_BYTES,
  parseDebugSidecar,
  parseScreenshotSidecar,
  readSidecarText,
  sidecarText,
  RunDataProblemReason,
  type ScreenshotSidecar,
  type SidecarParse,
} from "./sidecars.js";

export interface RunDataSourceOptions {
  /** A tree-events.jsonl file to join (action type, outcome, end, states after, click, event boxes). */
  events?: string;
  /** Screenshot files larger than this are refused (`screenshot_too_large`). Default 200 MiB. */
  maxScreenshotBytes?: number;
}

/** Reads a tree-events file as action nodes, with problems for bad lines (the shape of `readActionNodes`). */
export type ActionNodeReader = (file: string, options: { signal?: AbortSignal; plugin?: string }) => AsyncIterable<ActionNode | { problem: Problem }>;

export const RUN_DATA_SOURCE_NAME = "run-data";

const SCREENSHOTS = "screenshots";
const DEBUG_VISUALS = "debug_visuals";
/** Sidecars read at once. */
/** Sidecars read between two turns of the event loop. */
const SIDECAR_BATCH = 64;

/**
 * The runner's `run_data/` directory as a Source: one record per screenshot
 * sidecar (`screenshots/screenshot-NNNN.json` + `.png`), in time order
 * (timestamp, then number), with its match from the debug visual paired by
 * the spec's rule (see `pairDebugVisuals`) and, given `options.events`, the
 * action node of its `action_id` (see `joinEvents`). Records carry no line;
 * every problem names its file.
 *
 * Memory: the metadata of every sidecar (ordering and pairing need them all
 * before the first record; ~100 bytes each, ids and state lists interned),
 * plus one entry per action node when events are given.
 */
export function runDataSource(runDataDir: string, options: RunDataSourceOptions = {}): GuardedSource {
  return createRunDataSource(runDataDir, options, readActionNodes);
}

/** `runDataSource` with the tree-events reader given (tests). */
export function createRunDataSource(runDataDir: string, options: RunDataSourceOptions, readNodes: ActionNodeReader): GuardedSource {
  const root = path.resolve(runDataDir);
  const guard = screenshotGuard(root, options.maxScreenshotBytes !== undefined ? { maxScreenshotBytes: options.maxScreenshotBytes } : {});
  const sidecarGuard = screenshotGuard(root, { maxScreenshotBytes: MAX_SIDECAR_BYTES });
  return {
    name: RUN_DATA_SOURCE_NAME,
    root,
    read: (signal) => readRunData(root, sidecarGuard, options.events, readNodes, signal),
    readScreenshot: guard.read,
    screenshotStamp: guard.stamp,
  };
}

interface Entry {
  /** Record order. */
  micros: number;
  number: number;
  stem: string;
  sidecar?: ScreenshotSidecar;
  /** A record made from an action node alone (its screenshot has no sidecar). */
  node?: ActionNode;
}

async function* readRunData(
  root: string,
  guard: ScreenshotGuard,
  eventsFile: string | undefined,
  readNodes: ActionNodeReader,
  signal: AbortSignal | undefined,
): AsyncGenerator<SourceItem> {
  const screenshotNames = await listScreenshots(root);
  const debugNames = await listDebugVisuals(root);
  if (signal?.aborted) return;

  const intern = new Interner();
  const screenshots: ScreenshotSidecar[] = [];
  const jsonStems = new Set<string>();
  for await (const r of readAll(guard, SCREENSHOTS, screenshotNames.realDir, screenshotNames.json, (text, file) => parseScreenshotSidecar(text, file, intern))) {
    if (signal?.aborted) return;
    jsonStems.add(r.file.slice(0, -".json".length));
    if ("problem" in r) yield { problem: r.problem };
    else screenshots.push(r.sidecar);
  }
  const debugs: DebugSidecar[] = [];
  for await (const r of readAll(guard, DEBUG_VISUALS, debugNames.realDir, debugNames.json, (text, file) => parseDebugSidecar(text, file, intern))) {
    if (signal?.aborted) return;
    if ("problem" in r) yield { problem: r.problem };
    else debugs.push(r.sidecar);
  }

  const nodes: ActionNode[] = [];
  if (eventsFile !== undefined) {
    for await (const item of readNodes(eventsFile, { plugin: RUN_DATA_SOURCE_NAME, ...(signal ? { signal } : {}) })) {
      if (signal?.aborted) return;
      if ("problem" in item) yield { problem: item.problem };
      else nodes.push(item);
    }
  }

  // Pairing sees every readable screenshot sidecar, with or without its image: an attempt whose image is missing
  // still owns its debug visual (which must not slide onto an older screen).
  const pairing = pairDebugVisuals(screenshots, debugs);
  for (let d = 0; d < debugs.length; d++) {
    if (signal?.aborted) return;
    const debug = debugs[d]!;
    const ref = `${DEBUG_VISUALS}/${debug.file}`;
    if (pairing.unpaired.has(d)) {
      const takenBy = pairing.unpaired.get(d);
      const why =
        takenBy === null || takenBy === undefined
          ? `no earlier screenshot has action_id ${JSON.stringify(debug.actionId)}, image_id ${JSON.stringify(debug.imageId)} and found ${debug.found}`
          : `its latest earlier screenshot of the same action_id, image_id and found already pairs with ${DEBUG_VISUALS}/${debugs[takenBy]!.file} (is a screenshot sidecar missing?)`;
      yield problem(RunDataProblemReason.DebugVisualUnpaired, "skipped", `${ref}: ${why}: its match is not used`, debug.actionId);
    } else if (debug.hasSearchRegion) {
      const s = screenshots[pairing.screenshotOf[d]!]!;
      yield problem(
        RunDataProblemReason.DebugVisualSearchRegion,
        "dropped_box",
        `${ref}: has a search_region, so its location may be relative to a crop: its match is not used for ${SCREENSHOTS}/${s.stem}.png`,
        debug.actionId,
      );
    }
  }

  // Records: one a screenshot sidecar, in time order.
  const debugOfSidecar = new Map<ScreenshotSidecar, DebugSidecar>();
  screenshots.forEach((s, i) => {
    const d = pairing.debugOf[i];
    if (d !== undefined) debugOfSidecar.set(s, debugs[d]!);
  });
  const entries: Entry[] = screenshots.map((s) => ({ micros: s.micros, number: s.number, stem: s.stem, sidecar: s }));
  entries.sort(recordOrder);

  // Events: joined to the attempts that become records.
  const recordEntries = entries.filter((e) => screenshotNames.png.has(e.stem));
  const join = joinEvents(
    recordEntries.map((e) => {
      const s = e.sidecar!;
      const debug = debugOfSidecar.get(s);
      const box = s.found && debug && !debug.hasSearchRegion && debug.location && debug.templateSize ? ([debug.location.x, debug.location.y, debug.templateSize.width, debug.templateSize.height] as const) : null;
      return { actionId: s.actionId, imageId: s.imageId, found: s.found, micros: s.micros, stem: s.stem, hasDebug: debug !== undefined, box };
    }),
    nodes,
  );
  const indexOf = new Map<Entry, number>(recordEntries.map((e, i) => [e, i]));

  // A node without sidecars whose screenshot is in screenshots/ without a sidecar: a record from the node itself.
  const orphans = new Set([...screenshotNames.png].filter((stem) => !jsonStems.has(stem)));
  for (const node of join.nodesWithoutAttempts) {
    const stem = referencedStem(node.screenshotReference);
    if (stem === undefined || !orphans.has(stem)) continue;
    orphans.delete(stem);
    const micros = Math.round((node.start ?? node.end ?? 0) * 1e6);
    entries.push({ micros, number: numberOf(stem), stem, node });
  }
  entries.sort(recordOrder);

  for (const stem of [...orphans].sort()) {
    if (signal?.aborted) return;
    yield problem(RunDataProblemReason.ImageWithoutSidecar, "skipped", `${SCREENSHOTS}/${stem}.png: no ${stem}.json sidecar beside it (and no tree event names it): skipped`);
  }

  for (const entry of entries) {
    if (signal?.aborted) return;
    if (entry.node) {
      yield recordItem(nodeRecord(entry.node, entry.stem), `${SCREENSHOTS}/${entry.stem}.png`, entry.node.id);
      continue;
    }
    const s = entry.sidecar!;
    const sidecarRef = `${SCREENSHOTS}/${s.file}`;
    const index = indexOf.get(entry);
    if (index === undefined) {
      yield problem(RunDataProblemReason.SidecarWithoutImage, "skipped", `${sidecarRef}: its image ${s.stem}.png is not in ${SCREENSHOTS}/: skipped`, s.actionId);
      continue;
    }
    const image = `${s.stem}.png`;
    if (s.filename !== null && s.filename !== image) {
      yield problem(
        RunDataProblemReason.SidecarFilenameMismatch,
        "repaired",
        `${sidecarRef}: says filename ${JSON.stringify(s.filename)}, but its partner by name is ${image}: ${image} used`,
        s.actionId,
      );
    }
    const debug = debugOfSidecar.get(s);
    const node = join.nodeOf[index];
    const eventNode = join.eventMatchOf.get(index);
    const summary = eventNode ? eventMatchSummary(eventNode, s.imageId) : matchSummary(s, debug);
    // The screen the match was found on, from the debug visual's header (the runner's own
    // screenshot_size field is always 0×0): the template labeler refuses a box on an image of
    // another size (a 200 px thumbnail) instead of keeping it in the wrong coordinates.
    if (debug && !eventNode && summary && "location" in summary) {
      const screen = await pngSize(guard, debugNames.realDir, debug.file.replace(/\.json$/, ".png"));
      if (screen) summary.screenshot_size = screen;
    }
    const record: Record<string, unknown> = {
      action_id: s.actionId,
      attempt_id: s.stem,
      active_states_before: [...s.activeStates],
      active_states_after: node ? [...node.activeAfter] : [],
      start_time: s.micros / 1e6,
      screenshot_reference: `${SCREENSHOTS}/${image}`,
      match_summary: summary,
      metadata: { run_data: { sidecar: sidecarRef, ...(debug ? { debug_visual: `${DEBUG_VISUALS}/${debug.file}` } : {}), ...(eventNode ? { match_from: "tree_event" } : {}) } },
    };
    if (node) Object.assign(record, nodeFields(node));
    const click = join.clickOf.get(index);
    if (click) Object.assign(record, clickFields(node, click));
    yield recordItem(record, sidecarRef, s.actionId);
  }
}

/** `{image_id, found}` from the sidecar, plus the paired debug visual's match (unless it has a search region). */
function matchSummary(s: ScreenshotSidecar, debug: DebugSidecar | undefined): Record<string, unknown> {
  const summary: Record<string, unknown> = { image_id: s.imageId, found: s.found };
  if (debug === undefined || debug.hasSearchRegion) return summary;
  if (debug.confidence !== null) summary.confidence = debug.confidence;
  if (debug.threshold !== null) summary.threshold = debug.threshold;
  if (debug.location !== null) summary.location = { x: debug.location.x, y: debug.location.y };
  // A 0×0 size is kept: the template labeler names it (box_invalid_size) instead of a silent miss.
  if (debug.templateSize !== null) summary.template_size = { width: debug.templateSize.width, height: debug.templateSize.height };
  return summary;
}

/**
 * Width and height from a debug visual's IHDR (its first 24 bytes), or undefined when it is missing
 * or not a PNG. Read directly in the checked debug_visuals/ directory; through the guard when that fails.
 */
async function pngSize(guard: ScreenshotGuard, realDir: string | undefined, file: string): Promise<{ width: number; height: number } | undefined> {
  const head =
    (realDir === undefined ? undefined : readLocalFile(path.join(realDir, file), 24, true)) ?? (await guard.head(`${DEBUG_VISUALS}/${file}`, 24).catch(() => undefined));
  if (!head || head.length < 24 || head.readUInt32BE(0) !== 0x89504e47 || head.toString("latin1", 12, 16) !== "IHDR") return undefined;
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** What an action node adds to each of its attempts' records. */
function nodeFields(node: ActionNode): Record<string, unknown> {
  return {
    action_type: node.name,
    success: node.success,
    end_time: node.end,
    duration_ms: node.durationMs,
    error_message: node.error,
    parent_action_id: node.parentId,
    workflow_id: node.workflowId,
  };
}

/** The click and what the node says about it. */
function clickFields(node: ActionNode | undefined, click: { x: number; y: number }): Record<string, unknown> {
  return { clicked_location: { x: click.x, y: click.y }, ...(node ? { click_button: node.button, click_target_type: node.targetType } : {}) };
}

/** A record from an action node alone: its first attempt's screenshot, match and click. */
function nodeRecord(node: ActionNode, stem: string): Record<string, unknown> {
  const record: Record<string, unknown> = {
    action_id: node.id,
    attempt_id: stem,
    active_states_before: [...node.activeBefore],
    active_states_after: [...node.activeAfter],
    start_time: node.start,
    screenshot_reference: `${SCREENSHOTS}/${stem}.png`,
    match_summary: eventMatchSummary(node, null),
    metadata: { run_data: { match_from: "tree_event", events_line: node.line } },
    ...nodeFields(node),
  };
  if (node.clickedAt) Object.assign(record, clickFields(node, node.clickedAt));
  return record;
}

function recordItem(record: Record<string, unknown>, where: string, actionId: string): SourceItem {
  const parsed = parseRecord(record);
  if (parsed.ok) return { record: parsed.record };
  return problem(parsed.reason, "skipped", `${where}: ${parsed.message}`, actionId);
}

function problem(reason: string, severity: ProblemSeverity, message: string, actionId?: string): { problem: Problem } {
  return { problem: { reason, severity, message, plugin: RUN_DATA_SOURCE_NAME, ...(actionId !== undefined ? { actionId } : {}) } };
}

type ReadResult<T> = { file: string; sidecar: T } | { file: string; problem: Problem };

/**
 * Reads and parses the sidecars `names` under `dir` (whose real path, checked inside the root, is
 * `realDir`), in the given order: a batch at a time read directly (a sidecar is a few hundred bytes
 * and thousands are read before the first record), yielding to the event loop between batches; one
 * that cannot be read that way (a symlink, a FIFO, too large) goes through the guard, which names it.
 */
async function* readAll<T>(
  guard: ScreenshotGuard,
  dir: string,
  realDir: string | undefined,
  names: readonly string[],
  parse: (text: string, file: string) => SidecarParse<T>,
): AsyncGenerator<ReadResult<T>> {
  for (let start = 0; start < names.length; start += SIDECAR_BATCH) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const file of names.slice(start, start + SIDECAR_BATCH)) {
      const ref = `${dir}/${file}`;
      const bytes = realDir === undefined ? undefined : readLocalFile(path.join(realDir, file), MAX_SIDECAR_BYTES);
      const read = bytes !== undefined ? sidecarText(bytes) : await readSidecarText(guard, ref);
      if (!read.ok) {
        yield { file, problem: problem(read.reason, "skipped", `${ref}: ${read.message}`).problem };
        continue;
      }
      const parsed = parse(read.text, file);
      yield parsed.ok ? { file, sidecar: parsed.sidecar } : { file, problem: problem(RunDataProblemReason.InvalidSidecar, "skipped", `${ref}: ${parsed.message}`).problem };
    }
  }
}

/** screenshots/: sidecar names (sorted) and image stems. Throws a ConfigError when it is not there. */
async function listScreenshots(root: string): Promise<{ json: string[]; png: Set<string>; realDir: string }> {
  const rootInfo = await stat(root).catch(() => undefined);
  if (!rootInfo?.isDirectory()) throw new ConfigError(`run_data directory ${root} does not exist (or is not a directory): give the runner's run_data/ directory`);
  const dir = path.join(root, SCREENSHOTS);
  const listed = await listDirectory(root, dir);
  if (listed === undefined) {
    const parentOf = await stat(path.join(root, "run_data")).then((s) => s.isDirectory(), () => false);
    throw new ConfigError(
      `no ${SCREENSHOTS}/ in ${root}: is this a qontinui run_data directory?${parentOf ? ` (${path.join(root, "run_data")} exists: give that)` : ""}`,
    );
  }
  const json: string[] = [];
  const png = new Set<string>();
  for (const name of listed.names) {
    if (name.endsWith(".json") && name.length > ".json".length) json.push(name);
    else if (name.endsWith(".png") && name.length > ".png".length) png.add(name.slice(0, -".png".length));
  }
  return { json, png, realDir: listed.realDir };
}

/** debug_visuals/*.json, sorted; none when the folder is absent (image debug is off by default). */
async function listDebugVisuals(root: string): Promise<{ json: string[]; realDir: string | undefined }> {
  const listed = await listDirectory(root, path.join(root, DEBUG_VISUALS));
  return { json: (listed?.names ?? []).filter((n) => n.endsWith(".json") && n.length > ".json".length), realDir: listed?.realDir };
}

/**
 * A folder's entry names, sorted by code unit (the same order everywhere);
 * undefined when it does not exist or is not a directory. A folder that
 * resolves outside the run_data directory is refused: nothing under it could
 * be read.
 */
async function listDirectory(root: string, dir: string): Promise<{ names: string[]; realDir: string } | undefined> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  const rel = path.relative(realRoot, realDir);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new ConfigError(`${dir} resolves to ${realDir}, outside ${realRoot}: nothing under it can be read; copy it into the run_data directory`);
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new ConfigError(`cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return { names: names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), realDir };
}

/** Timestamp, then number, then file stem (so equal keys still give one order). */
function recordOrder(a: Entry, b: Entry): number {
  return byTimeThenNumber(a, b) || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0);
}

function numberOf(stem: string): number {
  const digits = /(\d+)$/.exec(stem)?.[1];
  return digits === undefined ? Number.MAX_SAFE_INTEGER : Number(digits);
}
