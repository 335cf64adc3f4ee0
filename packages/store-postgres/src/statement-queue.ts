import type pg from "pg";

/** What running statements needs of a connection (a client, a pool, or a queued client). */
export type Queryable = Pick<pg.ClientBase, "query">;

/**
 * The statements of one connection, one at a time. A connection shared by concurrent work (blob
 * puts beside a commit's transaction, a reader's pages fetched ahead while images are asked for)
 * must not be sent a query while one is running: pg queues such overlapping queries itself, with a
 * deprecation warning ("client.query() when the client is already executing a query"), and pg 9
 * will refuse them. `run` queues a whole unit (a transaction runs whole before the next statement);
 * `queryable` gives the connection's `query`, each statement queued.
 */
export class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }

  queryable(client: pg.ClientBase): Queryable {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    return { query: ((...args: unknown[]) => this.run(() => query(...args))) as Queryable["query"] };
  }
}
