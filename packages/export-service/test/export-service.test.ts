import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "@qontinui/export-core";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { exportConfigFromEnv, resolveExportConfig, TrainingExportService } from "../src/index.js";

let runDir: string;
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), "qx-svc-"));

beforeAll(async () => {
  runDir = await tmp();
  await fs.mkdir(path.join(runDir, "screenshots"));
  for (let i = 0; i < 3; i++) {
    const png = await sharp({ create: { width: 200, height: 120, channels: 3, background: { r: 40 * i, g: 100, b: 200 } } }).png().toBuffer();
    await fs.writeFile(path.join(runDir, "screenshots", `s${i}.png`), png);
  }
});

function rec(i: number, extra: Record<string, unknown> = {}) {
  return {
    action_id: `a${i}`,
    action_type: "FIND",
    start_time: 1700000000 + i,
    success: i % 2 === 0,
    active_states_before: ["main"],
    match_summary: i % 3 === 0 ? null : { found: true, image_id: "btn", location: { x: 10, y: 10 }, template_size: { width: 30, height: 20 }, confidence: 0.9 },
    screenshot_reference: `screenshots/s${i % 3}.png`,
    ...extra,
  };
}

describe("ExportConfig", () => {
  it("has the seed's defaults", () => {
    expect(resolveExportConfig({})).toMatchObject({
      enabled: false,
      datasetVersion: "1.0.0",
      exportMode: "on_completion",
      batchSize: 50,
      filterSuccessfulOnly: false,
      filterWithMatches: false,
    });
  });

  it("reads QONTINUI_EXPORT_TRAINING_DATA and QONTINUI_EXPORT_DIR", () => {
    const c = exportConfigFromEnv({ QONTINUI_EXPORT_TRAINING_DATA: "true", QONTINUI_EXPORT_DIR: "/data/ds" });
    expect(c.enabled).toBe(true);
    expect(c.outputDir).toBe("/data/ds");
    expect(exportConfigFromEnv({ QONTINUI_EXPORT_TRAINING_DATA: "0" }).enabled).toBe(false);
    expect(() => exportConfigFromEnv({ QONTINUI_EXPORT_TRAINING_DATA: "maybe" })).toThrow(ConfigError);
    expect(() => exportConfigFromEnv({ QONTINUI_EXPORT_TRAINING_DATA: "1" })).toThrow(/outputDir/);
  });

  it("refuses bad values with a clear error", () => {
    expect(() => resolveExportConfig({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => resolveExportConfig({ exportMode: "sometimes" as never })).toThrow(/exportMode/);
  });
});

describe("TrainingExportService", () => {
  it("incremental mode exports every batchSize records", async () => {
    const out = path.join(await tmp(), "ds");
    const svc = new TrainingExportService({ enabled: true, outputDir: out, exportMode: "incremental", batchSize: 4, clickMode: "fixed" }, runDir);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await svc.addRecord(rec(i)));
    expect(results.filter(Boolean)).toHaveLength(2);
    let s = await svc.getSummary();
    expect(s).toMatchObject({ enabled: true, total_records_added: 10, total_records_exported: 8, records_in_buffer: 2, export_mode: "incremental" });
    await svc.exportOnCompletion();
    s = await svc.getSummary();
    expect(s.records_in_buffer).toBe(0);
    expect(s.dataset).toMatchObject({ manifest_entries: 10, total_images: 3 });
  });

  it("on_completion mode waits for the end; filters apply; manual mode exports only on exportNow", async () => {
    const out = path.join(await tmp(), "ds");
    const svc = new TrainingExportService(
      { enabled: true, outputDir: out, filterSuccessfulOnly: true, filterWithMatches: true, filter: (r) => r.action_id !== "a2" },
      runDir,
    );
    for (let i = 0; i < 6; i++) await svc.addRecord(rec(i));
    expect((await svc.getSummary()).records_in_buffer).toBe(6);
    const stats = await svc.exportOnCompletion();
    // successful: 0,2,4; with matches: not 0 → 2,4; custom drops a2 → 4
    expect(stats?.recordsExported).toBe(1);
    expect(stats?.recordsFilteredBy).toEqual({ successful_only: 3, with_matches: 1, custom_filter: 1 });

    const manual = new TrainingExportService({ enabled: true, outputDir: path.join(await tmp(), "m"), exportMode: "manual" }, runDir);
    await manual.addRecord(rec(1));
    expect(await manual.exportOnCompletion()).toBeUndefined();
    expect((await manual.exportNow())?.recordsExported).toBe(1);
  });

  it("does nothing when disabled", async () => {
    const svc = new TrainingExportService({ enabled: false }, runDir);
    expect(await svc.addRecord(rec(1))).toBeUndefined();
    expect(await svc.getSummary()).toEqual({ enabled: false, total_records_added: 0, total_records_exported: 0, records_in_buffer: 0, export_mode: "on_completion" });
  });

  it("exportToCoco writes a COCO file of the whole dataset", async () => {
    const out = path.join(await tmp(), "ds");
    const svc = new TrainingExportService({ enabled: true, outputDir: out }, runDir);
    for (let i = 0; i < 5; i++) await svc.addRecord(rec(i));
    await svc.exportOnCompletion();
    const file = path.join(out, "coco.json");
    await svc.exportToCoco(file);
    const coco = JSON.parse(await fs.readFile(file, "utf8"));
    expect(coco.images).toHaveLength(3);
    expect(coco.categories[0]).toMatchObject({ id: 1, name: "btn" });
  });

  it("exportToFormat converts to any registered format with its own options, validated by its descriptor", async () => {
    const out = path.join(await tmp(), "ds");
    const svc = new TrainingExportService({ enabled: true, outputDir: out }, runDir);
    for (let i = 0; i < 5; i++) await svc.addRecord(rec(i));
    await svc.exportOnCompletion();
    const file = path.join(out, "coco0.json");
    await svc.exportToFormat("coco", { out: file }, { categoryIdBase: 0 });
    expect(JSON.parse(await fs.readFile(file, "utf8")).categories[0]).toMatchObject({ id: 0, name: "btn" });
    const yolo = (await svc.exportToFormat("yolo", { out: path.join(out, "yolo") })) as { images: number };
    expect(yolo.images).toBe(3);
    await expect(svc.exportToFormat("coco", {}, { categoryIdBase: 5 })).rejects.toThrow(/categoryIdBase/);
    await expect(svc.exportToFormat("parquet")).rejects.toThrow(/unknown format "parquet": choose from coco, yolo, voc/);
  });

  it("keeps a failed batch in the buffer (nothing lost)", async () => {
    const blocker = path.join(await tmp(), "file");
    await fs.writeFile(blocker, "not a directory");
    const svc = new TrainingExportService({ enabled: true, outputDir: path.join(blocker, "ds") }, runDir);
    await svc.addRecord(rec(1));
    await expect(svc.exportNow()).rejects.toThrow();
    expect((await svc.getSummary()).records_in_buffer).toBe(1);
  });
});
