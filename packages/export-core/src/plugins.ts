import type { Annotation, LabeledAnnotation } from "./annotation.js";
import type { CategoryRegistry } from "./category-registry.js";
import type { ImageFormat } from "./image-format.js";
import type { ExportStatistics } from "./export-statistics.js";
import type { Problem } from "./problems.js";
import type { ExecutionRecord } from "./record.js";

/** Where messages go. The CLI prints them on stderr; the library default only prints warnings. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const consoleLogger: Logger = {
  info: () => {},
  warn: (m) => console.warn(m),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {} };

/** A record as a source yields it, with where it came from for messages. */
export interface SourceRecord {
  record: ExecutionRecord;
  /** 1-based line in the source's file (records.jsonl, tree-events.jsonl, …), when there is one. */
  line?: number;
}

/** A source yields records, and problems in place of lines it could not use. */
export type SourceItem = SourceRecord | { problem: Problem };

/** A screenshot's bytes, read once, and its real path (inside the source root). */
export interface ScreenshotFile {
  path: string;
  bytes: Buffer;
  /**
   * The file's version (device, inode, size, mtime), when the source can
   * tell. With `Source.screenshotStamp` it lets the pipeline skip reading and
   * hashing a screenshot it already resolved in this run.
   */
  stamp?: string;
  /**
   * True when `bytes` is a buffer made for this call (by `allocate` or new)
   * that the source keeps no reference to. The pipeline then takes its memory
   * back as soon as the records using it are stored and labelled, for the next
   * screenshot, instead of leaving it to the garbage collector (which lets
   * hundreds of megabytes of screenshots pile up on long runs).
   */
  owned?: boolean;
  /**
   * Whether the file is still the one this read saw, told cheaply and
   * synchronously (core's guard: one `stat` of the same path, no realpath or
   * open; the same device, inode, size, mtime and ctime). The pipeline asks it
   * for each later record of a screenshot it already resolved in this run:
   * true reuses its id and size with no other file-system call; false
   * resolves the reference again in full (guard, read, hash). Without it,
   * `Source.screenshotStamp` is asked.
   */
  unchanged?: () => boolean;
}

/**
 * Where records come from: a name, the directory the records' screenshot
 * references are relative to, and the records. That is all a source needs:
 * core reads the screenshots under `root` with the path guard (nothing
 * outside the root, symlinks included), buffer reuse and version stamps.
 *
 * ```ts
 * const source: Source = {
 *   name: "my-format",
 *   root: "/runs/42",
 *   async *read() {
 *     yield { record: { action_id: "a1", screenshot_reference: "shots/1.png", active_states_before: [], active_states_after: [] } };
 *   },
 * };
 * ```
 *
 * A source whose screenshots are not files under one directory (in memory,
 * another dataset) gives `readScreenshot` instead of `root`; it must then
 * refuse, with a `ScreenshotError` whose `reason` is a ProblemReason, any
 * reference that leaves its root.
 */
export interface Source {
  name: string;
  /** Screenshot references are read under this directory (with core's path guard). */
  root?: string;
  read(signal?: AbortSignal): AsyncIterable<SourceItem>;
  /**
   * Optional, instead of `root`: reads one screenshot. `allocate`, when
   * given, makes the buffer for `size` bytes: a source that reads into it
   * (and says `owned`) lets the pipeline reuse screenshot memory.
   */
  readScreenshot?(reference: string, allocate?: (size: number) => Buffer): Promise<ScreenshotFile>;
  /**
   * Optional, with `readScreenshot`: checks a reference exactly as
   * `readScreenshot` does (same guard) without reading it, and returns its
   * real path and `stamp`.
   */
  screenshotStamp?(reference: string): Promise<{ path: string; stamp: string }>;
}

/** A source that reads screenshots through core's guard itself, exposing it (`readScreenshot`, `screenshotStamp`) for direct use. */
export type GuardedSource = Source & Required<Pick<Source, "root" | "readScreenshot" | "screenshotStamp">>;

