import { promises as fs } from "node:fs";
import path from "node:path";
import type { ReadBackImage } from "@qontinui/export-core/testing";

/**
 * An independent VOC reader for the tests: a small tag parser with entity
 * unescaping, not the writer's code. Boxes come back as [xmin-1, ymin-1,
 * xmax-xmin+1, ymax-ymin+1].
 */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e]!;
  });
}

function tags(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

function one(xml: string, tag: string): string {
  const all = tags(xml, tag);
  if (all.length !== 1) throw new Error(`expected one <${tag}>, found ${all.length}`);
  return unescapeXml(all[0]!);
}

function int(xml: string, tag: string): number {
  const v = one(xml, tag).trim();
  if (!/^-?\d+$/.test(v)) throw new Error(`<${tag}> is not an integer: ${v}`);
  return Number(v);
}

export interface ReadVocImage extends ReadBackImage {
  stem: string;
  depth: number;
  objects: { name: string; truncated: number; difficult: number; confidence?: string; source?: string; verified?: string }[];
}

export async function readVoc(dir: string): Promise<ReadVocImage[]> {
  const annDir = path.join(dir, "Annotations");
  const out: ReadVocImage[] = [];
  for (const file of (await fs.readdir(annDir)).filter((f) => f.endsWith(".xml")).sort()) {
    const xml = await fs.readFile(path.join(annDir, file), "utf8");
    const [annotation] = tags(xml, "annotation");
    if (annotation === undefined) throw new Error(`${file}: no <annotation>`);
    const folder = one(annotation, "folder");
    const filename = one(annotation, "filename");
    const size = tags(annotation, "size")[0]!;
    const objects = tags(annotation, "object");
    out.push({
      stem: file.slice(0, -4),
      file: `${folder}/${filename}`,
      width: int(size, "width"),
      height: int(size, "height"),
      depth: int(size, "depth"),
      boxes: objects.map((o) => {
        const b = tags(o, "bndbox")[0]!;
        const [xmin, ymin, xmax, ymax] = [int(b, "xmin"), int(b, "ymin"), int(b, "xmax"), int(b, "ymax")];
        return { categoryName: one(o, "name"), bbox: [xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1] as [number, number, number, number] };
      }),
      objects: objects.map((o) => ({
        name: one(o, "name"),
        truncated: int(o, "truncated"),
        difficult: int(o, "difficult"),
        confidence: tags(o, "confidence")[0],
        source: tags(o, "source")[0],
        verified: tags(o, "verified")[0],
      })),
    });
  }
  return out;
}
