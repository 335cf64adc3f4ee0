// One writer process for the concurrency and crash tests: ingests shards into a store dataset
// through the built package, and prints each shard's summary as a JSON line.
//
//   node ingest-child.mjs <store-url> <blob-dir> <shard-dir>...
//
// BATCH sets the batch size; PROGRESS=1 prints "progress <n>" as records are handed over. STALL_AT=<n> makes the n-th batch's transaction stop after its
// images and records are inserted and before its boxes are (it prints "stalled" and waits), so
// that the test can SIGKILL the process in the middle of a transaction.
import { ingestDataset, openStore } from "../dist/index.js";

const [url, blobs, ...shards] = process.argv.slice(2);
const batchSize = Number(process.env.BATCH ?? 64);
const stallAt = Number(process.env.STALL_AT ?? 0);
const store = await openStore({ url, blobs });

if (stallAt > 0) {
  const connect = store.pool.connect.bind(store.pool);
  // Only the promise form (the batch connection); pool.query passes a callback and is left alone.
  store.pool.connect = (...args) => (args.length > 0 ? connect(...args) : connect().then(stallable));
  const stallable = (client) => {
    const query = client.query.bind(client);
    let begins = 0;
    client.query = (...q) => {
      const sql = typeof q[0] === "string" ? q[0] : q[0]?.text;
      if (sql === "BEGIN") begins++;
      if (begins >= stallAt && typeof sql === "string" && sql.startsWith("INSERT INTO annotations")) {
        process.stdout.write("stalled\n");
        setInterval(() => {}, 1000);
        return new Promise(() => {});
      }
      return query(...q);
    };
    return client;
  };
}

for (const shard of shards) {
  const summary = await ingestDataset(store, shard, {
    batchSize,
    ...(process.env.PROGRESS ? { onProgress: (n) => process.stdout.write(`progress ${n}\n`) } : {}),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
await store.close();
