import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

const FLUSH_AT = 1 << 20;

/**
 * Writes a JSON array's elements to a file as they come, buffered in ~1 MB
 * writes and respecting back-pressure, so a 300k-element array never sits in
 * memory whole.
 */
export class JsonArraySink {
  private readonly stream: WriteStream;
  private buffer = "";
  private count = 0;
  private error: Error | undefined;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: "wx" });
    this.stream.on("error", (e) => {
      this.error = e;
    });
  }

  private check(): void {
    if (this.error) throw this.error;
  }

  get length(): number {
    return this.count;
  }

  /** Raw text, for the parts of the document around the arrays. */
  async raw(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  async push(value: unknown): Promise<void> {
    this.buffer += (this.count++ === 0 ? "\n" : ",\n") + JSON.stringify(value);
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.buffer === "") return;
    const chunk = this.buffer;
    this.buffer = "";
    if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  /** Appends another file's bytes (streamed). */
  async append(readable: NodeJS.ReadableStream): Promise<void> {
    await this.flush();
    for await (const chunk of readable) {
      if (!this.stream.write(chunk as Buffer)) await once(this.stream, "drain");
    }
  }

  async end(): Promise<void> {
    await this.flush();
    this.check();
    this.stream.end();
    await once(this.stream, "finish");
    this.check();
  }

  destroy(): void {
    this.stream.destroy();
  }
}
