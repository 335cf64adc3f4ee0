import type { DatasetStore } from "./dataset-store.js";
import { LOCK_BLOBS, LOCK_NAMESPACE } from "./locks.js";

export interface SweepOptions {
  /**
   * Blobs written or touched more recently than this are kept even when no row names them yet
   * (default one hour): a writer's blobs read ahead of their records wait this long at most.
   */
  graceMs?: number;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Give up waiting for writers to let the blob lock go after this long (default: wait). */
  lockTimeoutMs?: number;
}

export interface SweepSummary {
  /** Blobs in the blob store. */
  blobs: number;
  /** Blobs some image row (of any dataset of the database) names. */
  referenced: number;
  /** Unnamed blobs removed (or, with dryRun, that would be). */
  removed: string[];
  bytesRemoved: number;
  /** Unnamed blobs kept because they are younger than the grace period (a writer may be about to name them). */
  keptYoung: number;
}

/**
 * Removes blobs that no image row names: what a writer killed between storing a blob and
 * committing its rows leaves behind. Safe while writers run: it holds the blob lock exclusively
 * (writers hold it shared from a blob's put to the commit of the rows naming it, so no commit
 * happens while it decides), and keeps blobs younger than `graceMs` (blobs a writer put before
 * the sweep began, read ahead of their records). The blob store is the database's: every
 * dataset's rows count. A store whose blobs are shared with another database must not be swept.
 */
export async function sweepBlobs(store: DatasetStore, options: SweepOptions = {}): Promise<SweepSummary> {
  const graceMs = options.graceMs ?? 60 * 60 * 1000;
  const client = await store.pool.connect();
  // Pooled again only when it holds no lock and no lock_timeout: otherwise it is closed (a lock it
  // kept would make writers wait forever).
  let clean = false;
  try {
    if (options.lockTimeoutMs !== undefined) await client.query(`SET lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`);
    await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_NAMESPACE, LOCK_BLOBS]);
    try {
      const { rows } = await client.query<{ sha256: string }>("SELECT DISTINCT sha256 FROM images");
      const referenced = new Set(rows.map((r) => r.sha256));
      const cutoff = Date.now() - graceMs;
      const summary: SweepSummary = { blobs: 0, referenced: 0, removed: [], bytesRemoved: 0, keptYoung: 0 };
      const doomed: { key: string; size: number }[] = [];
      for await (const blob of store.blobs.list()) {
        summary.blobs++;
        if (referenced.has(blob.key)) summary.referenced++;
        else if (blob.modified.getTime() >= cutoff) summary.keptYoung++;
        else doomed.push(blob);
      }
      for (const blob of doomed) {
        if (!options.dryRun) await store.blobs.delete(blob.key);
        summary.removed.push(blob.key);
        summary.bytesRemoved += blob.size;
      }
      return summary;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_NAMESPACE, LOCK_BLOBS]);
      if (options.lockTimeoutMs !== undefined) await client.query("RESET lock_timeout");
      clean = true;
    }
  } finally {
    client.release(!clean);
  }
}
