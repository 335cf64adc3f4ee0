import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { readImageInfo, validateAgainst } from "@qontinui/export-core";
import { IntermediateDataset } from "./dataset-reader.js";
import { type AnnotationFile, datasetPaths, IMAGE_ID_PATTERN, type Metadata } from "./layout.js";

export interface ValidationProblem {
  /** Path relative to the dataset directory. */
  file: string;
  /** 1-based line, for manifest.jsonl. */
  line?: number;
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  problems: ValidationProblem[];
  /** Not errors: things worth knowing (an image file no manifest line names, a lock left behind). */
  warnings: ValidationProblem[];
  checked: { manifestLines: number; images: number; annotationFiles: number; boxes: number };
}

const EPSILON = 1e-6;

/**
 * The content id of a file and its bytes, from one read. The whole file: the
 * image check walks a PNG to IEND and a JPEG to its end-of-image marker, so a
 * prefix of the file (64 KiB, once) failed every full-size screenshot.
 */
async function hashFile(file: string): Promise<{ id: string; bytes: Buffer }> {
  const bytes = await fs.readFile(file);
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 16), bytes };
}

/**
 * Checks an intermediate dataset directory: metadata, every manifest line and
 * annotation file against their JSON Schemas; every manifest image present
 * with a content hash matching its name and the size its annotation file
 * states; every box inside its image; category ids and names consistent with
 * metadata's category_map; metadata totals equal to what is on disk. Streams
 * the manifest; memory holds image ids only.
 */
