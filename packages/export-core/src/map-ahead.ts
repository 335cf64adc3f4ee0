/**
 * Yields `fn(item)` for each item in order, with up to `ahead` calls in
 * flight: sequential consumers (converters writing one image at a time) stop
 * waiting for the disk, and memory holds at most `ahead` results.
 */
export async function* mapAhead<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, ahead = 16): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  const start = (i: number) => {
    const p = fn(items[i]!);
    p.catch(() => {}); // awaited below; this only keeps a failure ahead of the consumer from being reported as unhandled
    queue.push(p);
  };
  for (let i = 0; i < Math.min(ahead, items.length); i++) start(i);
  for (let i = 0; i < items.length; i++) {
    const next = queue.shift()!;
    if (i + ahead < items.length) start(i + ahead);
    yield await next;
  }
}
