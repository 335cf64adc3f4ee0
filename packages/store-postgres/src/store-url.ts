import { ConfigError } from "@qontinui/export-core";

/** The environment variable holding the store's URL (what `--store` gives on the command line). */
export const STORE_ENV = "QONTINUI_STORE";
/** The environment variable naming the blob store (a directory) when the URL has no `blobs` parameter. */
export const BLOBS_ENV = "QONTINUI_BLOBS";
/** The dataset a URL without `dataset=` names. */
export const DEFAULT_DATASET = "default";

/** A store URL taken apart: what goes to PostgreSQL, and our own parameters. */
export interface StoreTarget {
  /** The URL without our parameters, for the `pg` client (password included when given). */
  connectionString: string;
  dataset: string;
  /** The blob store's location (a directory; `s3://…` once the blob store has an S3 backend), when the URL or the environment names one. */
  blobs?: string;
  /** The URL for messages: no password, our parameters kept. */
  location: string;
}

/** Whether a string is a store URL (rather than a dataset directory). */
export function isStoreUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/**
 * Takes apart `postgres://user[:password]@host[:port]/database?dataset=<name>&blobs=<dir>`.
 * `dataset` defaults to "default"; `blobs` to `QONTINUI_BLOBS` from `env`. Every other parameter
 * (`sslmode`, `application_name`, …) is left for the `pg` client. A password may also come from
 * PGPASSWORD or ~/.pgpass, as for psql.
 */
export function parseStoreUrl(url: string, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  if (!isStoreUrl(url)) throw new ConfigError(`${JSON.stringify(url.slice(0, 80))} is not a store URL: give postgres://user@host:port/database?dataset=<name>&blobs=<dir>`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new ConfigError(`store URL ${redact(url)} cannot be parsed (${(e as Error).message}); the form is postgres://user@host:port/database?dataset=<name>&blobs=<dir>`);
  }
  const dataset = parsed.searchParams.get("dataset") ?? DEFAULT_DATASET;
  if (dataset.trim() === "") throw new ConfigError(`store URL ${redact(url)}: dataset= is empty; name the dataset (e.g. ?dataset=gui)`);
  const blobs = parsed.searchParams.get("blobs") ?? (env[BLOBS_ENV] || undefined);
  parsed.searchParams.delete("dataset");
  parsed.searchParams.delete("blobs");
  const connectionString = parsed.toString();
  const shown = new URL(connectionString);
  shown.password = "";
  shown.searchParams.set("dataset", dataset);
  return { connectionString, dataset, ...(blobs !== undefined ? { blobs } : {}), location: shown.toString() };
}

/** The store URL in `QONTINUI_STORE`, if set (the CLI's default for `--store`). */
export function storeUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env[STORE_ENV]?.trim();
  return url ? url : undefined;
}

/** A URL with its password replaced, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}
