// Writes a planned session to disk: run_data/ (screenshots, debug visuals, sidecars), the
// tree events and run_data/dataset/ (grounding lines + images), then the truth.
//
// Each distinct screen is rendered once to raw pixels; its JPEG/PNG/thumbnail are encoded once
// and the same buffer is written for every capture of the unchanged screen. Screens are worked
// through a few at a time and dropped when done, so memory stays flat however long the session.
import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { normalizeOptions, planSession, rotationChunks } from "./plan.mjs";
import { averageHash, drawRectangle, encodeJpeg, encodePng, encodeThumbnail, frameBox, outsideViewport, renderRaw, thumbnailSize, withPointer } from "./pixels.mjs";
import { isoFromMicros, pyDumps, pyFloat } from "./pyjson.mjs";
import { buildTruth } from "./truth.mjs";
import { treeEventsText } from "./tree-events.mjs";

/** Names this package writes into a session directory; only these are removed before a run. */
export const SESSION_ENTRIES = ["run_data", "tree-events.jsonl", "truth.json", "hostile.json", "outside.png", "outside-secret.png"];

const MATCH_COLOR = [232, 42, 95];
const MISS_COLOR = [220, 38, 38];

function screenshotSidecar(a) {
  return pyDumps(
    {
      screenshot_number: a.number,
      action_id: a.actionId,
      active_states: a.activeStates,
      timestamp: isoFromMicros(a.at),
      filename: a.filename,
      event_type: "match_attempt",
      image_id: a.imageId,
      found: a.found,
    },
    { indent: 2, ensureAscii: false },
  );
}

function debugSidecar(a) {
  return pyDumps(
    {
      debug_number: a.debug.number,
      action_id: a.actionId,
      timestamp: isoFromMicros(a.debug.at),
      filename: a.debug.filename,
      match_info: {
        image_id: a.imageId,
        found: a.found,
        confidence: pyFloat(a.confidence),
        threshold: pyFloat(a.threshold),
        location: a.location ? { ...a.location } : null,
        method: "template_matching",
        template_size: { ...a.templateSize },
        // The translator reads a key the library no longer sends: always 0x0.
        screenshot_size: { width: 0, height: 0 },
        search_region: null,
      },
    },
    { indent: 2, ensureAscii: false },
  );
}

/** Runs `work` over `items`, at most `limit` at a time, in order of start. */
async function eachLimited(items, limit, work) {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(runners);
}

/**
 * Generates a runner session in `dir` and returns its truth (also written to `dir/truth.json`).
 * @param {string} dir
 * @param {import("./index.d.ts").SessionOptions} [options]
 */
