import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Category, ConvertInput, DatasetImage, LabeledAnnotation } from "@qontinui/export-core";
import { splitAssignment } from "@qontinui/export-core";
import { encodePng, type ReadBackImage } from "@qontinui/export-core/testing";

export async function tempDir(prefix = "qx-yolo-"): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Width and height from a PNG's IHDR (bytes 16–23, big-endian). */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

export interface ParsedDataYaml {
  path?: string;
  train?: string;
  val?: string;
  test?: string;
  nc?: number;
  names: Map<number, string>;
}

const unquote = (v: string) => (v.startsWith('"') ? (JSON.parse(v) as string) : v);

/** A tiny data.yaml parser: top-level scalars and the `names:` mapping (quoted names parsed as JSON). */
export function parseDataYaml(text: string): ParsedDataYaml {
  const out: ParsedDataYaml = { names: new Map() };
  let inNames = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const entry = /^ {2}(\d+): (.*)$/.exec(line);
    if (inNames && entry) {
      out.names.set(Number(entry[1]), unquote(entry[2]!));
      continue;
    }
    inNames = false;
    const top = /^(\w+):\s*(.*)$/.exec(line);
    if (!top) throw new Error(`data.yaml: cannot read line ${JSON.stringify(line)}`);
    const [, key, value] = top;
    if (key === "names") inNames = value === "";
    else if (key === "nc") out.nc = Number(value);
    else if (key === "path" || key === "train" || key === "val" || key === "test") out[key] = unquote(value!);
  }
  return out;
}

/** An independent YOLO reader: walks images/<split>/, reads labels/<split>/<stem>.txt, back to pixels. */
export async function readYolo(dir: string): Promise<ReadBackImage[]> {
  const yaml = parseDataYaml(await fs.readFile(path.join(dir, "data.yaml"), "utf8"));
  if (!yaml.train || !yaml.val) throw new Error("data.yaml lacks train or val");
  if (yaml.nc !== yaml.names.size) throw new Error(`data.yaml: nc ${yaml.nc} but ${yaml.names.size} names`);
  const out: ReadBackImage[] = [];
  for (const split of (await fs.readdir(path.join(dir, "images"))).sort()) {
    for (const file of (await fs.readdir(path.join(dir, "images", split))).sort()) {
      const bytes = await fs.readFile(path.join(dir, "images", split, file));
      const { width, height } = pngSize(bytes);
      const stem = file.slice(0, file.length - path.extname(file).length);
      const text = await fs.readFile(path.join(dir, "labels", split, `${stem}.txt`), "utf8");
      const boxes = text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
          const [c, cx, cy, w, h] = l.trim().split(/\s+/).map(Number) as [number, number, number, number, number];
          const name = yaml.names.get(c);
          if (name === undefined) throw new Error(`${split}/${stem}.txt: class ${c} not in names`);
          return {
            categoryName: name,
            bbox: [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height] as [number, number, number, number],
          };
        });
      out.push({ file: `images/${split}/${file}`, width, height, boxes });
    }
  }
  return out;
}

/** Writes PNGs to `dir` and gives DatasetImages over them (id = name). */
export async function makeImages(
  dir: string,
  specs: { id: string; width: number; height: number; boxes?: { categoryId: number; bbox: [number, number, number, number] }[] }[],
  categories: Category[],
): Promise<DatasetImage[]> {
  await fs.mkdir(dir, { recursive: true });
  const out: DatasetImage[] = [];
  for (const [i, s] of specs.entries()) {
    const file = path.join(dir, `${s.id}.png`);
    await fs.writeFile(file, encodePng(s.width, s.height, (x, y) => [(x + i * 17) & 255, (y * 3 + i) & 255, i & 255]));
    const annotations: LabeledAnnotation[] = (s.boxes ?? []).map((b) => ({
      bbox: b.bbox,
      categoryId: b.categoryId,
      categoryName: categories[b.categoryId]?.name ?? "?",
      confidence: 1,
      source: "template_matching",
      verified: false,
    }));
    out.push({ id: s.id, fileName: `${s.id}.png`, path: file, width: s.width, height: s.height, channels: 3, annotations, activeStates: [] });
  }
  return out;
}

/** A ConvertInput over in-memory DatasetImages. */
export function memoryInput(images: DatasetImage[], categories: Category[], split?: Parameters<typeof splitAssignment>[1]): ConvertInput {
  return {
    categories,
    imageCount: images.length,
    async *images() {
      yield* images;
    },
    ...splitAssignment(images, split),
    datasetVersion: "1.0.0",
  };
}

export { listFiles } from "@qontinui/export-core/testing";
