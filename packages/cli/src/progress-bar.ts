/** A one-line progress bar on a terminal; silent elsewhere (pipes, CI logs, --quiet). */
export class ProgressBar {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number },
    private readonly enabled: boolean,
    private readonly label: string,
  ) {}

  update(done: number, total: number | undefined, extra = ""): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && (total === undefined || done < total)) return;
    this.last = now;
    const width = Math.max(10, Math.min(30, ((this.stream as NodeJS.WriteStream).columns ?? 80) - 60));
    const frac = total ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = total ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? `${(done / secs).toFixed(0)}/s` : "";
    const count = total ? `${done}/${total}` : `${done}`;
    this.stream.write(`\r\x1b[2K${this.label} ${bar}${count} ${rate}${extra ? `  ${extra}` : ""}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write("\r\x1b[2K");
    this.shown = false;
  }
}
