// The I/O floor of an export: what no exporter can avoid. The screenshots the run references
// are read (an exporter must hash them) and each distinct one is copied once (fs.copyFile).
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function forEachLimit(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Every record's screenshot reference, in record order (repeated when records share one). */
export async function screenshotReferences(runDir) {
  const text = await readFile(path.join(runDir, "records.jsonl"), "utf8");
  const refs = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const ref = JSON.parse(line).screenshot_reference;
      if (typeof ref === "string") refs.push(ref);
    } catch {
      /* the malformed line */
    }
  }
  return refs;
}

/** The distinct screenshot references, in order of first use. */
export async function referencedScreenshots(runDir) {
  return [...new Set(await screenshotReferences(runDir))];
}

/**
 * The floor: reads the screenshots and copies each distinct one into
 * `outDir/images` with fs.copyFile, at the pipeline's default concurrency (8).
 * `perRecord: true` reads each record's screenshot once (a screenshot shared
 * by 5 records is read 5 times, as an exporter that resolves every record
 * must); `perRecord: false` reads each distinct file once (the strict floor).
 * Missing files are skipped, as the export skips them.
 */
export async function ioFloor(runDir, outDir, { concurrency = 8, perRecord = true } = {}) {
  await rm(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const all = await screenshotReferences(runDir);
  const refs = perRecord ? all : [...new Set(all)];
  const copied = new Set();
  await mkdir(path.join(outDir, "images"), { recursive: true });
  let bytesRead = 0;
  let bytesCopied = 0;
  let files = 0;
  await forEachLimit(refs, concurrency, async (ref) => {
    const src = path.join(runDir, ref);
    let buf;
    try {
      buf = await readFile(src);
    } catch {
      return;
    }
    bytesRead += buf.length;
    if (copied.has(ref)) return;
    copied.add(ref);
    files++;
    bytesCopied += buf.length;
    await copyFile(src, path.join(outDir, "images", `${files}.png`));
  });
  return { ms: performance.now() - t0, bytesRead, bytesCopied, files };
}

/** Reads every screenshot under runDir once so that both floor and export run warm. */
export async function warmScreenshots(runDir) {
  const refs = await referencedScreenshots(runDir);
  await forEachLimit(refs, 8, (ref) => readFile(path.join(runDir, ref)).catch(() => undefined));
}
