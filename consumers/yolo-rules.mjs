// What Ultralytics YOLO does with a detection dataset on disk, rule by rule, so
// that a dataset we write can be checked without Ultralytics installed (it is not
// installable here). Every rule names the function it mirrors in the public
// ultralytics/ultralytics repository, as read for this check:
//   ultralytics/data/utils.py   commit 00bfe3459a05b6c36026fb7689fc73c818da1cd1
//                               (IMG_FORMATS, img2label_paths, verify_image_label, check_det_dataset)
//   ultralytics/data/base.py    commit 002363f134378804ac4fa9eb0f7f6357ee3629c1 (BaseDataset.get_img_files)
//   ultralytics/nn/autobackend.py  check_class_names
//   docs: https://docs.ultralytics.com/datasets/detect/ ("one row per object: class x_center y_center
//   width height", "normalized xywh, 0 to 1", "class numbers are zero-indexed")
// Where we are stricter than Ultralytics (it tolerates 1% out of range, fixes
// corrupt JPEGs in place, drops duplicate rows with a warning), the check says so:
// a dataset we write should never trigger a repair or a warning.
import { promises as fs } from "node:fs";
import path from "node:path";

/** utils.py IMG_FORMATS: the suffixes get_img_files keeps and the PIL formats verify_image_label accepts. */
export const IMG_FORMATS = new Set(["bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"]);

/**
 * utils.py img2label_paths: the last `/images/` in the path becomes `/labels/`,
 * and everything after the last "." becomes "txt":
 *   sb.join(x.rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt"
 */
export function labelPathFor(imagePath, sep = path.sep) {
  const sa = `${sep}images${sep}`;
  const sb = `${sep}labels${sep}`;
  const at = imagePath.lastIndexOf(sa);
  const swapped = at < 0 ? imagePath : imagePath.slice(0, at) + sb + imagePath.slice(at + sa.length);
  const dot = swapped.lastIndexOf(".");
  return `${dot < 0 ? swapped : swapped.slice(0, dot)}.txt`;
}

/** base.py get_img_files: a file is an image when `x.rpartition(".")[-1].lower()` is in IMG_FORMATS. */
export function isImagePath(file) {
  const dot = file.lastIndexOf(".");
  return IMG_FORMATS.has((dot < 0 ? file : file.slice(dot + 1)).toLowerCase());
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Two 6-decimal roundings (centre and half size) can put an edge this far past 0 or 1.
const EDGE_TOLERANCE = 1.5e-6;

/**
 * Parses one label file as verify_image_label reads it and applies its rules:
 *   lines = [x.split() for x in f.read().strip().splitlines() if len(x)]
 *   more than 6 columns = a segment (not a box); a box needs exactly 5 columns;
 *   coordinates <= 1.01 and everything >= -0.01; class < nc;
 *   np.unique(lb, axis=0) removes duplicate rows ("N duplicate labels removed").
 * Stricter here: each row is exactly `class cx cy w h`, class an integer, every
 * coordinate in [0, 1], w and h > 0, the box inside the image, no duplicates.
 * Returns the boxes and the problems, each naming its line.
 */
export function parseLabelText(text, nc) {
  const problems = [];
  const boxes = [];
  const seen = new Map();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, i) => {
    const where = `line ${i + 1}`;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") {
      problems.push(`${where}: blank line`);
      return;
    }
    const cols = line.trim().split(/\s+/);
    if (cols.length > 6) problems.push(`${where}: ${cols.length} columns, which Ultralytics reads as a segment, not a box`);
    if (cols.length !== 5) {
      problems.push(`${where}: ${cols.length} columns, a box needs 5 (class cx cy w h)`);
      return;
    }
    if (!cols.every((c) => NUMBER.test(c))) {
      problems.push(`${where}: not all numbers: ${JSON.stringify(line)}`);
      return;
    }
    const [cls, cx, cy, w, h] = cols.map(Number);
    if (!/^\d+$/.test(cols[0])) problems.push(`${where}: class ${cols[0]} is not a non-negative integer`);
    else if (cls >= nc) problems.push(`${where}: class ${cls} is not in 0..${nc - 1} (nc ${nc})`);
    for (const [name, v] of [["cx", cx], ["cy", cy], ["w", w], ["h", h]]) {
      if (!(v >= 0 && v <= 1)) problems.push(`${where}: ${name} ${v} is not normalised to [0, 1]`);
    }
    if (!(w > 0) || !(h > 0)) problems.push(`${where}: zero or negative size w ${w} h ${h}`);
    const edges = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    if (edges.some((e) => e < -EDGE_TOLERANCE || e > 1 + EDGE_TOLERANCE)) {
      problems.push(`${where}: box reaches outside the image (edges ${edges.map((e) => e.toFixed(6)).join(", ")})`);
    }
    // np.unique compares the float32 rows.
    const key = [cls, cx, cy, w, h].map(Math.fround).join(" ");
    if (seen.has(key)) problems.push(`${where}: duplicate of line ${seen.get(key)}; Ultralytics removes it with a warning`);
    else seen.set(key, i + 1);
    boxes.push({ classIndex: cls, cx, cy, w, h });
  });
  return { boxes, problems };
}

