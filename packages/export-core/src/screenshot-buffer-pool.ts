const GRAIN = 64 * 1024;

/**
 * Memory for screenshot bytes, reused from one screenshot to the next, so a
 * long export does not allocate and free a buffer per screenshot (which
 * fragments the C heap: resident memory crept up with run length). `take`
 * hands out a view of pooled memory; `give` moves the memory back into the
 * pool and leaves the view detached (it reads as empty), so code that kept a
 * screenshot past its use sees nothing rather than another screenshot.
 */
export class ScreenshotBufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;

  /** Keeps at most `maxFree` buffers and `maxFreeBytes` bytes for reuse. */
  constructor(
    private readonly maxFree = 16,
    private readonly maxFreeBytes = 64 * 1024 * 1024,
  ) {}

  /** A buffer of exactly `size` bytes (contents undefined): pooled memory that fits best, else new. */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const capacity = this.free[i]!.byteLength;
      if (capacity >= size && (best < 0 || capacity < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return Buffer.from(Buffer.allocUnsafeSlow(Math.max(GRAIN, Math.ceil(size / GRAIN) * GRAIN)).buffer, 0, size);
    const memory = this.free.splice(best, 1)[0]!;
    this.freeBytes -= memory.byteLength;
    return Buffer.from(memory, 0, size);
  }

  /**
   * Takes back a buffer from `take` (or any buffer that is its own whole
   * ArrayBuffer): its memory returns to the pool, or is let go when the pool
   * is full, and the buffer passed in is detached. Returns false, changing
   * nothing, for a buffer it cannot take (a slice into shared memory).
   */
  give(bytes: Buffer): boolean {
    const memory = bytes.buffer;
    // A view into memory it does not own whole (a slice, or Node's shared pool for small buffers) is not taken.
    const whole = bytes.byteOffset === 0 && (memory.byteLength === bytes.byteLength || memory.byteLength >= GRAIN);
    if (!(memory instanceof ArrayBuffer) || !whole || memory.byteLength === 0) return false;
    // Moving the memory to a new ArrayBuffer detaches every view of the old one.
    const moved = structuredClone(memory, { transfer: [memory] });
    this.free.push(moved);
    this.freeBytes += moved.byteLength;
    while (this.free.length > this.maxFree || this.freeBytes > this.maxFreeBytes) {
      // Let the smallest go: large screenshots are the ones worth not allocating again.
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
      this.freeBytes -= this.free[smallest]!.byteLength;
      this.free.splice(smallest, 1);
    }
    return true;
  }
}
