import path from "node:path";
import { type BlobStore, DirectoryBlobStore } from "@qontinui/blob-store";
import { ConfigError, DatasetError } from "@qontinui/export-core";
import pg from "pg";
import { CategoryIds } from "./category-ids.js";
import { applyMigrations } from "./migrations.js";
import { BLOBS_ENV, DEFAULT_DATASET, parseStoreUrl, redact } from "./store-url.js";

export interface StoreOptions {
  /**
   * `postgres://user@host:port/database?dataset=<name>&blobs=<dir>`; `dataset` and `blobs` given
   * here as options win over the URL's.
   */
  url?: string;
  /** Extra `pg` pool settings (ssl, timeouts…); `url` fills `connectionString`. */
  pool?: pg.PoolConfig;
  /** The dataset's name (default: the URL's `dataset`, else "default"). */
  dataset?: string;
  /** Where images go: a BlobStore, or a directory (a DirectoryBlobStore). Default: the URL's `blobs`, else QONTINUI_BLOBS. */
  blobs?: BlobStore | string;
  /** `dataset_version` of a dataset this open creates (default "1.0.0"); an existing dataset keeps its own. */
  datasetVersion?: string;
  /** Create the dataset when it does not exist (default true; readers pass false). */
  create?: boolean;
  /** Connections in the pool (default 4). A writer uses one for its batches and one for look-ups. */
  maxConnections?: number;
  /** Environment for QONTINUI_BLOBS (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * An open dataset of a PostgreSQL store: a connection pool, the dataset's row, and the blob
 * store holding its images. Writers (`storeWriter`, `ingestDataset`), the reader
 * (`openStoreDataset`), `exportToDirectory`, `validateStore` and `sweepBlobs` all take one.
 */
export class DatasetStore {
  readonly categories: CategoryIds;
  private closed = false;

  private constructor(
    readonly pool: pg.Pool,
    readonly blobs: BlobStore,
    private readonly ownsBlobs: boolean,
    /** The store URL without a password: `postgres://user@host:port/database?dataset=<name>`. */
    readonly location: string,
    readonly dataset: { id: number; name: string; version: string; description: string; createdAt: Date },
  ) {
    this.categories = new CategoryIds(pool, dataset.id);
  }

  /** Opens (and by default creates) a dataset; migrates the database's schema first. */
  static async open(target: string | StoreOptions): Promise<DatasetStore> {
    const options: StoreOptions = typeof target === "string" ? { url: target } : target;
    const env = options.env ?? process.env;
    const parsed = options.url ? parseStoreUrl(options.url, env) : undefined;
    const name = options.dataset ?? parsed?.dataset ?? DEFAULT_DATASET;
    const blobsGiven = options.blobs ?? parsed?.blobs ?? (env[BLOBS_ENV] || undefined);
    if (blobsGiven === undefined) {
      throw new ConfigError(`the store needs a place for images: add &blobs=<dir> to the store URL, set ${BLOBS_ENV}=<dir>, or pass the blobs option`);
    }
    const blobs = typeof blobsGiven === "string" ? await blobStoreAt(blobsGiven, env) : blobsGiven;
    const connectionString = parsed?.connectionString ?? options.pool?.connectionString;
    const pool = new pg.Pool({ max: options.maxConnections ?? 4, ...options.pool, ...(connectionString ? { connectionString } : {}) });
    // An idle connection the server drops (a restart) must not crash the process; the next query fails instead.
    pool.on("error", () => {});
    const shownBase = parsed ? parsed.location.replace(/\?.*$/, "") : describePool(options.pool);
    const location = `${shownBase}?dataset=${encodeURIComponent(name)}`;
    try {
      const client = await pool.connect().catch((e: Error) => {
        throw new DatasetError(`cannot connect to the store at ${location}: ${e.message}`, { cause: e });
      });
      let row: { id: number; name: string; dataset_version: string; description: string; created_at: Date } | undefined;
      try {
        await applyMigrations(client);
        if (options.create ?? true) {
          await client.query("INSERT INTO datasets (name, dataset_version, blob_location) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [
            name,
            options.datasetVersion ?? "1.0.0",
            blobs.location,
          ]);
        }
        ({ rows: [row] } = await client.query<NonNullable<typeof row>>("SELECT id, name, dataset_version, description, created_at FROM datasets WHERE name = $1", [name]));
      } finally {
        client.release();
      }
      if (!row) throw new DatasetError(`the store at ${location} has no dataset ${JSON.stringify(name)}: export into it first (qontinui-export run <run> --store <url>)`);
      return new DatasetStore(pool, blobs, typeof blobsGiven === "string", location, {
        id: row.id,
        name: row.name,
        version: row.dataset_version,
        description: row.description,
        createdAt: row.created_at,
      });
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    if (this.ownsBlobs) await this.blobs.close?.();
  }
}

/** Opens a dataset of a PostgreSQL store: `openStore("postgres://me@db:5432/qontinui?dataset=gui&blobs=/srv/blobs")`. */
export function openStore(target: string | StoreOptions): Promise<DatasetStore> {
  return DatasetStore.open(target);
}

/** A blob store from its location: `s3://bucket/prefix?endpoint=…` (S3BlobStore, loaded only then; credentials from the environment), else a directory. */
async function blobStoreAt(location: string, env: NodeJS.ProcessEnv): Promise<BlobStore> {
  if (/^s3:\/\//i.test(location)) {
    const { parseS3Url, S3BlobStore } = await import("@qontinui/blob-store/s3");
    return new S3BlobStore({ ...parseS3Url(location), env });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new ConfigError(`blobs=${location}: a blob store is a directory or an s3://bucket/prefix URL; pass a BlobStore object (the blobs option) for other kinds`);
  }
  return new DirectoryBlobStore(path.resolve(location));
}

function describePool(config: pg.PoolConfig | undefined): string {
  if (config?.connectionString) return redact(config.connectionString).replace(/\?.*$/, "");
  const host = config?.host ?? process.env.PGHOST ?? "localhost";
  const port = config?.port ?? process.env.PGPORT ?? 5432;
  const user = config?.user ?? process.env.PGUSER ?? "";
  const database = config?.database ?? process.env.PGDATABASE ?? user;
  return `postgres://${user ? `${encodeURIComponent(user)}@` : ""}${host}:${port}/${database}`;
}