/**
 * check_det_dataset and check_class_names on a data.yaml already parsed by
 * PyYAML (the loader Ultralytics uses): `train` and `val` are required; `names`
 * or `nc`; `len(names) == nc` when both are given; names as a list or an
 * {index: name} map whose indices are 0..n-1; `path` (or the YAML's folder)
 * is the root that train/val/test are relative to, and val must exist.
 * `yaml` is `{ data, names }` where `names` keeps the YAML's own key types:
 * `{ kind: "list" | "dict" | other, entries: [[key, value], ...] }`.
 * Returns `{ root, splits: {train: dir, ...}, names: string[], problems }`.
 */
export function checkDataYaml(yaml, yamlFile) {
  const problems = [];
  const data = yaml.data ?? {};
  for (const k of ["train", "val"]) {
    if (!(k in data)) problems.push(`'${k}:' key missing ('train' and 'val' are required in all data YAMLs)`);
  }
  const names = [];
  if (yaml.names.kind === "missing") {
    problems.push("no 'names': class names would be class_0, class_1, ...");
  } else if (yaml.names.kind !== "list" && yaml.names.kind !== "dict") {
    problems.push(`'names' is a ${yaml.names.kind}, not a list or an index map`);
  } else {
    const entries = yaml.names.entries;
    const keys = entries.map(([k]) => k);
    if (yaml.names.kind === "dict" && !keys.every((k) => Number.isInteger(k))) {
      problems.push(`'names' keys are not all integers: ${JSON.stringify(keys.slice(0, 5))}`);
    }
    const expected = entries.map((_, i) => i);
    if (JSON.stringify([...keys].sort((a, b) => a - b)) !== JSON.stringify(expected)) {
      problems.push(`'names' indices are not 0..${entries.length - 1}`);
    }
    for (const [k, v] of entries) {
      if (typeof v !== "string") problems.push(`name ${k} is a ${typeof v} (${JSON.stringify(v)}), not a string: quote it`);
      names[Number(k)] = String(v);
    }
  }
  if ("nc" in data && yaml.names.kind !== "missing" && names.length !== data.nc) {
    problems.push(`'names' length ${names.length} and 'nc: ${data.nc}' must match`);
  }
  // Resolve paths: Path(data.get("path") or Path(yaml_file).parent); a relative path
  // that does not exist is taken relative to Ultralytics' own datasets_dir instead.
  const root = data.path ? String(data.path) : path.dirname(yamlFile);
  if (data.path && !path.isAbsolute(root)) {
    problems.push(`'path: ${root}' is relative: Ultralytics resolves it against the current directory or its datasets_dir, not this file`);
  }
  const splits = {};
  for (const k of ["train", "val", "test"]) {
    if (typeof data[k] === "string" && data[k] !== "") splits[k] = path.resolve(root, data[k]);
    else if (data[k] != null && data[k] !== "") problems.push(`'${k}:' is not a single directory (${JSON.stringify(data[k])}); this check handles directories only`);
  }
  return { root, splits, names, problems };
}

