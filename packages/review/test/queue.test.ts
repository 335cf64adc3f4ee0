import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { encodePng } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { type ImageSummary, orderQueue, ReviewSession, startReviewServer } from "../src/index.js";
import { makeDataset, request, tempDir } from "./fixture.js";

const summary = (id: string, order: number, fields: Partial<ImageSummary>): ImageSummary => ({
  id,
  order,
  reviewed: false,
  boxes: 1,
  unverified: 1,
  minConfidence: 0.5,
  confidenceRange: [0.5, 0.5],
  categories: ["button"],
  sources: ["template_matching"],
  ...fields,
});

describe("review queue", () => {
  it("orders by lowest unverified confidence, then rarest category, then unreviewed, then manifest order", () => {
    const items = [
      summary("verified-all", 0, { unverified: 0, minConfidence: null, reviewed: true }),
      summary("common-0.5", 1, {}),
      summary("rare-0.5", 2, { categories: ["link"] }),
      summary("low-0.1", 3, { minConfidence: 0.1, confidenceRange: [0.1, 0.1] }),
      summary("no-boxes-pending", 4, { boxes: 0, unverified: 0, minConfidence: null, confidenceRange: null, categories: [], sources: [] }),
      summary("common-0.5-later", 5, {}),
      summary("reviewed-0.5", 6, { reviewed: true, categories: ["link"] }),
      summary("verified-pending", 7, { unverified: 0, minConfidence: null }),
    ];
    const counts = new Map([
      ["button", 100],
      ["link", 2],
    ]);
    expect(orderQueue(items, {}, counts).map((s) => s.id)).toEqual([
      "low-0.1",
      "rare-0.5",
      "reviewed-0.5",
      "common-0.5",
      "common-0.5-later",
      "verified-pending",
      "verified-all",
      "no-boxes-pending",
    ]);
    expect(orderQueue(items, { state: "pending" }, counts).map((s) => s.id)).not.toContain("verified-all");
    expect(orderQueue(items, { category: "link" }, counts).map((s) => s.id)).toEqual(["rare-0.5", "reviewed-0.5"]);
    expect(orderQueue(items, { maxConfidence: 0.2 }, counts).map((s) => s.id)).toEqual(["low-0.1"]);
  });

  it("on a real dataset: the image with the least sure box first", async () => {
    const fx = await makeDataset();
    const review = await ReviewSession.open(fx.dir);
    expect(review.queue().map((s) => s.id)).toEqual([fx.ids.a, fx.ids.b, fx.ids.c]);
    expect(review.queue({ source: "template_matching", state: "unverified" }).map((s) => s.id)).toEqual([fx.ids.a, fx.ids.b]);
  });

  it("10,000 images: queue built from the annotation files, images served one at a time (times printed, not asserted)", async () => {
    const dir = await tempDir("qreview-10k-");
    await fs.mkdir(path.join(dir, "images"));
    await fs.mkdir(path.join(dir, "annotations"));
    const categories = ["button", "icon", "link", "input", "menu", "tab", "checkbox", "rare"];
    const lines: string[] = [];
    let boxes = 0;
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      const png = encodePng(4, 3, (x, y) => [i & 255, (i >> 8) & 255, (x + y) * 20]);
      const id = createHash("sha256").update(png).digest("hex").slice(0, 16);
      await fs.writeFile(path.join(dir, "images", `${id}.png`), png);
      const n = 1 + (i % 4);
      const annotations = Array.from({ length: n }, (_, k) => {
        const cat = i % 997 === 0 && k === 0 ? 7 : (i + k) % 7;
        return { bbox: [0, 0, 2, 2], category_id: cat, category_name: categories[cat], confidence: ((i * 7919 + k * 104729) % 1000) / 1000, source: "template_matching", verified: (i + k) % 5 === 0 };
      });
      boxes += n;
      const doc = { image_id: id, image_filename: `${id}.png`, image_width: 4, image_height: 3, annotations, context: { action_type: "FIND", active_states: [], timestamp: i, success: true }, version: "1.0.0" };
      await fs.writeFile(path.join(dir, "annotations", `${id}.json`), JSON.stringify(doc, null, 2));
      lines.push(JSON.stringify({ id, image: `images/${id}.png`, annotations: `annotations/${id}.json`, action_id: `a${i}`, action_type: "FIND", timestamp: i, active_states: [], source: "test", is_new: true, reviewed: false }));
    }
    await fs.writeFile(path.join(dir, "manifest.jsonl"), `${lines.join("\n")}\n`);
    const categoryMap = Object.fromEntries(categories.map((c, i) => [c, i]));
    await fs.writeFile(
      path.join(dir, "metadata.json"),
      JSON.stringify({ dataset_version: "1.0.0", created: new Date().toISOString(), total_images: N, total_annotations: boxes, category_map: categoryMap, categories: categories.map((name, id) => ({ id, name })), statistics: { total_records_processed: N, records_with_screenshots: N, records_with_matches: N, records_with_clicks: 0, skipped_records: 0, export_time_seconds: 0 }, format: "intermediate", description: "10k" }),
    );

    let t = performance.now();
    const server = await startReviewServer({ dataset: dir });
    const openMs = performance.now() - t;
    try {
      t = performance.now();
      const queue = server.session.queue();
      const orderMs = performance.now() - t;
      expect(queue).toHaveLength(N);
      expect(queue[0]!.minConfidence).toBe(Math.min(...queue.map((s) => s.minConfidence ?? 1)));
      t = performance.now();
      const res = await request(server.port, "/api/queue", { headers: { "x-review-token": server.token } });
      const httpMs = performance.now() - t;
      expect(res.status).toBe(200);
      t = performance.now();
      const filtered = await request(server.port, "/api/queue?category=rare&state=pending", { headers: { "x-review-token": server.token } });
      const filterMs = performance.now() - t;
      expect(JSON.parse(filtered.body).items.length).toBe(Math.ceil(N / 997));
      t = performance.now();
      const first = queue[0]!.id;
      const image = await request(server.port, `/api/images/${first}/file`, { headers: { "x-review-token": server.token } });
      const boxesRes = await request(server.port, `/api/images/${first}`, { headers: { "x-review-token": server.token } });
      const imageMs = performance.now() - t;
      expect(image.status).toBe(200);
      expect(boxesRes.status).toBe(200);
      t = performance.now();
      await server.session.decide({ image: first, action: "accept" });
      const decideMs = performance.now() - t;
      const f = (ms: number) => `${ms.toFixed(1)} ms`;
      console.log(
        `[review 10k] ${N} images, ${boxes} boxes: open (manifest + every annotation file read) ${f(openMs)}; queue order ${f(orderMs)}; GET /api/queue ${f(httpMs)} (${(res.body.length / 1024).toFixed(0)} KiB); filtered queue ${f(filterMs)}; first image + boxes ${f(imageMs)}; one decision (incl. manifest rewrite) ${f(decideMs)}`,
      );
    } finally {
      await server.close();
    }
  });
});
