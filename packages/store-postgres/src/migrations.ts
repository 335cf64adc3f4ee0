import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DatasetError } from "@qontinui/export-core";
import type pg from "pg";
import { LOCK_MIGRATIONS, LOCK_NAMESPACE } from "./locks.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `migrations/` of this package: beside `src/` (tests) and `dist/` (the build; tsup shims import.meta.url in CJS). */
function migrationsDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "migrations");
}

/** The package's migrations, `NNN_name.sql`, in version order. */
export async function loadMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const names = (await fs.readdir(dir)).filter((n) => /^\d{3}_[a-z0-9_]+\.sql$/.test(n)).sort();
  const out: Migration[] = [];
  for (const name of names) out.push({ version: Number(name.slice(0, 3)), name: name.replace(/\.sql$/, ""), sql: await fs.readFile(path.join(dir, name), "utf8") });
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: ${m.name} should be number ${i + 1} (versions are 1, 2, 3… without gaps)`);
  });
  return out;
}

/**
 * Brings the database's schema to this package's version: each missing migration in a
 * transaction of its own, recorded in `schema_migrations`, all under an advisory lock so that
 * processes opening a new database at once do not race. A database migrated by a newer version
 * of the package is refused (its tables may mean something this version does not know).
 * Returns the versions applied now.
 */
export async function applyMigrations(client: pg.ClientBase, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  const latest = all.at(-1)?.version ?? 0;
  await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_NAMESPACE, LOCK_MIGRATIONS]);
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    const applied = new Set(rows.map((r) => r.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > latest) {
      throw new DatasetError(
        `the database's store schema is version ${newest}, newer than this @qontinui/store-postgres knows (${latest}): upgrade the package on this machine`,
      );
    }
    const done: number[] = [];
    for (const m of all) {
      if (applied.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw new DatasetError(`store schema migration ${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_NAMESPACE, LOCK_MIGRATIONS]).catch(() => {});
  }
}
