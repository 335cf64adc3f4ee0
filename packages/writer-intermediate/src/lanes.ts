/**
 * Runs at most `count` tasks at once; the others wait their turn in order.
 * The writer creates files through lanes: the kernel creates files in one
 * directory one at a time anyway (under the directory's lock), and more
 * creators only spin on that lock, burning the CPU the export needs.
 */
export class Lanes {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Lanes needs a positive whole count, got ${count}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.busy >= this.count) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    try {
      return await task();
    } finally {
      // Hand the lane straight to the next waiter (busy stays counted), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
