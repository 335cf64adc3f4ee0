import { promises as fs } from "node:fs";
import path from "node:path";
import { type ConvertInput, DatasetError, writeFileAtomic } from "@qontinui/export-core";
import { prepareOutDir } from "./output-dir.js";
import { placeImage } from "@qontinui/export-core";
import type { VocOptions, VocSummary } from "./voc-options.js";
import { IMAGES_FOLDER, vocAnnotationXml } from "./voc-xml.js";

/** The split every image goes to when there is no split. */
export const NO_SPLIT_NAME = "train";

function stemOf(fileName: string): string {
  return path.parse(fileName).name;
}

/** One name a line, the trailing newline included (empty file for no names). */
function lines(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join("");
}

/**
 * Writes a Pascal VOC detection layout:
 *
 *   Annotations/<stem>.xml      one per image
 *   JPEGImages/<fileName>       the images as they are (PNG stays PNG)
 *   ImageSets/Main/<split>.txt  image stems, one a line (train.txt only, with every image, without a split;
 *                               trainval.txt as well when the split has train and val)
 *   labels.txt                  category names in registry order
 *
 * Refuses a non-empty directory that is not a previous VOC output unless
 * `force`; a previous output's Annotations/, JPEGImages/ and ImageSets/ are
 * replaced, other files are kept.
 */
export async function convertVoc(input: ConvertInput, options: VocOptions): Promise<VocSummary> {
  const outDir = path.resolve(options.outDir);
  const mode = options.imageMode ?? "copy";
  await prepareOutDir(outDir, { force: options.force, clean: true });
  const annotationsDir = path.join(outDir, "Annotations");
  const imagesDir = path.join(outDir, IMAGES_FOLDER);
  const setsDir = path.join(outDir, "ImageSets", "Main");
  for (const d of [annotationsDir, imagesDir, setsDir]) await fs.mkdir(d, { recursive: true });

  const splitNames = input.splitNames.length > 0 ? input.splitNames : [NO_SPLIT_NAME];
  const members = new Map<string, string[]>(splitNames.map((n) => [n, []]));
  const stems = new Map<string, string>(); // stem → image id
  const summary: VocSummary = {
    outDir,
    images: 0,
    boxes: 0,
    boxesDropped: 0,
    invalidCharsStripped: 0,
    imagesLinked: 0,
    splits: {},
  };

  let done = 0;
  for await (const image of input.images()) {
    const fileName = path.basename(image.fileName);
    const stem = stemOf(fileName);
    const owner = stems.get(stem);
    if (owner === image.id) continue; // each image once
    if (owner !== undefined) {
      throw new DatasetError(`images ${owner} and ${image.id} would both be written as ${stem} in the VOC output; image file names must differ in their stem`);
    }
    stems.set(stem, image.id);

    const xml = vocAnnotationXml(image, fileName);
    await writeFileAtomic(path.join(annotationsDir, `${stem}.xml`), xml.xml);
    if ((await placeImage(image.path, path.join(imagesDir, fileName), mode)) === "linked") summary.imagesLinked++;

    const split = input.splitNames.length > 0 ? input.splitOf(image.id) : NO_SPLIT_NAME;
    if (split !== undefined) {
      if (!members.has(split)) members.set(split, []);
      members.get(split)!.push(stem);
    }
    summary.images++;
    summary.boxes += xml.boxes;
    summary.boxesDropped += xml.dropped;
    summary.invalidCharsStripped += xml.stripped;
    options.onProgress?.(++done, input.imageCount);
  }

  for (const [name, list] of members) {
    list.sort();
    summary.splits[name] = list.length;
    await writeFileAtomic(path.join(setsDir, `${name}.txt`), lines(list));
  }
  if (input.splitNames.includes("train") && input.splitNames.includes("val") && !members.has("trainval")) {
    const trainval = [...members.get("train")!, ...members.get("val")!].sort();
    await writeFileAtomic(path.join(setsDir, "trainval.txt"), lines(trainval));
  }
  const labels = input.categories.map((c) => c.name.replace(/[\r\n]+/g, " "));
  await writeFileAtomic(path.join(outDir, "labels.txt"), lines(labels));
  return summary;
}
