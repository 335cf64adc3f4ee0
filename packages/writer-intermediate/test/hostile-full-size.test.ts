import { promises as fs } from "node:fs";
import path from "node:path";
import { runPipeline, silentLogger } from "@qontinui/export-core";
import { datasetConvertInput, type ImageProblem, openDataset } from "@qontinui/intermediate-format";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { intermediateWriter } from "../src/index.js";
import { makeRun, match, matchLabeler, memorySource, record, tempDir } from "./fixtures.js";

// The dataset reader's checks on what users really have: full-size screenshots, PNG and JPEG, far over 64 KiB.
describe("a hostile annotation file over full-size screenshots", () => {
  it("takes the size from the image itself (1920×1080 PNG, 1280×720 JPEG) and the file by its id, and keeps boxes that are boxes", async () => {
    const noise = (w: number, h: number) => sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: w, height: h, channels: 3 } });
    const run = await makeRun({ "full.png": await noise(1920, 1080).png().toBuffer(), "hd.jpg": await noise(1280, 720).jpeg({ quality: 85 }).toBuffer() }, [
      record("p", "full.png", { match_summary: match("save", 1800, 1000, 96, 32, 0.9) }),
      record("j", "hd.jpg", { match_summary: match("open", 1200, 690, 96, 32, 0.9) }),
    ]);
    for (const f of ["full.png", "hd.jpg"]) expect((await fs.stat(path.join(run.dir, "screenshots", f))).size).toBeGreaterThan(100 * 1024);
    const out = await tempDir();
    await runPipeline({ source: memorySource(run.dir, run.records), labelers: [matchLabeler], writers: [intermediateWriter({ outDir: out })], logger: silentLogger });

    // Someone else's tool rewrote the files: markup for a width, a path for the file name, a box far past the image.
    const sizes = new Map<string, [number, number]>();
    for (const f of await fs.readdir(path.join(out, "annotations"))) {
      const file = path.join(out, "annotations", f);
      const doc = JSON.parse(await fs.readFile(file, "utf8"));
      sizes.set(doc.image_id, [doc.image_width, doc.image_height]);
      doc.image_width = "800</width><evil>x</evil><width>800";
      doc.image_filename = "../../../etc/passwd";
      doc.annotations.push({ ...doc.annotations[0], bbox: [-5000, -5000, 99999, 99999] });
      await fs.writeFile(file, JSON.stringify(doc));
    }
    expect([...sizes.values()].sort()).toEqual([
      [1280, 720],
      [1920, 1080],
    ]);

    const ds = await openDataset(out);
    const problems: ImageProblem[] = [];
    for (const [id, [w, h]] of sizes) {
      const image = await ds.image(id, (p) => problems.push(p));
      expect([image.width, image.height]).toEqual([w, h]);
      expect(path.dirname(image.path)).toBe(path.join(out, "images"));
      expect(image.fileName.startsWith(id)).toBe(true);
      expect(image.annotations.map((a) => a.bbox)).toHaveLength(1);
    }
    expect(problems.map((p) => p.reason).sort()).toEqual([
      "stored_box_outside_image",
      "stored_box_outside_image",
      "stored_filename_invalid",
      "stored_filename_invalid",
      "stored_size_invalid",
      "stored_size_invalid",
    ]);
    let boxes = 0;
    for await (const image of (await datasetConvertInput(out)).images()) boxes += image.annotations.length;
    expect(boxes).toBe(2);
  });
});