/** A screenshot after the resolver: read once, hashed, measured. */
export interface ResolvedImage {
  /** First 16 hex characters of the SHA-256 of the bytes (the seed's image id). */
  id: string;
  sha256: string;
  format: ImageFormat;
  /** The extension images are stored under: ".png", ".jpg", ".webp", ".gif". */
  extension: string;
  width: number;
  height: number;
  channels: number;
  byteLength: number;
  /** Real path of the screenshot in the source. */
  sourcePath: string;
  /**
   * The bytes, for labelers that need pixels and writers that store the
   * image (in `prepare`, which sees every image with its bytes). A record
   * whose screenshot was already resolved in this run gets an empty buffer
   * when no labeler declares `needsPixels`, and `Writer.write` always gets an
   * empty buffer: the bytes are let go once stored and labelled, so memory
   * does not depend on how long records wait for their turn. They are valid
   * until the `label` or `prepare` call that was handed them settles (a
   * source's owned buffer is freed then and reads as empty): copy them to
   * keep them longer.
   */
  bytes: Buffer;
  /** The source's version stamp of the file (see ScreenshotFile.stamp). */
  stamp?: string;
}

/** Reports a problem from inside a labeler (a dropped or repaired box). */
export interface LabelContext {
  report(reason: string, message: string, severity?: Problem["severity"]): void;
  signal?: AbortSignal;
}

/**
 * Turns a record and its image into boxes. Pure: no I/O other than the
 * pixels it is handed; the registry gives ids later.
 */
export interface Labeler {
  name: string;
  /**
   * False when `label` never reads `image.bytes`: the pipeline then skips
   * re-reading screenshots it has already resolved. Unset counts as true
   * (safe, slower) and the pipeline warns once per export so it is not
   * missed.
   */
  needsPixels?: boolean;
  label(record: ExecutionRecord, image: ResolvedImage, ctx: LabelContext): Annotation[] | Promise<Annotation[]>;
}

/** What reaches writers, in record order. */
export interface ExportItem {
  record: ExecutionRecord;
  image: ResolvedImage;
  annotations: LabeledAnnotation[];
  /** Idempotence key, see `recordKey`. */
  key: string;
}

export interface WriterContext {
  registry: CategoryRegistry;
  datasetVersion: string;
  logger: Logger;
  signal?: AbortSignal;
}

export interface WriteResult {
  /** Set when the writer already had this record (idempotent re-export). */
  skipped?: "already_exported";
}

export interface WriterSummary {
  writer: string;
  [key: string]: unknown;
}

/**
 * A streaming output, as a plain object with a `name` and the hooks it needs
 * (every hook is optional): `open` → `prepare`* / `write`* → `close`.
 * Memory must not grow with the number of records.
 *
 * - `prepare(image)` is called concurrently, out of order, the first time each
 *   image is resolved in a run, with its bytes (lent until the call settles):
 *   content-addressed work such as storing the image belongs there.
 * - `write(item)` is called one at a time in record order, with the image's
 *   metadata (no bytes), its boxes with registry ids, and the record.
 *
 * ```ts
 * const log: Writer = { name: "log", write: (item) => void console.log(item.image.id, item.annotations.length) };
 * ```
 */
export interface Writer {
  name: string;
  open?(ctx: WriterContext): Promise<void>;
  prepare?(image: ResolvedImage): Promise<void>;
  write?(item: ExportItem): Promise<WriteResult | void> | WriteResult | void;
  /** Finishes the output. The pipeline passes its statistics (problems, skipped records) for writers that record them. */
  close?(statistics?: ExportStatistics): Promise<WriterSummary>;
  /** Called instead of close when the export fails; release locks, keep what is whole. */
  abort?(error: unknown): Promise<void>;
  /**
   * Whether the output already holds this image (by id) from an earlier export. Asked after `open`,
   * for each new screenshot: one a writer already holds is not checked again for whether its data
   * decodes (checkImageData), so re-running an export over a run already exported costs no inflate.
   */
  hasImage?(imageId: string): boolean;
}

/** A writer with every stage: what the format packages' factories return, for callers that drive them directly. */
export type CompleteWriter = Writer & Required<Pick<Writer, "open" | "write" | "close">>;

/** Keeps a record when it returns true. A named filter gives its name in the statistics. */
export type RecordFilter = ((record: ExecutionRecord) => boolean) | { name: string; test(record: ExecutionRecord): boolean };
