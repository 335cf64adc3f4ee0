import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { validateDataset } from "@qontinui/intermediate-format";
import { expect } from "vitest";
import { listFiles } from "./fixtures.js";

/**
 * What the hostile-dataset and crash tests compare: a dataset's files as a user sees them. The
 * bookkeeping in .qontinui/ is left out, and metadata.json's fields that describe the last session
 * (`created`, `export_time_seconds`, `skipped_records`), which differ between two clean exports too.
 */
export async function datasetContents(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    if (f.startsWith(".qontinui/")) continue;
    const bytes = await fs.readFile(path.join(dir, f));
    if (f === "metadata.json") {
      const meta = JSON.parse(bytes.toString("utf8"));
      meta.created = "";
      meta.statistics.export_time_seconds = 0;
      meta.statistics.skipped_records = 0;
      files.set(f, JSON.stringify(meta, null, 2));
    } else {
      // Images by content hash: a diff of megabytes of PNG helps no one.
      files.set(f, f.startsWith("images/") ? `${bytes.length} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex")}` : bytes.toString("utf8"));
    }
  }
  return files;
}

/**
 * The dataset in `dir` equals the clean export in `clean`: the same files with the same bytes (the
 * same manifest lines in the same order, the same images, the same boxes in each annotation file,
 * metadata.json's totals and category map), it validates, and no journal, temp file or lock is left.
 */
export async function expectSameDataset(dir: string, clean: string, label = dir): Promise<void> {
  const [got, want] = [await datasetContents(dir), await datasetContents(clean)];
  expect([...got.keys()], `${label}: files`).toEqual([...want.keys()]);
  for (const [f, text] of want) expect(got.get(f), `${label}: ${f}`).toBe(text);
  const state = (await listFiles(dir)).filter((f) => f.startsWith(".qontinui/"));
  expect(state.sort(), `${label}: bookkeeping left`).toEqual([".qontinui/closed.json", ".qontinui/records.idx"]);
  const report = await validateDataset(dir);
  expect(report.problems, `${label}: validate`).toEqual([]);
}

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, Linux), and why not. */
export function tmpfsMountable(probeDir: string): { ok: true } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: `mount needs Linux (this is ${process.platform})` };
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probeDir], { stdio: "pipe" });
    execFileSync("umount", [probeDir], { stdio: "pipe" });
    return { ok: true };
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return { ok: false, why: `mount -t tmpfs is not permitted here (${(err.stderr?.toString() || err.message).trim()})` };
  }
}

export function mountTmpfs(dir: string, bytes: number, extra = ""): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}${extra ? `,${extra}` : ""}`, "tmpfs", dir], { stdio: "pipe" });
}

export function remount(dir: string, options: string): void {
  execFileSync("mount", ["-o", `remount,${options}`, dir], { stdio: "pipe" });
}

export function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "pipe" });
  } catch {
    /* not mounted */
  }
}
