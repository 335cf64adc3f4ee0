// TrainingExportService.exportRun on what the real runner leaves on disk (run_data/, tree events, grounding).
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateSession, type SessionTruth } from "@qontinui/runner-sessions";
import { validateDataset } from "@qontinui/writer-intermediate";
import { beforeAll, describe, expect, it } from "vitest";
import { TrainingExportService } from "../src/index.js";

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), "qx-svc-run-"));

let sessionDir: string;
let truth: SessionTruth;

beforeAll(async () => {
  sessionDir = path.join(await tmp(), "session");
  truth = await generateSession(sessionDir, { seed: 3, width: 640, height: 360, actions: 10, groundingLines: 4 });
});

async function manifestLines(dir: string): Promise<number> {
  return (await fs.readFile(path.join(dir, "manifest.jsonl"), "utf8")).split("\n").filter(Boolean).length;
}

describe("TrainingExportService.exportRun", () => {
  it("exports a runner session into a valid dataset, and adds nothing the second time", async () => {
    const outputDir = path.join(await tmp(), "ds");
    const info: string[] = [];
    const service = new TrainingExportService({ enabled: true, outputDir }, sessionDir, {
      logger: { info: (m: string) => info.push(m), warn: () => {} },
    });
    const first = await service.exportRun(sessionDir);
    expect(first).toBeDefined();
    expect(first!.recordsExported).toBeGreaterThan(0);
    // Every screenshot attempt and every grounding line is a record.
    expect(first!.recordsExported).toBe(truth.counts.screenshots + truth.counts.groundingLines);
    expect(first!.annotationsBySource.template_matching).toBeGreaterThan(0);
    expect(first!.annotationsBySource.grounding).toBe(truth.groundingBoxes.length);
    expect(info.some((m) => /as run-data \(.*events tree-events\.jsonl\) \+ grounding/.test(m))).toBe(true);

    const report = await validateDataset(outputDir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const lines = await manifestLines(outputDir);
    expect(lines).toBe(first!.recordsExported);

    const second = await service.exportRun(sessionDir);
    expect(second!.recordsExported).toBe(0);
    expect(second!.recordsAlreadyExported).toBe(first!.recordsExported);
    expect(await manifestLines(outputDir)).toBe(lines);
    expect((await validateDataset(outputDir)).ok).toBe(true);

    const summary = await service.getSummary();
    expect(summary.total_records_exported).toBe(first!.recordsExported);
  });

  it("takes the format and events file like the CLI", async () => {
    const outputDir = path.join(await tmp(), "ds");
    const service = new TrainingExportService({ enabled: true, outputDir }, sessionDir);
    const s = await service.exportRun(sessionDir, { format: "grounding" });
    expect(s!.recordsExported).toBe(truth.counts.groundingLines);
    expect(s!.annotationsBySource.template_matching ?? 0).toBe(0);
    const e = await service.exportRun(sessionDir, { format: "tree-events", events: truth.eventsFile! });
    expect(e!.recordsExported).toBeGreaterThan(0);
    expect((await validateDataset(outputDir)).ok).toBe(true);
    await expect(service.exportRun(sessionDir, { events: path.join(sessionDir, "missing.jsonl") })).rejects.toThrow(/does not exist/);
  });

  it("a disabled service does nothing", async () => {
    const outputDir = path.join(await tmp(), "ds");
    const service = new TrainingExportService({ enabled: false, outputDir }, sessionDir);
    expect(await service.exportRun(sessionDir)).toBeUndefined();
    await expect(fs.stat(outputDir)).rejects.toThrow();
  });
});
