import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SourceItem } from "@qontinui/export-core";
import sharp from "sharp";

/** A scratch directory under the OS temp dir, removed by `cleanup`. Its path is already real (macOS /tmp is a symlink). */
export async function scratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), "source-runner-")));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes files (string or bytes) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

export function png(width: number, height: number, background = "#3366cc"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}

export const jsonl = (records: unknown[]) => records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";

export async function collect(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A compact view of what a source yielded: `line:action_id` for records, `line:!reason` for problems. */
export function summary(items: SourceItem[]): string[] {
  return items.map((i) => ("problem" in i ? `${i.problem.line ?? "-"}:!${i.problem.reason}` : `${i.line ?? "-"}:${i.record.action_id}`));
}
