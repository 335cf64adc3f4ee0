import { promises as fs } from "node:fs";
import path from "node:path";
import { type ResolvedImage, resolveImage, ScreenshotError, type Source } from "@qontinui/export-core";

/** Reads images of an input dataset, refusing file names that are not plain names in images/. */
export function datasetImageSource(imagesDir: string): Source {
  return {
    name: "dataset-images",
    // eslint-disable-next-line require-yield
    async *read() {},
    async readScreenshot(fileName) {
      if (path.basename(fileName) !== fileName) throw new ScreenshotError("path_escapes_root", `${fileName}: not a file name inside images/`);
      const file = path.join(imagesDir, fileName);
      try {
        return { path: file, bytes: await fs.readFile(file) };
      } catch {
        throw new ScreenshotError("screenshot_missing", `images/${fileName} is missing`);
      }
    },
  };
}

export type DatasetImageRead = { ok: true; image: ResolvedImage } | { ok: false; problem: { reason: string; message: string } };

/**
 * An input dataset's image as merge reads it (and the store's ingest, which must give the same
 * dataset): its file through `source` (datasetImageSource), whole, hashed and checked, and named by
 * its content id, or the problem that skips its records.
 */
export async function readDatasetImage(source: Source, fileName: string, id: string): Promise<DatasetImageRead> {
  let image: ResolvedImage;
  try {
    image = await resolveImage(source, fileName);
  } catch (e) {
    if (!(e instanceof ScreenshotError)) throw e;
    return { ok: false, problem: { reason: e.reason, message: e.message } };
  }
  if (image.id !== id) return { ok: false, problem: { reason: "hash_mismatch", message: `images/${fileName} has content id ${image.id}, not ${id}` } };
  return { ok: true, image };
}
