import { LOCK_BLOBS, LOCK_NAMESPACE } from "./locks.js";

/**
 * A writer's side of the blob lock (see locks.ts): the shared lock is taken before a blob is
 * put and held until the rows naming the blobs put so far are committed; then it is let go, so a
 * sweep (which takes the lock exclusively) can run between two batches. Blobs put during an
 * earlier hold (read ahead of their records) are protected by the sweep's grace period and are
 * checked again (`has`) under the lock before the rows naming them are committed.
 */
export class BlobGuard {
  private held = false;
  private acquiring: Promise<void> | undefined;
  /** Increases each time the lock is taken again: which hold a blob was put under. */
  epoch = 0;
  private inFlight = 0;

  /** `query` runs a statement on the batch connection, queued with its other statements (see StatementQueue). */
  constructor(private readonly query: (sql: string, params: unknown[]) => Promise<unknown>) {}

  /** Takes the shared lock unless held; returns the hold's epoch. */
  async enter(): Promise<number> {
    while (!this.held) {
      this.acquiring ??= this.query("SELECT pg_advisory_lock_shared($1, $2)", [LOCK_NAMESPACE, LOCK_BLOBS]).then(
        () => {
          this.held = true;
          this.epoch++;
          this.acquiring = undefined;
        },
        (e: unknown) => {
          this.acquiring = undefined;
          throw e;
        },
      );
      await this.acquiring;
    }
    return this.epoch;
  }

  /** Runs a blob put under the lock; returns the epoch it ran under. */
  async put<T>(fn: () => Promise<T>): Promise<{ result: T; epoch: number }> {
    const epoch = await this.enter();
    this.inFlight++;
    try {
      return { result: await fn(), epoch };
    } finally {
      this.inFlight--;
    }
  }

  /** After a commit: lets the lock go, unless a put is still running (it is then let go at the next commit). */
  async release(): Promise<void> {
    if (!this.held || this.inFlight > 0) return;
    this.held = false;
    await this.query("SELECT pg_advisory_unlock_shared($1, $2)", [LOCK_NAMESPACE, LOCK_BLOBS]);
  }

  get isHeld(): boolean {
    return this.held;
  }
}
