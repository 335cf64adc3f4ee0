// The three outputs of one dataset, converted with one split seed, side by side:
// each split holds the same images in COCO, YOLO and VOC, the splits partition
// the dataset, and every image carries the same boxes (category and place) in
// each format, as each consumer reads them.
import { promises as fs } from "node:fs";
import path from "node:path";

export const SPLITS = ["train", "val", "test"];

/** Image stems per split of a COCO output: `{ split: { stems: Set, sizes: Map<stem, {width, height}> } }`. */
export async function cocoMembership(files) {
  const out = {};
  for (const { split, annFile } of files) {
    const coco = JSON.parse(await fs.readFile(annFile, "utf8"));
    const stems = new Set();
    const sizes = new Map();
    for (const im of coco.images ?? []) {
      const stem = path.parse(String(im.file_name)).name;
      stems.add(stem);
      sizes.set(stem, { width: im.width, height: im.height });
    }
    out[split] = { stems, sizes, fileNames: (coco.images ?? []).map((im) => String(im.file_name)) };
  }
  return out;
}

/** Image stems per split of a VOC output, from ImageSets/Main/<split>.txt (a missing file is an empty set, reported). */
export async function vocMembership(vocDir, splits = SPLITS) {
  const out = {};
  const problems = [];
  for (const split of splits) {
    const file = path.join(vocDir, "ImageSets", "Main", `${split}.txt`);
    let text;
    try {
      text = await fs.readFile(file, "utf8");
    } catch {
      problems.push(`VOC: no ImageSets/Main/${split}.txt`);
      out[split] = { stems: new Set() };
      continue;
    }
    out[split] = { stems: new Set(text.split("\n").map((l) => l.trim()).filter(Boolean)) };
  }
  return { splits: out, problems };
}

const show = (set, n = 3) => {
  const list = [...set].sort();
  return list.slice(0, n).join(", ") + (list.length > n ? `, … (${list.length})` : "");
};

/**
 * Same images per split in every format; splits disjoint; together they are the
 * dataset's images. `formats`: `{ COCO: {split: Set}, YOLO: …, VOC: … }`.
 * Returns `{ problems, counts: {split: {format: n}} }`.
 */
export function compareMembership(formats, datasetIds, splits = SPLITS) {
  const problems = [];
  const counts = {};
  const names = Object.keys(formats);
  for (const split of splits) {
    counts[split] = {};
    for (const f of names) counts[split][f] = formats[f][split]?.size ?? 0;
    const [ref, ...rest] = names;
    const a = formats[ref][split] ?? new Set();
    for (const other of rest) {
      const b = formats[other][split] ?? new Set();
      const onlyA = [...a].filter((x) => !b.has(x));
      const onlyB = [...b].filter((x) => !a.has(x));
      if (onlyA.length || onlyB.length) {
        problems.push(
          `${split}: ${ref} and ${other} differ` +
            (onlyA.length ? `; only in ${ref}: ${show(onlyA)}` : "") +
            (onlyB.length ? `; only in ${other}: ${show(onlyB)}` : ""),
        );
      }
    }
  }
  for (const f of names) {
    const seen = new Map();
    for (const split of splits) {
      for (const id of formats[f][split] ?? []) {
        if (seen.has(id)) problems.push(`${f}: image ${id} is in both ${seen.get(id)} and ${split}`);
        else seen.set(id, split);
      }
    }
    const missing = [...datasetIds].filter((id) => !seen.has(id));
    const extra = [...seen.keys()].filter((id) => !datasetIds.has(id));
    if (missing.length) problems.push(`${f}: ${missing.length} dataset image(s) in no split: ${show(missing)}`);
    if (extra.length) problems.push(`${f}: ${extra.length} image(s) that are not in the dataset: ${show(extra)}`);
  }
  return { problems, counts };
}

/**
 * Matches the boxes of each image between a reference format and another:
 * same category name, every edge within `tolerance` pixels. Boxes are
 * `[name, x, y, w, h]` in pixels. Returns the problems and how many images and
 * boxes were compared.
 */
export function compareBoxes(refName, ref, otherName, other, tolerance) {
  const problems = [];
  let images = 0;
  let boxes = 0;
  for (const [stem, refBoxes] of ref) {
    const otherBoxes = other.get(stem);
    if (!otherBoxes) continue; // membership reports missing images
    images++;
    const used = new Array(otherBoxes.length).fill(false);
    const unmatched = [];
    for (const [name, x, y, w, h] of refBoxes) {
      const i = otherBoxes.findIndex(
        ([n, ox, oy, ow, oh], k) =>
          !used[k] &&
          n === name &&
          Math.abs(ox - x) <= tolerance &&
          Math.abs(oy - y) <= tolerance &&
          Math.abs(ox + ow - (x + w)) <= tolerance &&
          Math.abs(oy + oh - (y + h)) <= tolerance,
      );
      if (i < 0) unmatched.push([name, x, y, w, h]);
      else used[i] = true;
    }
    boxes += refBoxes.length;
    const extra = otherBoxes.filter((_, k) => !used[k]);
    if (unmatched.length || extra.length) {
      const fmt = ([n, ...b]) => `${n} [${b.map((v) => Math.round(v * 100) / 100).join(", ")}]`;
      problems.push(
        `${stem}: ${refName} ${refBoxes.length} box(es), ${otherName} ${otherBoxes.length}` +
          (unmatched.length ? `; ${refName} only: ${unmatched.slice(0, 2).map(fmt).join("; ")}` : "") +
          (extra.length ? `; ${otherName} only: ${extra.slice(0, 2).map(fmt).join("; ")}` : ""),
      );
    }
  }
  return { problems, images, boxes };
}

/** YOLO boxes (normalised centre form, class index) → `[name, x, y, w, h]` pixels. */
export function yoloToPixels(boxes, size, names) {
  return boxes.map(({ classIndex, cx, cy, w, h }) => [
    names[classIndex] ?? `#${classIndex}`,
    (cx - w / 2) * size.width,
    (cy - h / 2) * size.height,
    w * size.width,
    h * size.height,
  ]);
}
