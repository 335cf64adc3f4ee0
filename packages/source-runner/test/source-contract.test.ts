import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { checkSourceContract, type SourceContractAdapter } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { groundingSource, runDirectorySource, treeEventsSource } from "../src/index.js";

// Every source of this package keeps core's source contract (run-data's adapter is in run-data-source.test.ts).

const line = (v: unknown) => `${JSON.stringify(v)}\n`;
const prepend = async (file: string, text: string) => fs.writeFile(file, text + (await fs.readFile(file, "utf8")));

const records: SourceContractAdapter = {
  name: "records",
  async writeSession(dir, images) {
    await fs.mkdir(path.join(dir, "screenshots"));
    let text = "";
    for (const [i, png] of images.entries()) {
      await fs.writeFile(path.join(dir, "screenshots", `s${i}.png`), png);
      text += line({ action_id: `a${i}`, action_type: "CLICK", screenshot_reference: `screenshots/s${i}.png` });
    }
    await fs.writeFile(path.join(dir, "records.jsonl"), text);
  },
  addMalformed: (dir) => prepend(path.join(dir, "records.jsonl"), '{"action_id": "torn", "scr\n'),
  async addSymlinkOut(dir, outside) {
    await fs.symlink(outside, path.join(dir, "screenshots", "out.png"));
    await fs.appendFile(path.join(dir, "records.jsonl"), line({ action_id: "out", screenshot_reference: "screenshots/out.png" }));
  },
  open: (dir) => runDirectorySource(dir),
};

const grounding: SourceContractAdapter = {
  name: "grounding",
  async writeSession(dir, images) {
    await fs.mkdir(path.join(dir, "images"));
    let text = "";
    for (const [i, png] of images.entries()) {
      const hash = createHash("sha256").update(png).digest("hex").slice(0, 16);
      await fs.writeFile(path.join(dir, "images", `${hash}.png`), png);
      text += line({ image_hash: hash, image_path: `images/${hash}.png`, viewport_width: 64, viewport_height: 48, elements: [{ role: "button", text: `b${i}`, bbox: [1, 1, 10, 10] }], source: "static", timestamp: `2026-02-03T10:15:4${i}.000000+00:00` });
    }
    await fs.writeFile(path.join(dir, "grounding.jsonl"), text);
  },
  addMalformed: (dir) => prepend(path.join(dir, "grounding.jsonl"), "not json at all\n"),
  async addSymlinkOut(dir, outside) {
    await fs.symlink(outside, path.join(dir, "images", "0123456789abcdef.png"));
    await fs.appendFile(path.join(dir, "grounding.jsonl"), line({ image_hash: "0123456789abcdef", image_path: "images/0123456789abcdef.png", viewport_width: 9, viewport_height: 9, elements: [], source: "dynamic", timestamp: "2026-02-03T10:16:00+00:00" }));
  },
  open: (dir) => groundingSource(dir),
};

const completed = (id: string, seq: number, reference: string) => ({
  type: "tree_event",
  eventType: "action_completed",
  sequence: seq,
  timestamp: 1770113742 + seq,
  path: [{ id, name: "CLICK", nodeType: "action" }],
  node: { id, nodeType: "action", name: "CLICK", timestamp: 1770113741 + seq, status: "success", metadata: { config: {}, isExpandable: false, isInline: false, outcome: { success: true, retryCount: 0 }, screenshotReference: reference } },
});

const treeEvents: SourceContractAdapter = {
  name: "tree-events",
  async writeSession(dir, images) {
    await fs.mkdir(path.join(dir, "screenshots"));
    let text = line({ type: "tree_event", eventType: "workflow_started", sequence: 0, timestamp: 1770113740, path: [], node: { id: "wf", nodeType: "workflow", name: "W", timestamp: 1770113740, status: "running", metadata: { config: {}, isExpandable: true, isInline: false } } });
    for (const [i, png] of images.entries()) {
      const ref = `screenshots/screenshot-${String(i + 1).padStart(4, "0")}.png`;
      await fs.writeFile(path.join(dir, ref), png);
      text += line(completed(`a${i}`, 2 * i + 1, ref));
    }
    await fs.writeFile(path.join(dir, "events.jsonl"), text);
  },
  addMalformed: (dir) => prepend(path.join(dir, "events.jsonl"), '{"type":"tree_event","eventType":"action_comp\n'),
  async addSymlinkOut(dir, outside) {
    await fs.symlink(outside, path.join(dir, "screenshots", "screenshot-0099.png"));
    await fs.appendFile(path.join(dir, "events.jsonl"), line(completed("out", 99, "screenshots/screenshot-0099.png")));
  },
  open: (dir) => treeEventsSource(path.join(dir, "events.jsonl"), dir),
};

describe("core's source contract", () => {
  it.each([records, grounding, treeEvents])("$name keeps it: order, bytes, stable reads, named problems, no symlink out, quiet abort", async (adapter) => {
    const report = await checkSourceContract(adapter);
    expect(report.failures).toEqual([]);
    expect(report.recordsChecked).toBeGreaterThanOrEqual(8);
  });
});
