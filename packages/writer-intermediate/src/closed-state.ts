import crypto from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "@qontinui/export-core";
import { datasetPaths, type DatasetPaths } from "@qontinui/intermediate-format";
import { journalPath } from "./annotation-journal.js";
import { readMetadata, type MetadataFile } from "./metadata-file.js";
import { readFileIfExists } from "./record-index.js";

/**
 * `.qontinui/closed.json`: what the last export that finished left, written
 * after metadata.json when the writer closes and removed when the next one
 * opens. It lets an open trust metadata.json's totals and category map and
 * the record index without reading the dataset: they are trusted only while
 * every file they are derived from is as that close left it (the manifest's
 * length, the index's and metadata.json's SHA-256, the annotations
 * directory's mtime, no journal). A dataset without it (an export that failed
 * or was killed, an older version, the Python exporter, a hand edit) is checked
 * against its files on open, and what disagrees is rebuilt from them.
 */
export interface ClosedState {
  version: 1;
  manifest_bytes: number;
  index_bytes: number;
  index_sha256: string;
  metadata_sha256: string;
  /** annotations/'s mtime in nanoseconds (a string: more digits than a double holds). */
  annotations_mtime_ns: string;
}

export function closedStatePath(paths: DatasetPaths): string {
  return path.join(paths.state, "closed.json");
}

export function sha256(bytes: Uint8Array | string): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** annotations/'s mtime in nanoseconds, or "" when it is missing. */
export async function annotationsMtime(paths: DatasetPaths): Promise<string> {
  try {
    return (await fs.stat(paths.annotations, { bigint: true })).mtimeNs.toString();
  } catch {
    return "";
  }
}

/** The state the last finished export left, if there is one and it can be read. */
export async function readClosedState(paths: DatasetPaths): Promise<ClosedState | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(closedStatePath(paths), "utf8")) as Partial<ClosedState>;
    if (
      v.version === 1 &&
      Number.isSafeInteger(v.manifest_bytes) &&
      Number.isSafeInteger(v.index_bytes) &&
      typeof v.index_sha256 === "string" &&
      typeof v.metadata_sha256 === "string" &&
      typeof v.annotations_mtime_ns === "string"
    ) {
      return v as ClosedState;
    }
  } catch {
    /* missing or unreadable: not closed by a finished export */
  }
  return undefined;
}

/** Removes the closed state: from now until a close writes it again, the dataset is being changed. */
export async function removeClosedState(paths: DatasetPaths): Promise<void> {
  await fs.rm(closedStatePath(paths), { force: true });
}

export async function writeClosedState(paths: DatasetPaths, state: ClosedState, options: { fsync: boolean }): Promise<void> {
  await writeFileAtomic(closedStatePath(paths), `${JSON.stringify(state)}\n`, options);
}

/** The files a closed state describes, as found now. */
export interface FoundFiles {
  manifestBytes: number;
  index: Buffer | undefined;
  metadata: MetadataFile;
  journal: boolean;
}

/** Why the dataset's files are not as `closed` describes them (each in words); [] when they are. */
export async function closedStateDisagreements(paths: DatasetPaths, closed: ClosedState, found: FoundFiles): Promise<string[]> {
  const why: string[] = [];
  if (found.journal) why.push("an annotation journal is left");
  if (closed.manifest_bytes !== found.manifestBytes) why.push(`manifest.jsonl is ${found.manifestBytes} bytes, not ${closed.manifest_bytes}`);
  const index = found.index ?? Buffer.alloc(0);
  if (index.length !== closed.index_bytes || sha256(index) !== closed.index_sha256) why.push("the record index changed");
  if (!found.metadata.bytes || sha256(found.metadata.bytes) !== closed.metadata_sha256) why.push(found.metadata.bytes ? "metadata.json changed" : "metadata.json is missing");
  if ((await annotationsMtime(paths)) !== closed.annotations_mtime_ns) why.push("annotations/ changed");
  return why;
}

async function findFiles(paths: DatasetPaths): Promise<FoundFiles> {
  const manifestBytes = await fs.stat(paths.manifest).then(
    (s) => s.size,
    () => 0,
  );
  const journal = await fs.access(journalPath(paths)).then(
    () => true,
    () => false,
  );
  return { manifestBytes, index: await readFileIfExists(paths.index), metadata: await readMetadata(paths), journal };
}

/**
 * For a tool that edits a dataset in place and keeps what its files derive from each other right
 * (the review: annotation files, metadata.json's total, the manifest's `reviewed`, the record index's
 * offsets). Runs `edit` and, when the dataset was as the last finished export left it before, records
 * its new state, so the next export still trusts it without reading it; a dataset that was not stays
 * unclosed (the next export checks it). Call it holding the dataset's lock (`acquireLock`). If `edit`
 * fails, the dataset is left unclosed.
 */
export async function keepClosedState<T>(dir: string, edit: () => Promise<T>): Promise<T> {
  const paths = datasetPaths(dir);
  const closed = await readClosedState(paths);
  const wasClosed = closed !== undefined && (await closedStateDisagreements(paths, closed, await findFiles(paths))).length === 0;
  await removeClosedState(paths);
  const result = await edit();
  if (wasClosed) {
    const now = await findFiles(paths);
    const index = now.index ?? Buffer.alloc(0);
    if (!now.journal && now.metadata.bytes) {
      await writeClosedState(
        paths,
        {
          version: 1,
          manifest_bytes: now.manifestBytes,
          index_bytes: index.length,
          index_sha256: sha256(index),
          metadata_sha256: sha256(now.metadata.bytes),
          annotations_mtime_ns: await annotationsMtime(paths),
        },
        { fsync: false },
      );
    }
  }
  return result;
}
