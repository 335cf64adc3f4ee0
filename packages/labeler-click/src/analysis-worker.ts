// The worker thread of AnalysisThreads: decodes a screenshot once for the clicks sent with it, and infers
// the element under each (see click-analyser.ts).
import { parentPort } from "node:worker_threads";
import type { ResolvedImage } from "@qontinui/export-core";
import type { AnalysisReply, AnalysisRequest } from "./analysis-threads.js";
import { inferElement } from "./element-inference.js";
import { Scratch } from "./raster.js";
import { PixelDecodeError, ScreenshotPixels } from "./screenshot-pixels.js";

const pixels = new ScreenshotPixels(4);
const scratch = new Scratch();

parentPort?.on("message", async (m: AnalysisRequest) => {
  const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
  const image = { id: m.sha256.slice(0, 16), sha256: m.sha256, width: m.width, height: m.height, bytes } as ResolvedImage;
  let reply: AnalysisReply;
  try {
    // Asked for together, so decoded together (ScreenshotPixels batches the requests of one turn).
    reply = { id: m.id, results: await Promise.all(m.clicks.map(([x, y]) => inferElement(pixels, scratch, image, x, y))) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e), decode: e instanceof PixelDecodeError };
  }
  parentPort?.postMessage(reply);
});
