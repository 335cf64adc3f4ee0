import { promises as fs } from "node:fs";
import path from "node:path";
import { runPipeline, silentLogger } from "@qontinui/export-core";
import { encodePng, memorySource } from "@qontinui/export-core/testing";
import { intermediateWriter } from "@qontinui/writer-intermediate";
import { describe, expect, it } from "vitest";
import { cocoWriter, toCoco } from "../src/index.js";
import { boxesLabeler, readCoco, tempDir } from "./helpers.js";

// Item 4 of issue 18: an image several records share has one context, the same in every path:
// the first record's action, the union of the states, the earliest timestamp.
describe("an image shared by several records", () => {
  it("has the union of their states and the earliest timestamp, in the dataset, the in-pass COCO and the coco converter", async () => {
    const run = await tempDir();
    await fs.writeFile(path.join(run, "shot.png"), encodePng(40, 30, (x, y) => [x * 5, y * 7, 9]));
    await fs.writeFile(path.join(run, "other.png"), encodePng(40, 30, (x, y) => [y * 5, x * 7, 90]));
    const record = (id: string, shot: string, states: string[], start: number, boxes: unknown[] = []) => ({
      action_id: id,
      action_type: id === "r1" ? "FIND" : "CLICK",
      success: true,
      screenshot_reference: shot,
      active_states_before: states,
      start_time: start,
      boxes,
    });
    const records = [
      record("r1", "shot.png", ["login"], 1_700_000_005, [{ name: "button", bbox: [1, 1, 10, 8] }]),
      record("r2", "other.png", ["home"], 1_700_000_006),
      record("r3", "shot.png", ["dialog", "login"], 1_700_000_001, [{ name: "field", bbox: [5, 10, 20, 6] }]),
      // No new box, only a new state: the image's context still changes.
      record("r4", "shot.png", ["banner"], 1_700_000_009, [{ name: "button", bbox: [1, 1, 10, 8] }]),
    ];
    const dataset = path.join(await tempDir(), "dataset");
    await runPipeline({
      source: memorySource(run, records),
      labelers: [boxesLabeler],
      writers: [intermediateWriter({ outDir: dataset }), cocoWriter({ outDir: path.join(dataset, "coco-in-pass"), imagesDir: path.join(dataset, "images") })],
      logger: silentLogger,
    });
    const want = ["banner", "dialog", "login"];

    const files = await Promise.all(
      (await fs.readdir(path.join(dataset, "annotations"))).map(async (f) => JSON.parse(await fs.readFile(path.join(dataset, "annotations", f), "utf8"))),
    );
    const shared = files.find((f) => f.annotations.length === 2);
    expect(shared.context).toEqual({ action_type: "FIND", active_states: want, timestamp: 1_700_000_001, success: true });

    const inPass = await readCoco(path.join(dataset, "coco-in-pass", "dataset.json"));
    await toCoco(dataset, { out: path.join(dataset, "converted.json") });
    const converted = await readCoco(path.join(dataset, "converted.json"));
    const statesOf = (coco: typeof inPass) => Object.fromEntries(coco.images.map((i) => [i.content_hash, i.active_states]));
    expect(statesOf(inPass)[shared.image_id]).toEqual(want);
    expect(statesOf(converted)).toEqual(statesOf(inPass));
  });
});
