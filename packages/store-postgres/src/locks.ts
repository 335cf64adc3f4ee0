/**
 * PostgreSQL advisory locks the store takes, as (namespace, key) pairs of the two-int form, so
 * they show in pg_locks as classid = namespace, objid = key, objsubid = 2.
 *
 * - MIGRATIONS: exclusive, while the schema is checked and migrated (concurrent first opens wait
 *   for the first one instead of racing to create tables).
 * - BLOBS: shared by a writer from the moment it puts a blob until the rows naming it are
 *   committed; exclusive by the sweep while it lists, checks and deletes blobs. So a sweep never
 *   deletes a blob that a writer has stored and is about to name.
 * - WRITER (namespace WRITER_NAMESPACE, key = dataset id): shared by every open writer of a
 *   dataset for its whole session, so readers can tell a writer is active (`writerActive()`).
 */
export const LOCK_NAMESPACE = 0x516e7478; // "Qntx"
export const LOCK_MIGRATIONS = 1;
export const LOCK_BLOBS = 2;
export const WRITER_NAMESPACE = LOCK_NAMESPACE + 1;
