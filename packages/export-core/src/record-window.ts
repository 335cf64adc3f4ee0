/**
 * The records in flight in a pipeline: started in source order, finished in
 * the same order. Its room is counted in distinct screenshots, not records:
 * the records of one screen (often several in a row) share one slot, because
 * the screenshot is where the reading, hashing, storing and memory are. So
 * `slots` screenshots are worked on at once however many actions each had,
 * and at most `maxRecords` records wait in the window.
 */
export class RecordWindow<T> {
  private readonly queue: { result: Promise<T>; screenshot: string | undefined }[] = [];
  /** Records in the window per screenshot reference. */
  private readonly perScreenshot = new Map<string, number>();

  constructor(
    private readonly slots: number,
    private readonly maxRecords: number,
  ) {
    if (!(slots >= 1) || !(maxRecords >= 1)) throw new RangeError(`RecordWindow needs at least one slot and one record, got ${slots} and ${maxRecords}`);
  }

  get size(): number {
    return this.queue.length;
  }

  /** Whether a record with this screenshot (undefined: none to read) can start without going over either bound. */
  hasRoom(screenshot: string | undefined): boolean {
    if (this.queue.length >= this.maxRecords) return false;
    return screenshot === undefined || this.perScreenshot.has(screenshot) || this.perScreenshot.size < this.slots;
  }

  /** Adds a started record. Its rejection is held until `shift` hands it over (never reported as unhandled). */
  push(screenshot: string | undefined, result: Promise<T>): void {
    result.catch(() => {});
    this.queue.push({ result, screenshot });
    if (screenshot !== undefined) this.perScreenshot.set(screenshot, (this.perScreenshot.get(screenshot) ?? 0) + 1);
  }

  /** Waits for every record in the window to settle and empties it, without handing any result over. */
  async discardAll(): Promise<void> {
    const queued = this.queue.splice(0);
    this.perScreenshot.clear();
    await Promise.allSettled(queued.map((q) => q.result));
  }

  /** The oldest record's result, once it has settled; its screenshot's slot is freed with its last record. */
  async shift(): Promise<T> {
    const head = this.queue.shift();
    if (!head) throw new RangeError("RecordWindow.shift on an empty window");
    try {
      return await head.result;
    } finally {
      const ref = head.screenshot;
      const held = ref === undefined ? undefined : this.perScreenshot.get(ref);
      if (held !== undefined) {
        if (held <= 1) this.perScreenshot.delete(ref!);
        else this.perScreenshot.set(ref!, held - 1);
      }
    }
  }
}
