import { promises as fs } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, listFiles, screenshot, tempDir } from "./fixtures.js";

const good = (id: string, ref: string, extra: Record<string, unknown> = {}) => JSON.stringify({ action_id: id, action_type: "FIND", start_time: 1, screenshot_reference: ref, ...extra });
const matchAt = (name: unknown, x: number, y: number, w: number, h: number, confidence: unknown = 0.9) => ({
  match_summary: { found: true, image_id: name, location: { x, y }, template_size: { width: w, height: h }, confidence },
});

describe("hostile input: every case is skipped or repaired with a named reason; the export goes on", () => {
  it("exports the good records and counts each bad one", async () => {
    const root = await tempDir("qx-hostile-");
    const runDir = path.join(root, "run");
    const outside = path.join(root, "outside");
    await fs.mkdir(path.join(runDir, "screenshots"), { recursive: true });
    await fs.mkdir(outside);
    const secret = await screenshot(99);
    await fs.writeFile(path.join(outside, "secret.png"), secret);

    const png = await screenshot(1);
    await fs.writeFile(path.join(runDir, "screenshots/ok.png"), png);
    await fs.writeFile(path.join(runDir, "screenshots/truncated.png"), png.subarray(0, Math.floor(png.length / 2)));
    await fs.writeFile(path.join(runDir, "screenshots/corrupt.png"), Buffer.concat([png.subarray(0, 8), Buffer.from("garbage garbage garbage garbage")]));
    await fs.writeFile(path.join(runDir, "screenshots/empty.png"), Buffer.alloc(0));
    const bomb = Buffer.from(await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).png().toBuffer());
    bomb.writeUInt32BE(200000, 16);
    bomb.writeUInt32BE(200000, 20);
    await fs.writeFile(path.join(runDir, "screenshots/bomb.png"), bomb);
    await fs.writeFile(path.join(runDir, "screenshots/photo.jpg"), await sharp(png).jpeg().toBuffer());
    await fs.writeFile(path.join(runDir, "screenshots/modern.webp"), await sharp(png).webp().toBuffer());
    await fs.symlink(path.join(outside, "secret.png"), path.join(runDir, "screenshots/link-out.png"));

    const lines = [
      good("ok-1", "screenshots/ok.png", matchAt("ok_button", 10, 10, 30, 20)),
      "{ this is not json",
      JSON.stringify({ action_type: "CLICK", screenshot_reference: "screenshots/ok.png" }),
      good("dotdot", "../outside/secret.png"),
      good("dotdot-deep", "screenshots/../../outside/secret.png"),
      good("absolute", path.join(outside, "secret.png")),
      good("symlink", "screenshots/link-out.png"),
      good("corrupt", "screenshots/corrupt.png"),
      good("truncated", "screenshots/truncated.png"),
      good("empty", "screenshots/empty.png"),
      good("bomb", "screenshots/bomb.png"),
      good("jpeg", "screenshots/photo.jpg", matchAt("photo_button", 5, 5, 10, 10)),
      good("webp", "screenshots/modern.webp"),
      good("box-out", "screenshots/ok.png", matchAt("far", 5000, 5000, 10, 10)),
      // Python's json module writes NaN bare: the record is kept, the size is unusable.
      good("box-nan", "screenshots/ok.png", matchAt("nan", 1, 1, 12345, 10)).replace("12345", "NaN"),
      good("box-neg", "screenshots/ok.png", matchAt("neg", 1, 1, -10, 10)),
      good("box-edge", "screenshots/ok.png", matchAt("edge", 300, 190, 50, 50)),
      good("conf-string", "screenshots/ok.png", matchAt("conf_string", 20, 20, 10, 10, "0.75")),
      good("conf-high", "screenshots/ok.png", matchAt("conf_high", 30, 30, 10, 10, 1.7)),
      good("name-xml", "screenshots/ok.png", matchAt('<b>&"x"</b>', 40, 40, 10, 10)),
      good("name-path", "screenshots/ok.png", matchAt("../../etc/passwd", 50, 50, 10, 10)),
      good("name-newline", "screenshots/ok.png", matchAt("two\nlines", 60, 60, 10, 10)),
      good("name-long", "screenshots/ok.png", matchAt("n".repeat(300), 70, 70, 10, 10)),
    ];
    await fs.writeFile(path.join(runDir, "records.jsonl"), `${lines.join("\n")}\n`);
    const outsideBefore = await listFiles(outside);

    const out = path.join(root, "dataset");
    const io = captureIO();
    expect(await main(["run", runDir, "--out", out, "--json", "--click-mode", "fixed"], io)).toBe(0);
    const s = JSON.parse(io.out()).statistics;
    expect(s.problems.byReason).toMatchObject({
      malformed_json: 1,
      invalid_record: 1,
      path_escapes_root: 4,
      screenshot_corrupt: 3,
      screenshot_too_large: 1,
      box_outside_image: 1,
      box_invalid_size: 1,
      match_incomplete: 1,
      box_clipped: 1,
      confidence_repaired: 2,
      category_name_repaired: 2,
    });
    expect(s.recordsSkipped).toBe(10);
    expect(s.recordsExported).toBe(lines.length - 10);

    // Nothing outside the run and output directories was written; the secret never reached the dataset.
    expect(await listFiles(outside)).toEqual(outsideBefore);
    expect((await fs.readdir(root)).sort()).toEqual(["dataset", "outside", "run"]);
    const images = await fs.readdir(path.join(out, "images"));
    for (const f of images) expect(await fs.readFile(path.join(out, "images", f))).not.toEqual(secret);
    expect(images.some((f) => f.endsWith(".jpg"))).toBe(true);
    expect(images.some((f) => f.endsWith(".webp"))).toBe(true);

    const meta = JSON.parse(await fs.readFile(path.join(out, "metadata.json"), "utf8"));
    const names = Object.keys(meta.category_map);
    expect(names).toContain('<b>&"x"</b>');
    expect(names).toContain("../../etc/passwd");
    expect(names).toContain("two lines");
    expect(names.find((n) => n.startsWith("nnn"))).toHaveLength(128);
    for (const n of names) expect(n).not.toMatch(/[\n\r]/);
    // Hostile names never become paths.
    expect((await listFiles(out)).every((f) => /^(\.qontinui\/|images\/|annotations\/|manifest\.jsonl|metadata\.json)/.test(f))).toBe(true);

    const validate = captureIO();
    expect(await main(["validate", out], validate)).toBe(0);
  });
});
