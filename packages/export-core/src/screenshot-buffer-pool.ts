import { grainBytes, MEMORY_GRAIN, MemoryFreeList } from "./memory-free-list.js";

/**
 * Memory for screenshot bytes, reused from one screenshot to the next, so a
 * long export does not allocate and free a buffer per screenshot (which
 * fragments the C heap: resident memory crept up with run length). `take`
 * hands out a view of pooled memory; `give` moves the memory back into the
 * pool and leaves the view detached (it reads as empty), so code that kept a
 * screenshot past its use sees nothing rather than another screenshot.
 */
export class ScreenshotBufferPool {
  private readonly free: MemoryFreeList<ArrayBuffer>;

  /** Keeps at most `maxFree` buffers and `maxFreeBytes` bytes for reuse. */
  constructor(maxFree = 16, maxFreeBytes = 64 * 1024 * 1024) {
    this.free = new MemoryFreeList(maxFree, maxFreeBytes);
  }

  /** A buffer of exactly `size` bytes (contents undefined): pooled memory that fits best, else new. */
  take(size: number): Buffer {
    return Buffer.from(this.free.take(size) ?? Buffer.allocUnsafeSlow(grainBytes(size)).buffer, 0, size);
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
    const whole = bytes.byteOffset === 0 && (memory.byteLength === bytes.byteLength || memory.byteLength >= MEMORY_GRAIN);
    if (!(memory instanceof ArrayBuffer) || !whole || memory.byteLength === 0) return false;
    // Moving the memory to a new ArrayBuffer detaches every view of the old one.
    this.free.give(structuredClone(memory, { transfer: [memory] }));
    return true;
  }
}
