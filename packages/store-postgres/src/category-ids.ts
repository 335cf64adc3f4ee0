import type { Category } from "@qontinui/export-core";
import type pg from "pg";

/**
 * A dataset's category name → id, stable and dense from 0 (metadata.json's category_map), shared
 * by every writer: the first to name a category gives it the next id. Each new name is one
 * autocommitted `INSERT … SELECT max(id) + 1 … ON CONFLICT DO NOTHING` then a `SELECT` by name;
 * when another writer took that id for another name at the same moment, the insert does nothing
 * and is tried again with the next id. Ids are never given inside a batch's transaction: a
 * rolled-back batch would otherwise hand the same id out twice.
 */
export class CategoryIds {
  private readonly byName = new Map<string, number>();
  private readonly pending = new Map<string, Promise<number>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly datasetId: number,
  ) {}

  /** The known id of a name, without asking the database. */
  cached(name: string): number | undefined {
    return this.byName.get(name);
  }

  async idFor(name: string): Promise<number> {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    let p = this.pending.get(name);
    if (!p) {
      p = this.assign(name).finally(() => this.pending.delete(name));
      this.pending.set(name, p);
    }
    return p;
  }

  /** Ids for many names at once (one round trip when all are known already). */
  async idsFor(names: Iterable<string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing = [...new Set(names)].filter((n) => !this.byName.has(n));
    if (missing.length > 0) {
      const { rows } = await this.pool.query<{ id: number; name: string }>("SELECT id, name FROM categories WHERE dataset_id = $1 AND name = ANY($2::text[])", [this.datasetId, missing]);
      for (const r of rows) this.byName.set(r.name, r.id);
    }
    for (const n of new Set(names)) out.set(n, this.byName.get(n) ?? (await this.idFor(n)));
    return out;
  }

  private async assign(name: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.pool.query<{ id: number }>(
        `WITH inserted AS (
           INSERT INTO categories (dataset_id, id, name)
           SELECT $1, coalesce(max(id) + 1, 0), $2 FROM categories WHERE dataset_id = $1
           ON CONFLICT DO NOTHING
           RETURNING id)
         SELECT id FROM inserted
         UNION ALL
         SELECT id FROM categories WHERE dataset_id = $1 AND name = $2`,
        [this.datasetId, name],
      );
      const id = rows[0]?.id;
      if (id !== undefined) {
        this.byName.set(name, id);
        return id;
      }
      // Another writer took the id for another name in the same instant: try the next one.
      if (attempt > 1000) throw new Error(`category ${JSON.stringify(name)}: no id after ${attempt} attempts`);
    }
  }

  /** Every category of the dataset, by id. */
  async list(client: pg.ClientBase | pg.Pool = this.pool): Promise<Category[]> {
    const { rows } = await client.query<{ id: number; name: string }>("SELECT id, name FROM categories WHERE dataset_id = $1 ORDER BY id", [this.datasetId]);
    for (const r of rows) this.byName.set(r.name, r.id);
    return rows.map((r) => ({ id: r.id, name: r.name }));
  }
}
