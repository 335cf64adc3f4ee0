import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { contentId } from "../image-resolver.js";
import { runPipeline } from "../pipeline.js";
import { type ExportItem, silentLogger, type Source, type SourceItem } from "../plugins.js";
import { ProblemReason } from "../problems.js";
import { encodePng } from "./png-encoder.js";

/** How the contract drives one source format. */
export interface SourceContractAdapter {
  /** The format's name, for messages. */
  name: string;
  /**
   * Writes, under `dir` (which exists and is empty), a session of the format
   * with one entry per image, in this order: each entry's screenshot holds
   * exactly `images[i]` (PNG bytes). Entries may carry whatever else the
   * format has; their order in the files must be the order given.
   */
  writeSession(dir: string, images: Buffer[]): Promise<void>;
  /**
   * Adds to the session one entry the format's reader must refuse as
   * malformed (a torn or not-JSON line, a sidecar that is not JSON…), in a
   * place where the good entries after it are still readable.
   */
  addMalformed(dir: string): Promise<void>;
  /**
   * Adds one entry whose screenshot is a symlink, where the format keeps
   * its images, to `outsideFile` (outside `dir`).
   */
  addSymlinkOut(dir: string, outsideFile: string): Promise<void>;
  /** The source over what the other hooks left in `dir`. */
  open(dir: string): Source;
}

export interface SourceContractReport {
  /** Empty when the source keeps the contract. */
  failures: string[];
  recordsChecked: number;
}

export interface SourceContractOptions {
  /** Break the source on purpose, to prove the contract notices (used by the suite's own tests). */
  sabotage?: "reverse-order" | "swallow-problems" | "ignore-abort" | "read-outside";
}

/** Full-size screens (one 1280×720, others smaller so the suite stays quick), each different. */
function contractImages(): Buffer[] {
  const sizes: [number, number][] = [
    [1280, 720],
    [320, 200],
    [200, 120],
    [64, 48],
  ];
  return sizes.map(([w, h], i) => encodePng(w, h, (x, y) => [(x * 5 + i * 40) & 255, (y * 3 + i * 17) & 255, ((x ^ y) + i * 90) & 255]));
}

/**
 * The source contract every source passes: the records come in the
 * session's order, every screenshot resolves to the bytes written; two reads
 * give the same items; a malformed entry becomes a problem with a named
 * reason and a message while the rest is still read; a screenshot that is a
 * symlink out of the root is refused (`path_escapes_root`) and its bytes
 * reach no writer; an aborted read ends quietly at the next item. Returns
 * the failures; a test asserts the list is empty.
 *
 * ```ts
 * const report = await checkSourceContract({ name: "csv", writeSession, addMalformed, addSymlinkOut, open: (dir) => csvSource(dir) });
 * expect(report.failures).toEqual([]);
 * ```
 */
