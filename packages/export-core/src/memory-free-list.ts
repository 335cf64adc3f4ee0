/** Memory is allocated in whole grains of 64 KiB, so that a pooled buffer fits the next screenshots of about its size. */
export const MEMORY_GRAIN = 64 * 1024;

/** `size` rounded up to whole grains (at least one). */
export function grainBytes(size: number): number {
  return Math.max(MEMORY_GRAIN, Math.ceil(size / MEMORY_GRAIN) * MEMORY_GRAIN);
}

/**
 * Freed buffers (ArrayBuffers or SharedArrayBuffers) kept to be reused: `take` hands out the
 * smallest that fits, `give` keeps one and, past `maxFree` buffers or `maxFreeBytes` bytes, lets
 * the smallest go (large screenshots are the ones worth not allocating again).
 */
export class MemoryFreeList<T extends { readonly byteLength: number }> {
  private readonly free: T[] = [];
  private freeBytes = 0;

  constructor(
    private readonly maxFree: number,
    private readonly maxFreeBytes: number,
  ) {}

  /** The smallest kept buffer of at least `size` bytes, no longer kept; undefined when none fits. */
  take(size: number): T | undefined {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const capacity = this.free[i]!.byteLength;
      if (capacity >= size && (best < 0 || capacity < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return undefined;
    const memory = this.free.splice(best, 1)[0]!;
    this.freeBytes -= memory.byteLength;
    return memory;
  }

  give(memory: T): void {
    this.free.push(memory);
    this.freeBytes += memory.byteLength;
    while (this.free.length > this.maxFree || this.freeBytes > this.maxFreeBytes) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
      this.freeBytes -= this.free[smallest]!.byteLength;
      this.free.splice(smallest, 1);
    }
  }
}
