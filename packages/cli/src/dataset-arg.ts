import path from "node:path";
import type { DatasetReader } from "@qontinui/intermediate-format";
import type { CliIO } from "./io.js";

/** A `<dataset>` argument opened: a directory's path, or a store's reader. */
export interface DatasetArg {
  /** What converters, stats and previews take (`DatasetInput`). */
  input: string | DatasetReader;
  /** For messages: the directory, or the store URL without its password. */
  location: string;
  /** True for a PostgreSQL-backed store. */
  store: boolean;
  close(): Promise<void>;
}

/** `postgres://…` or `postgresql://…`: told apart here so a directory never loads the store's package. */
export function isStoreArg(arg: string): boolean {
  return /^postgres(ql)?:\/\//i.test(arg);
}

/**
 * Opens a command's `<dataset>`: a directory (resolved against the working
 * directory), or a store URL (`postgres://user@host:port/db?dataset=<name>&blobs=<dir>`),
 * for which @qontinui/store-postgres is loaded here and only here.
 */
export async function openDatasetArg(arg: string, io: CliIO): Promise<DatasetArg> {
  if (!isStoreArg(arg)) {
    const dir = path.resolve(io.cwd, arg);
    return { input: dir, location: dir, store: false, close: async () => {} };
  }
  const { openStoreDataset } = await import("@qontinui/store-postgres");
  const reader = await openStoreDataset({ url: arg, env: io.env });
  return { input: reader, location: reader.location, store: true, close: () => reader.close() };
}

/** Runs `work` with the dataset open, closing it after (a store's connections), whatever happens. */
export async function withDatasetArg<T>(arg: string, io: CliIO, work: (dataset: DatasetArg) => Promise<T>): Promise<T> {
  const dataset = await openDatasetArg(arg, io);
  try {
    return await work(dataset);
  } finally {
    await dataset.close();
  }
}
