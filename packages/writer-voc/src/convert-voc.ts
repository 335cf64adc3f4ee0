import { promises as fs } from "node:fs";
import path from "node:path";
import { ConfigError, type ConvertInput, type DatasetImage, DatasetError, placeImage, writeFileAtomic } from "@qontinui/export-core";
import { DEFAULT_JPEG_QUALITY, type JpegOutcome, writeJpeg } from "./jpeg-image.js";
import { mapAheadIterable } from "./map-ahead-iterable.js";
import { prepareOutDir } from "./output-dir.js";
import type { VocOptions, VocSummary } from "./voc-options.js";
import { IMAGES_FOLDER, vocAnnotationXml } from "./voc-xml.js";

/** The split every image goes to when there is no split. */
export const NO_SPLIT_NAME = "train";

/** Images transcoded at once by default: libvips runs one thread per image here (glibc without jemalloc), so two keep two cores busy. */
const DEFAULT_CONCURRENCY = 2;

function stemOf(fileName: string): string {
  return path.parse(fileName).name;
}

/** One name a line, the trailing newline included (empty file for no names). */
function lines(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join("");
}

/** Why torchvision will not load a `keepOriginal` output, or undefined when every file is `<stem>.jpg` anyway. */
function keepOriginalWarning(notJpg: number, images: number, example: string | undefined): string | undefined {
  if (notJpg === 0) return undefined;
  return (
    `keepOriginal: ${notJpg} of ${images} images in ${IMAGES_FOLDER}/ keep their own format and extension (e.g. ${example}); ` +
    `torchvision's VOCDetection opens ${IMAGES_FOLDER}/<id>.jpg and will not load them. Convert again without keepOriginal (the --keep-original flag) to get JPEG files`
  );
}

/**
 * Writes a Pascal VOC detection layout:
 *
 *   Annotations/<stem>.xml      one per image
 *   JPEGImages/<stem>.jpg       JPEG files: JPEG inputs byte for byte, other images transcoded
 *                               (`keepOriginal`: <fileName>, the images as they are)
 *   ImageSets/Main/<set>.txt    image stems, one a line, sorted: train, val, trainval always
 *                               (without a split every image is in train and trainval, val is empty),
 *                               and every other split part (test)
 *   labels.txt                  category names in registry order
 *
 * Refuses a non-empty directory that is not a previous VOC output unless
 * `force`; a previous output's Annotations/, JPEGImages/ and ImageSets/ are
 * replaced, other files are kept. Up to `concurrency` images are transcoded at
 * once; files, summary and progress come out in the input's order.
 */
export async function convertVoc(input: ConvertInput, options: VocOptions): Promise<VocSummary> {
  const outDir = path.resolve(options.outDir);
  const mode = options.imageMode ?? "copy";
  const keepOriginal = options.keepOriginal === true;
  const quality = options.quality ?? DEFAULT_JPEG_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new ConfigError(`voc: quality must be an integer from 1 to 100, not ${quality}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`voc: concurrency must be a positive integer, not ${concurrency}`);
  await prepareOutDir(outDir, { force: options.force, clean: true });
  const annotationsDir = path.join(outDir, "Annotations");
  const imagesDir = path.join(outDir, IMAGES_FOLDER);
  const setsDir = path.join(outDir, "ImageSets", "Main");
  for (const d of [annotationsDir, imagesDir, setsDir]) await fs.mkdir(d, { recursive: true });

  const splitNames = input.splitNames.length > 0 ? input.splitNames : [NO_SPLIT_NAME];
  const members = new Map<string, string[]>(splitNames.map((n) => [n, []]));
  const summary: VocSummary = {
    outDir,
    images: 0,
    boxes: 0,
    boxesDropped: 0,
    invalidCharsStripped: 0,
    imageFiles: keepOriginal ? "original" : "jpeg",
    ...(keepOriginal ? {} : { quality }),
    imagesTranscoded: 0,
    imagesPlaced: 0,
    imagesLinked: 0,
    imagesSkipped: 0,
    splits: {},
    duplicatesMerged: 0,
  };

  // Each image once; two images whose files share a stem cannot both be written.
  const stems = new Map<string, string>(); // stem → image id
  async function* distinct(): AsyncGenerator<DatasetImage> {
    for await (const image of input.images()) {
      const stem = stemOf(path.basename(image.fileName));
      const owner = stems.get(stem);
      if (owner === image.id) continue;
      if (owner !== undefined) {
        throw new DatasetError(`images ${owner} and ${image.id} would both be written as ${stem} in the VOC output; image file names must differ in their stem`);
      }
      stems.set(stem, image.id);
      yield image;
    }
  }

  const place = async (image: DatasetImage): Promise<{ image: DatasetImage; fileName: string; outcome: JpegOutcome }> => {
    if (keepOriginal) {
      const fileName = path.basename(image.fileName);
      return { image, fileName, outcome: { kind: await placeImage(image.path, path.join(imagesDir, fileName), mode) } };
    }
    const fileName = `${stemOf(path.basename(image.fileName))}.jpg`;
    return { image, fileName, outcome: await writeJpeg(image.path, path.join(imagesDir, fileName), { quality, mode }) };
  };

  let done = 0;
  let notJpg = 0;
  let notJpgExample: string | undefined;
  for await (const { image, fileName, outcome } of mapAheadIterable(distinct(), place, concurrency)) {
    options.onProgress?.(++done, input.imageCount);
    if (outcome.kind === "skipped") {
      summary.imagesSkipped++;
      options.logger?.warn(`voc: image ${image.id} (${image.path}) left out: it could not be transcoded to JPEG (${outcome.reason})`);
      continue;
    }
    if (outcome.kind === "transcoded") summary.imagesTranscoded++;
    else summary.imagesPlaced++;
    if (outcome.kind === "linked") summary.imagesLinked++;
    if (path.extname(fileName) !== ".jpg") {
      notJpg++;
      notJpgExample ??= fileName;
    }

    // The image is in place before the XML that names it.
    const xml = vocAnnotationXml(image, fileName, outcome.kind === "transcoded" ? 3 : undefined);
    const stem = stemOf(fileName);
    await writeFileAtomic(path.join(annotationsDir, `${stem}.xml`), xml.xml);

    const split = input.splitNames.length > 0 ? input.splitOf(image.id) : NO_SPLIT_NAME;
    if (split !== undefined) {
      if (!members.has(split)) members.set(split, []);
      members.get(split)!.push(stem);
    }
    summary.images++;
    summary.boxes += xml.boxes;
    summary.boxesDropped += xml.dropped;
    summary.invalidCharsStripped += xml.stripped;
  }

  // VOC loaders ask for train, val and trainval by name: those three always exist, trainval = train ∪ val.
  const sets = new Map(members);
  for (const name of ["train", "val"]) if (!sets.has(name)) sets.set(name, []);
  if (!sets.has("trainval")) sets.set("trainval", [...sets.get("train")!, ...sets.get("val")!]);
  for (const [name, list] of members) summary.splits[name] = list.length;
  for (const [name, list] of sets) await writeFileAtomic(path.join(setsDir, `${name}.txt`), lines([...list].sort()));
  const labels = input.categories.map((c) => c.name.replace(/[\r\n]+/g, " "));
  await writeFileAtomic(path.join(outDir, "labels.txt"), lines(labels));

  const warning = keepOriginal ? keepOriginalWarning(notJpg, summary.images, notJpgExample) : undefined;
  if (warning) {
    summary.warning = warning;
    options.logger?.warn(warning);
  }
  summary.duplicatesMerged = input.duplicates?.merged ?? 0;
  return summary;
}
