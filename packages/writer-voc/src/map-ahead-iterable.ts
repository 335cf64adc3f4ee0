/**
 * export-core's `mapAhead` over a stream instead of an array: yields
 * `fn(item)` for each item in the source's order, with up to `ahead` calls in
 * flight and no more than `ahead` items pulled ahead of the consumer, so
 * memory does not grow with the source. When the consumer stops (or a call
 * fails), the calls still in flight are waited for before the generator
 * finishes: nothing keeps writing after the caller has moved on.
 */
export async function* mapAheadIterable<T, R>(items: AsyncIterable<T>, fn: (item: T) => Promise<R>, ahead: number): AsyncGenerator<R> {
  const source = items[Symbol.asyncIterator]();
  const queue: Promise<R>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < Math.max(1, ahead)) {
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const p = fn(next.value);
        p.catch(() => {}); // awaited in order below; this only keeps a failure ahead of the consumer from being reported as unhandled
        queue.push(p);
      }
      const head = queue.shift();
      if (!head) return;
      yield await head;
    }
  } finally {
    await Promise.allSettled(queue);
    if (!exhausted) await source.return?.();
  }
}