export async function validateDataset(dir: string): Promise<ValidationReport> {
  const paths = datasetPaths(dir);
  const problems: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  const checked = { manifestLines: 0, images: 0, annotationFiles: 0, boxes: 0 };
  const problem = (file: string, message: string, line?: number) => problems.push({ file, message, ...(line !== undefined ? { line } : {}) });
  const done = (): ValidationReport => ({ ok: problems.length === 0, problems, warnings, checked });

  let dataset: IntermediateDataset;
  try {
    dataset = await IntermediateDataset.open(dir);
  } catch (e) {
    problem("metadata.json", (e as Error).message);
    return done();
  }
  const metadata: Metadata = dataset.metadata;
  const schema = validateAgainst("metadata", metadata);
  if (!schema.ok) for (const m of schema.errors) problem("metadata.json", m);
  const categoryMap = metadata.category_map ?? {};
  const idToName = new Map<number, string>();
  for (const [name, id] of Object.entries(categoryMap)) {
    if (idToName.has(id)) problem("metadata.json", `category_map gives id ${id} to both "${idToName.get(id)}" and "${name}"`);
    idToName.set(id, name);
  }
  for (let i = 0; i < idToName.size; i++) if (!idToName.has(i)) problem("metadata.json", `category_map ids are not dense: no category has id ${i}`);
  if (Array.isArray(metadata.categories)) {
    for (const c of metadata.categories) {
      if (categoryMap[c.name] !== c.id) problem("metadata.json", `categories lists ${JSON.stringify(c)} but category_map gives "${c.name}" ${JSON.stringify(categoryMap[c.name])}`);
    }
    if (metadata.categories.length !== idToName.size) problem("metadata.json", `categories has ${metadata.categories.length} entries, category_map ${idToName.size}`);
  }

  const imageIds = new Set<string>();
  let totalBoxes = 0;
  const checkImage = async (id: string, imageRel: string): Promise<void> => {
    const imageFile = path.join(paths.root, imageRel);
    let read: { id: string; bytes: Buffer };
    try {
      read = await hashFile(imageFile);
    } catch {
      problem(imageRel, "named by manifest.jsonl but missing");
      return;
    }
    checked.images++;
    if (read.id !== id) problem(imageRel, `content hash is ${read.id}, not ${id}: the file was changed or misnamed`);
    const info = readImageInfo(read.bytes);
    const annRel = `annotations/${id}.json`;
    let ann: AnnotationFile | undefined;
    try {
      ann = await dataset.readAnnotationFile(id);
    } catch (e) {
      problem(annRel, (e as Error).message);
      return;
    }
    if (!ann) return; // the seed writes annotation files only for images with boxes
    checked.annotationFiles++;
    const s = validateAgainst("annotation-file", ann);
    if (!s.ok) for (const m of s.errors) problem(annRel, m);
    if (ann.image_id !== id) problem(annRel, `image_id is ${JSON.stringify(ann.image_id)}, not ${id}`);
    const width = info.ok ? info.info.width : ann.image_width;
    const height = info.ok ? info.info.height : ann.image_height;
    if (!info.ok) problem(imageRel, `cannot read the image header: ${info.message}`);
    else if (ann.image_width !== width || ann.image_height !== height) {
      problem(annRel, `states ${ann.image_width}×${ann.image_height} but the image is ${width}×${height}`);
    }
    (Array.isArray(ann.annotations) ? ann.annotations : []).forEach((a, i) => {
      checked.boxes++;
      totalBoxes++;
      const where = `/annotations/${i}`;
      const [x, y, w, h] = Array.isArray(a.bbox) ? a.bbox.map(Number) : [NaN, NaN, NaN, NaN];
      if (![x, y, w, h].every(Number.isFinite) || x! < -EPSILON || y! < -EPSILON || x! + w! > width + EPSILON || y! + h! > height + EPSILON) {
        problem(annRel, `${where}: box ${JSON.stringify(a.bbox)} is not inside the ${width}×${height} image`);
      }
      if (typeof a.category_id === "number" && idToName.get(a.category_id) !== a.category_name) {
        problem(annRel, `${where}: category_id ${a.category_id} is "${idToName.get(a.category_id) ?? "(none)"}" in metadata.json, but the box says "${a.category_name}"`);
      }
    });
  };

  // A record is in a dataset once (the writers' idempotence key): a repeated line means two writers raced.
  const recordLines = new Map<string, number>();
  for await (const { entry, line } of dataset.manifest((p) => problem("manifest.jsonl", p.message, p.line))) {
    checked.manifestLines++;
    const key = JSON.stringify([entry.action_id, entry.id, entry.attempt_id ?? null]);
    const first = recordLines.get(key);
    if (first !== undefined) {
      problem("manifest.jsonl", `repeats the record of line ${first} (action_id ${JSON.stringify(entry.action_id)}, image ${entry.id}): each record is in a dataset once`, line);
    } else recordLines.set(key, line);
    const s = validateAgainst("manifest-entry", entry);
    if (!s.ok) for (const m of s.errors) problem("manifest.jsonl", m, line);
    if (typeof entry.image === "string" && !entry.image.startsWith(`images/${entry.id}.`)) {
      problem("manifest.jsonl", `image ${JSON.stringify(entry.image)} does not match id ${entry.id}`, line);
    }
    if (imageIds.has(entry.id)) continue;
    imageIds.add(entry.id);
    const imageRel = typeof entry.image === "string" && entry.image.startsWith("images/") && !entry.image.includes("..") ? entry.image : `images/${entry.id}.png`;
    await checkImage(entry.id, imageRel);
  }

  if (metadata.total_images !== imageIds.size) problem("metadata.json", `total_images is ${metadata.total_images} but the manifest names ${imageIds.size} distinct images`);
  if (metadata.total_annotations !== totalBoxes) problem("metadata.json", `total_annotations is ${metadata.total_annotations} but the annotation files hold ${totalBoxes} boxes`);
  const claimed = metadata.statistics?.records_with_screenshots;
  if (typeof claimed === "number" && claimed > checked.manifestLines) {
    problem("metadata.json", `statistics.records_with_screenshots is ${claimed} but manifest.jsonl holds ${checked.manifestLines} records`);
  }

  try {
    for (const name of await fs.readdir(paths.images)) {
      const stem = name.replace(/\.[^.]+$/, "");
      if (IMAGE_ID_PATTERN.test(stem) && !imageIds.has(stem)) {
        warnings.push({ file: `images/${name}`, message: "no manifest line names this image (left by an interrupted export; the next export of its record adds it)" });
      }
    }
  } catch {
    /* no images directory: an empty dataset */
  }
  try {
    await fs.access(paths.lock);
    warnings.push({ file: path.relative(paths.root, paths.lock), message: "a lock file is present: an export is running, or one died (boxes it had not finished writing may be only in .qontinui/annotations.journal; the next export finishes them)" });
  } catch {
    /* no lock */
  }
  return done();
}
