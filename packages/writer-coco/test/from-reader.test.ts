import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError } from "@qontinui/export-core";
import { type DatasetReader, openDataset } from "@qontinui/intermediate-format";
import { describe, expect, it } from "vitest";
import { toCoco } from "../src/index.js";
import { idOf, intermediateDataset, readCoco, tempDir } from "./helpers.js";

/**
 * A dataset that is not a directory, as a store's reader is: every member
 * delegated to a directory reader, except that there is no images directory
 * and `image(id).path` is a copy elsewhere (as a blob store's file would be).
 */
async function storeLikeReader(dir: string): Promise<DatasetReader> {
  const inner = await openDataset(dir);
  const blobs = await tempDir();
  const reader: DatasetReader = {
    location: "postgres://test/store",
    metadata: inner.metadata,
    categories: () => inner.categories(),
    manifest: (p) => inner.manifest(p),
    imageIds: (p) => inner.imageIds(p),
    readAnnotationFile: (id) => inner.readAnnotationFile(id),
    async image(id, p) {
      const image = await inner.image(id, p);
      const blob = path.join(blobs, `${id}-blob`);
      await fs.copyFile(image.path, blob);
      return { ...image, path: blob };
    },
    async *images() {
      for (const id of await inner.imageIds()) yield await reader.image(id);
    },
    writerActive: async () => false,
    close: async () => {},
  };
  return reader;
}

describe("toCoco from a reader that is not a directory (a store)", () => {
  it("copies the images beside the JSON, where file_name points, and names the store in errors", async () => {
    const { dir, images } = await intermediateDataset(5);
    const reader = await storeLikeReader(dir);
    await expect(toCoco(reader)).rejects.toThrow(ConfigError);
    await expect(toCoco(reader)).rejects.toThrow(/postgres:\/\/test\/store/);

    const out = path.join(await tempDir(), "coco", "dataset.json");
    const summary = await toCoco(reader, { out });
    expect(summary.imagesDir).toBe(path.join(path.dirname(out), "images"));
    const coco = await readCoco(out);
    expect(coco.images).toHaveLength(5);
    for (const img of coco.images) {
      const bytes = await fs.readFile(path.join(summary.imagesDir, img.file_name));
      expect(images.map(idOf)).toContain(idOf(bytes));
      expect(img.file_name.startsWith(idOf(bytes))).toBe(true);
    }
    // The same boxes as from the directory.
    const fromDir = await readCoco((await toCoco(dir, { out: path.join(await tempDir(), "d.json") })).files[0]!.file);
    expect(coco.annotations.map((a) => a.bbox)).toEqual(fromDir.annotations.map((a) => a.bbox));
  });
});
