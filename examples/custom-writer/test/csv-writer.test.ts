import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ConvertInput, DatasetImage } from "@qontinui/export-core";
import { checkWriterContract, convertedThrough, encodePng, type ReadBackImage } from "@qontinui/export-core/testing";
import { describeWriterContract } from "@qontinui/export-core/testing/vitest";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { describe, expect, it } from "vitest";
import { convertCsv, csvFormat, csvWriter } from "../src/index.js";

/** An independent RFC 4180 parser (not the writer's code): quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new Error(`stray quote in an unquoted field at offset ${i}`);
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" || c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Reads `boxes.csv` back as the contract wants it: rows grouped by image, size from the columns. */
async function readCsv(outDir: string): Promise<ReadBackImage[]> {
  const [header, ...rows] = parseCsv(await fs.readFile(path.join(outDir, "boxes.csv"), "utf8"));
  if (!header) throw new Error("boxes.csv is empty");
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`boxes.csv has no ${name} column`);
    return i;
  };
  const [image, width, height, category, x, y, w, h] = ["image", "width", "height", "category", "x", "y", "w", "h"].map(col) as number[] as [
    number, number, number, number, number, number, number, number,
  ];
  const byImage = new Map<string, ReadBackImage>();
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`row ${JSON.stringify(r)} has ${r.length} fields, header ${header.length}`);
    const file = r[image]!;
    const entry = byImage.get(file) ?? { file, width: Number(r[width]), height: Number(r[height]), boxes: [] };
    byImage.set(file, entry);
    if (r[x] === "") continue; // an image without boxes
    entry.boxes.push({ categoryName: r[category]!, bbox: [Number(r[x]), Number(r[y]), Number(r[w]), Number(r[h])] });
  }
  return [...byImage.values()];
}

const adapter = { name: "csv writer", createWriter: (dir: string) => csvWriter({ outDir: dir }), read: readCsv };
describeWriterContract(adapter);
describeWriterContract({
  name: "csv converter (the descriptor's fromDataset)",
  createWriter: convertedThrough((dir) => intermediateWriter({ outDir: dir }), (dataset, out) => csvFormat.fromDataset(dataset, { out }, csvFormat.options.parse({}))),
  read: readCsv,
});

describe("csv writer", () => {
  const noticed = { "drop-box": /was written but not read back/, "shift-pixel": /unexpected box/, "absolute-path": /absolute path/ } as const;
  for (const [sabotage, message] of Object.entries(noticed) as [keyof typeof noticed, RegExp][]) {
    it(`the contract's failure names the sabotage: ${sabotage}`, async () => {
      const report = await checkWriterContract(adapter, { sabotage });
      expect(report.failures.some((f) => message.test(f))).toBe(true);
    });
  }

  it("quotes awkward fields per RFC 4180 and writes relative image paths", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qx-csv-"));
    try {
      const src = path.join(dir, "a.png");
      await fs.writeFile(src, encodePng(2, 2, () => [1, 2, 3]));
      const img: DatasetImage = {
        id: "a",
        fileName: "a.png",
        path: src,
        width: 2,
        height: 2,
        channels: 3,
        activeStates: [],
        annotations: [
          { bbox: [0, 0, 1, 1], categoryName: 'say "hi", then\r\nleave', categoryId: 0, confidence: 0.5, source: "x", verified: true },
        ],
      };
      const input: ConvertInput = {
        categories: [{ id: 0, name: img.annotations[0]!.categoryName }],
        images: async function* () {
          yield img;
        },
        imageCount: 1,
        splitOf: () => "train",
        splitNames: ["train"],
        datasetVersion: "1.0.0",
      };
      const progress: number[][] = [];
      const out = path.join(dir, "out");
      const summary = await convertCsv(input, { outDir: out, onProgress: (d, t) => progress.push([d, t]) });
      expect(summary).toEqual({ file: "boxes.csv", images: 1, boxes: 1 });
      expect(progress).toEqual([[1, 1]]);
      const text = await fs.readFile(path.join(out, "boxes.csv"), "utf8");
      expect(text).toBe(
        'image,split,width,height,category,x,y,w,h,confidence,verified\r\nimages/a.png,train,2,2,"say ""hi"", then\r\nleave",0,0,1,1,0.5,true\r\n',
      );
      expect(parseCsv(text)[1]![4]).toBe('say "hi", then\r\nleave');
      await fs.access(path.join(out, "images", "a.png"));
      expect((await fs.readdir(out)).sort()).toEqual(["boxes.csv", "images"]); // no temp file left
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe("csvFormat: the format as a descriptor", () => {
  it("converts an intermediate dataset directory, as `qontinui-export csv` would", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "qx-csv-format-"));
    await fs.mkdir(path.join(root, "shots"));
    await fs.writeFile(path.join(root, "shots", "a.png"), encodePng(40, 30));
    const records = [{ action_id: "a1", screenshot_reference: "shots/a.png", match_summary: { found: true, image_id: "ok_button", location: { x: 2, y: 3 }, template_size: { width: 10, height: 8 }, confidence: 0.9 } }];
    const { intermediateWriter } = await import("@qontinui/writer-intermediate");
    const { runPipeline, parseRecord, silentLogger } = await import("@qontinui/export-core");
    const dataset = path.join(root, "dataset");
    await runPipeline({
      source: { name: "mem", root, async *read() { for (const r of records) { const p = parseRecord(r); if (p.ok) yield { record: p.record }; } } },
      labelers: [{ name: "match", needsPixels: false, label: (rec) => { const m = rec.match_summary as { location: { x: number; y: number }; template_size: { width: number; height: number }; image_id: string }; return [{ bbox: [m.location.x, m.location.y, m.template_size.width, m.template_size.height], categoryName: m.image_id, confidence: 0.9, source: "template_matching", verified: false }]; } }],
      writers: [intermediateWriter({ outDir: dataset })],
      logger: silentLogger,
    });
    const out = path.join(root, "csv out");
    const summary = await csvFormat.fromDataset(dataset, { out }, csvFormat.options.parse({}));
    expect(summary).toMatchObject({ file: "boxes.csv", images: 1, boxes: 1 });
    const rows = parseCsv(await fs.readFile(path.join(out, "boxes.csv"), "utf8"));
    expect(rows[1]).toContain("ok_button");
    await expect(csvFormat.fromDataset(dataset, {}, {})).rejects.toThrow(/output directory/);
  });
});