export async function generateSession(dir, options = {}) {
  const started = performance.now();
  const o = normalizeOptions(options);
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  for (const name of SESSION_ENTRIES) await rm(path.join(root, name), { recursive: true, force: true });

  const plan = planSession(o);
  const runData = path.join(root, "run_data");
  const shotsDir = path.join(runData, "screenshots");
  const debugDir = path.join(runData, "debug_visuals");
  const datasetDir = path.join(runData, "dataset");
  const imagesDir = path.join(datasetDir, "images");
  await mkdir(shotsDir, { recursive: true });
  await mkdir(debugDir, { recursive: true });
  if (o.grounding) await mkdir(imagesDir, { recursive: true });

  // Sidecars need no pixels.
  const sidecars = [];
  for (const a of plan.attempts) {
    sidecars.push([path.join(shotsDir, a.filename.replace(/\.png$/, ".json")), screenshotSidecar(a)]);
    if (a.debug) sidecars.push([path.join(debugDir, a.debug.filename.replace(/\.png$/, ".json")), debugSidecar(a)]);
  }
  await eachLimited(sidecars, 64, ([file, text]) => writeFile(file, text));

  // Pixel work, grouped by screen.
  const byScreen = new Map();
  const work = (screen) => {
    let w = byScreen.get(screen);
    if (!w) {
      w = { screen, shots: [], debugs: [], lines: [] };
      byScreen.set(screen, w);
    }
    return w;
  };
  for (const a of plan.attempts) {
    work(a.screen).shots.push(a);
    if (a.debug) work(a.screen).debugs.push(a);
  }
  plan.grounding.lines.forEach((line, i) => work(line.screen).lines.push({ line, i }));

  const { width, height } = o;
  const groundingImages = new Array(plan.grounding.lines.length);
  const stats = { encodedScreens: 0, encodedDebugVisuals: 0, bytesWritten: 0 };
  // A few screens in flight at once, so JavaScript pixel work overlaps sharp's threads.
  const limit = 4;
  await eachLimited([...byScreen.values()], limit, async (w) => {
    const layout = plan.layoutOf(w.screen);
    const raw = await renderRaw(layout, width, height);
    layout.svg = null; // rendered: the SVG text is not needed again
    stats.encodedScreens++;
    const writes = [];
    const writeAll = (files, bytes) => {
      for (const file of files) {
        stats.bytesWritten += bytes.length;
        writes.push(writeFile(file, bytes));
      }
    };
    const fullShots = w.shots.filter((a) => !a.thumbnail).map((a) => path.join(shotsDir, a.filename));
    const thumbShots = w.shots.filter((a) => a.thumbnail).map((a) => path.join(shotsDir, a.filename));
    const encodes = [];
    if (fullShots.length) encodes.push((o.jpegInPng ? encodeJpeg(raw, width, height) : encodePng(raw, width, height)).then((bytes) => writeAll(fullShots, bytes)));
    if (thumbShots.length) encodes.push(encodeThumbnail(raw, width, height).then((bytes) => writeAll(thumbShots, bytes)));
    // Identical annotations on the same screen give identical bytes: encode each once.
    const debugGroups = new Map();
    for (const a of w.debugs) {
      const box = a.location ? { ...a.location, w: a.templateSize.width, h: a.templateSize.height } : null;
      const key = box ? `${box.x},${box.y},${box.w},${box.h}` : "miss";
      if (!debugGroups.has(key)) debugGroups.set(key, { box, files: [] });
      debugGroups.get(key).files.push(path.join(debugDir, a.debug.filename));
    }
    for (const { line, i } of w.lines) {
      let pixels = line.pointer ? withPointer(raw, width, height, line.pointer.x, line.pointer.y, layout.scale) : raw;
      if (line.clip < width) pixels = outsideViewport(pixels, width, height, line.clip);
      encodes.push(
        Promise.all([encodePng(pixels, width, height, 6), line.phash ? averageHash(pixels, width, height) : undefined]).then(([png, phash]) => {
          groundingImages[i] = { png, hash: createHash("sha256").update(png).digest("hex").slice(0, 16), phash };
        }),
      );
    }
    await Promise.all(encodes);
    // Debug visuals: the annotation is drawn into the frame itself, encoded, then taken out
    // again; one at a time, since the encoder reads the same memory.
    const t = Math.max(2, Math.round(2 * layout.scale));
    for (const { box, files } of debugGroups.values()) {
      const restore = box ? drawRectangle(raw, width, height, box, MATCH_COLOR, t) : drawRectangle(raw, width, height, frameBox(width, height, 2 * t), MISS_COLOR, 2 * t);
      const bytes = await encodePng(raw, width, height);
      restore();
      stats.encodedDebugVisuals++;
      writeAll(files, bytes);
    }
    await Promise.all(writes);
  });

  // Grounding lines in writing order; a line whose image is already stored is dropped.
  const written = [];
  if (o.grounding) {
    const seen = new Set();
    for (const [i, line] of plan.grounding.lines.entries()) {
      const image = groundingImages[i];
      if (seen.has(image.hash)) continue;
      seen.add(image.hash);
      await writeFile(path.join(imagesDir, `${image.hash}.png`), image.png);
      const record = {
        image_hash: image.hash,
        image_path: `images/${image.hash}.png`,
        viewport_width: line.viewportWidth,
        viewport_height: line.viewportHeight,
        elements: line.elements,
        action: line.action ?? undefined,
        source: line.source,
        timestamp: isoFromMicros(line.at, "+00:00"),
        session_id: line.sessionId ?? undefined,
        phash: image.phash,
      };
      written.push({ line, record, text: pyDumps(record, { separators: [",", ":"], ensureAscii: true }) });
    }
    for (const chunk of rotationChunks(written.length, o.groundingRotate)) {
      const part = written.slice(...chunk.range);
      for (const w of part) w.file = chunk.file;
      await writeFile(path.join(datasetDir, chunk.file), part.map((w) => w.text + "\n").join(""));
    }
  }

  const eventsFile = path.join(root, "tree-events.jsonl");
  if (o.events) await writeFile(eventsFile, treeEventsText(plan, o.eventsForm));

  const truth = buildTruth(plan, {
    runData,
    eventsFile: o.events ? eventsFile : undefined,
    groundingDir: o.grounding ? datasetDir : undefined,
    grounding: written,
    thumbnail: thumbnailSize(width, height),
  });
  truth.stats = stats;
  await writeFile(path.join(root, "truth.json"), JSON.stringify(truth, null, 2) + "\n");
  // The duration differs from run to run: returned, not written.
  return { ...truth, stats: { ...stats, durationMs: Math.round(performance.now() - started) } };
}