export async function checkSourceContract(adapter: SourceContractAdapter, options: SourceContractOptions = {}): Promise<SourceContractReport> {
  const failures: string[] = [];
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `qx-source-contract-${adapter.name.replace(/[^\w-]/g, "_")}-`)));
  const dir = path.join(root, "run dir ü");
  await fs.mkdir(dir);
  const images = contractImages();
  const ids = images.map((b) => contentId(b).id);
  const secret = encodePng(9, 9, () => [255, 0, 0]);
  const secretFile = path.join(root, "outside-secret.png");
  let recordsChecked = 0;
  try {
    await checkSteps();
  } catch (e) {
    failures.push(`the contract could not finish: ${(e as Error).stack ?? String(e)}`);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
  return { failures, recordsChecked };

  async function checkSteps(): Promise<void> {
    await fs.writeFile(secretFile, secret);
    await adapter.writeSession(dir, images);

    // 1. The clean session: every record, in order, each screenshot the bytes written.
    const clean = sabotaged(adapter.open(dir), options.sabotage);
    if (typeof clean.root !== "string" && typeof clean.readScreenshot !== "function") {
      failures.push(`${adapter.name}: the source has neither root nor readScreenshot: core cannot read its screenshots`);
      return;
    }
    const exported = await exportAll(clean);
    const cleanIds = exported.items.map((i) => i.image.id);
    if (JSON.stringify(cleanIds) !== JSON.stringify(ids)) {
      failures.push(`clean session: exported images ${JSON.stringify(cleanIds)}, expected ${JSON.stringify(ids)} (every entry once, in the session's order)`);
    }
    if (exported.problems.length > 0) failures.push(`clean session: problems ${JSON.stringify(exported.problems.map((p) => p.reason))} where none were expected`);
    recordsChecked += exported.items.length;

    // 2. Stable: a second read gives the same items.
    const a = await describeItems(clean);
    const b = await describeItems(clean);
    if (JSON.stringify(a) !== JSON.stringify(b)) failures.push("two reads of the same files gave different items (or a different order)");

    // 3. A malformed entry is a named problem; the good entries are still read.
    await adapter.addMalformed(dir);
    const withBad = await exportAll(sabotaged(adapter.open(dir), options.sabotage));
    const named = withBad.problems.filter((p) => typeof p.reason === "string" && /^[a-z][a-z0-9_]*$/.test(p.reason) && p.message.length > 0);
    if (named.length === 0) failures.push("a malformed entry gave no problem with a named reason (snake_case) and a message");
    const badIds = new Set(withBad.items.map((i) => i.image.id));
    for (const id of ids) if (!badIds.has(id)) failures.push(`after a malformed entry, image ${id} was no longer exported: one bad entry must not lose the others`);

    // 4. A screenshot that is a symlink out of the root is refused, its bytes reach no writer.
    await adapter.addSymlinkOut(dir, secretFile);
    const withLink = await exportAll(sabotaged(adapter.open(dir), options.sabotage));
    if (withLink.items.some((i) => i.image.id === contentId(secret).id)) failures.push("a screenshot symlinked out of the root was read and exported");
    if (!withLink.problems.some((p) => p.reason === ProblemReason.PathEscapesRoot)) failures.push("a screenshot symlinked out of the root was not reported as path_escapes_root");
    recordsChecked += withLink.items.length;

    // 5. An abort ends the read quietly at the next item.
    const controller = new AbortController();
    let seen = 0;
    try {
      for await (const _ of sabotaged(adapter.open(dir), options.sabotage).read(controller.signal)) {
        seen++;
        controller.abort();
        if (seen > 2) break;
      }
      if (seen > 2) failures.push("the read went on after its signal was aborted");
    } catch (e) {
      failures.push(`an aborted read threw (${(e as Error).message}) instead of ending quietly`);
    }
  }
}

async function exportAll(source: Source): Promise<{ items: ExportItem[]; problems: { reason: string; message: string }[] }> {
  const items: ExportItem[] = [];
  const problems: { reason: string; message: string }[] = [];
  await runPipeline({
    source,
    labelers: [],
    writers: [{ name: "collect", open: async () => {}, write: async (i) => void items.push(i), close: async () => ({ writer: "collect" }) }],
    onProblem: (p) => problems.push({ reason: p.reason, message: p.message }),
    logger: silentLogger,
  });
  return { items, problems };
}

async function describeItems(source: Source): Promise<string[]> {
  const out: string[] = [];
  for await (const item of source.read()) {
    out.push("problem" in item ? `problem ${item.problem.reason} ${item.problem.message}` : JSON.stringify(item.record));
  }
  return out;
}

/** The source broken on purpose. */
function sabotaged(source: Source, sabotage: SourceContractOptions["sabotage"]): Source {
  if (!sabotage) return source;
  if (sabotage === "read-outside") {
    // Reads references without the guard: a symlink out is followed.
    const root = source.root ?? "";
    return {
      name: source.name,
      read: (signal) => source.read(signal),
      async readScreenshot(reference) {
        const file = path.join(root, reference);
        return { path: file, bytes: await fs.readFile(file) };
      },
    };
  }
  return {
    ...source,
    async *read(signal?: AbortSignal): AsyncIterable<SourceItem> {
      if (sabotage === "reverse-order") {
        const all: SourceItem[] = [];
        for await (const item of source.read(signal)) all.push(item);
        yield* all.reverse();
        return;
      }
      for await (const item of source.read(sabotage === "ignore-abort" ? undefined : signal)) {
        if (sabotage === "swallow-problems" && "problem" in item) continue;
        yield item;
      }
    },
  };
}