/** The image files Ultralytics finds under a split directory: glob `**​/*.*`, recursive, by suffix. */
export async function findImages(dir) {
  const out = [];
  const walk = async (d) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.includes(".") && isImagePath(p)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Checks a YOLO output directory the way Ultralytics reads it.
 * - `loadYaml(file)`: data.yaml parsed by PyYAML, in checkDataYaml's shape.
 * - `decodeImage(file)`: `{ format, width, height }` after a full decode (throws when it cannot).
 * - `categories`: the dataset's names by 0-based registry id (YOLO class index = registry id).
 * Returns `{ problems, nc, splits: {name: {stems, boxes: Map<stem, box[]>, sizes: Map<stem, {width, height}>, images, labels, boxCount, empty}} }`.
 */
export async function checkYoloOutput(outDir, { loadYaml, decodeImage, categories }) {
  const problems = [];
  const yamlFile = path.join(outDir, "data.yaml");
  const parsed = checkDataYaml(await loadYaml(yamlFile), yamlFile);
  problems.push(...parsed.problems.map((p) => `data.yaml: ${p}`));
  const nc = parsed.names.length;
  if (JSON.stringify(parsed.names) !== JSON.stringify(categories)) {
    const firstDiff = categories.findIndex((n, i) => parsed.names[i] !== n);
    problems.push(
      `data.yaml: names (${nc}) are not the dataset's categories (${categories.length}) in registry order` +
        (firstDiff >= 0 ? `; first difference at ${firstDiff}: ${JSON.stringify(parsed.names[firstDiff])} vs ${JSON.stringify(categories[firstDiff])}` : ""),
    );
  }
  const realRoot = await fs.realpath(parsed.root).catch(() => undefined);
  if (!realRoot) problems.push(`data.yaml: path ${parsed.root} does not exist`);
  else if (realRoot !== (await fs.realpath(outDir))) problems.push(`data.yaml: path ${parsed.root} is not this dataset's folder ${outDir}`);
  if (!parsed.splits.val) problems.push("data.yaml: no val directory");

  const splits = {};
  for (const [name, dir] of Object.entries(parsed.splits)) {
    const split = { dir, stems: new Set(), boxes: new Map(), sizes: new Map(), images: 0, labels: 0, boxCount: 0, empty: 0 };
    splits[name] = split;
    // check_det_dataset: a missing val is a FileNotFoundError; get_img_files: no images is an error.
    const exists = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
    if (!exists) {
      problems.push(`${name}: ${dir} does not exist`);
      continue;
    }
    const images = await findImages(dir);
    if (images.length === 0) problems.push(`${name}: no images found in ${dir}`);
    // Files Ultralytics would silently skip: not an image suffix.
    const all = [];
    const walk = async (d) => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else all.push(p);
      }
    };
    await walk(dir);
    for (const f of all) if (!images.includes(f)) problems.push(`${name}: ${path.relative(outDir, f)} is not an image Ultralytics reads (suffix)`);

    const expectedLabels = new Set();
    for (const image of images) {
      const rel = path.relative(outDir, image);
      const stem = path.parse(image).name;
      if (split.stems.has(stem)) problems.push(`${name}: two images with the stem ${stem}`);
      split.stems.add(stem);
      split.images++;
      // verify_image_label, image part: PIL opens and verifies it, both sides > 9 px,
      // PIL's format in IMG_FORMATS, a JPEG ends with FF D9 (else Ultralytics re-saves it in place).
      try {
        const { format, width, height } = await decodeImage(image);
        split.sizes.set(stem, { width, height });
        if (!IMG_FORMATS.has(format)) problems.push(`${rel}: format ${format} is not one Ultralytics reads`);
        if (!(width > 9 && height > 9)) problems.push(`${rel}: size ${width}x${height} < 10 pixels`);
        if (format === "jpeg" || format === "jpg") {
          const fh = await fs.open(image, "r");
          try {
            const { size } = await fh.stat();
            const tail = Buffer.alloc(2);
            await fh.read(tail, 0, 2, size - 2);
            if (tail[0] !== 0xff || tail[1] !== 0xd9) problems.push(`${rel}: JPEG does not end with FF D9: Ultralytics would rewrite it ("corrupt JPEG restored and saved")`);
          } finally {
            await fh.close();
          }
        }
      } catch (e) {
        problems.push(`${rel}: cannot be decoded: ${e.message}`);
      }
      // Label part: the label file at img2label_paths' path; missing = counted as "missing", trained as background.
      const labelFile = labelPathFor(image);
      expectedLabels.add(labelFile);
      let text;
      try {
        text = await fs.readFile(labelFile, "utf8");
      } catch {
        problems.push(`${rel}: no label file at ${path.relative(outDir, labelFile)} (Ultralytics' img2label_paths)`);
        continue;
      }
      split.labels++;
      const { boxes, problems: lineProblems } = parseLabelText(text, nc);
      problems.push(...lineProblems.map((p) => `${path.relative(outDir, labelFile)} ${p}`));
      if (boxes.length === 0) split.empty++;
      split.boxCount += boxes.length;
      split.boxes.set(stem, boxes);
    }
    // Labels mirror images: a label without its image is never read.
    const labelsDir = labelPathFor(path.join(dir, "x.png")).slice(0, -"x.txt".length);
    const labelFiles = await fs.readdir(labelsDir).catch(() => []);
    for (const f of labelFiles) {
      const p = path.join(labelsDir, f);
      if (!expectedLabels.has(p)) problems.push(`${path.relative(outDir, p)}: label file without an image`);
    }
  }
  return { problems, splits, nc };
}
