// Bad input added to a generated session, each piece with what a reader must make of it.
// Everything is appended after the session's own files (higher numbers, last lines), so the
// session's truth stays valid for the rest.
import { lstat, readFile, readdir, symlink, writeFile, appendFile } from "node:fs/promises";
import path from "node:path";
import { seededRandom } from "@qontinui/export-core";
import { pad4 } from "./plan.mjs";
import { isoFromMicros, pyDumps, pyFloat } from "./pyjson.mjs";

const HOSTILE_ACTION_ID = "../../etc/passwd";
/** NUL-free but weird: backslashes, a right-to-left override, a newline, quotes. */
const WEIRD_ACTION_ID = '..\\..\\Windows\\System32\\ "evil" \u202egnp.exe\nsecond line';

async function highestNumber(dir, pattern) {
  let max = 0;
  for (const name of await readdir(dir).catch(() => [])) {
    const m = pattern.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

async function exists(file) {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Which form the events file is in, from its first line. */
async function eventsForm(file) {
  const text = await readFile(file, "utf8");
  const first = JSON.parse(text.slice(0, text.indexOf("\n")));
  if ("eventType" in first) return "camel";
  return first.path?.[0] && "type" in first.path[0] ? "bridge" : "snake";
}

const sidecar = (number, actionId, imageId, found, timestamp, states = []) =>
  pyDumps(
    { screenshot_number: number, action_id: actionId, active_states: states, timestamp, filename: `screenshot-${pad4(number)}.png`, event_type: "match_attempt", image_id: imageId, found },
    { indent: 2, ensureAscii: false },
  );

/**
 * Adds hostile input to the session in `dir` (made by generateSession) and returns what was
 * added, each with what a reader must report. Also written to `dir/hostile.json`.
 * @param {string} dir
 * @returns {Promise<import("./index.d.ts").HostileTruth>}
 */
export async function writeHostileInputs(dir) {
  const root = path.resolve(dir);
  const runData = path.join(root, "run_data");
  const shots = path.join(runData, "screenshots");
  const debug = path.join(runData, "debug_visuals");
  if (!(await exists(shots))) throw new Error(`${shots} does not exist: run generateSession("${dir}") first`);
  const rel = (file) => path.relative(root, file).split(path.sep).join("/");
  const items = [];
  const add = (kind, file, what, extra = {}) => items.push({ kind, file: rel(file), what, ...extra });

  // A real screenshot's bytes, to make images that decode fine.
  const names = (await readdir(shots)).filter((n) => /^screenshot-\d+\.png$/.test(n)).sort();
  let sample = null;
  for (const name of names) {
    const stat = await lstat(path.join(shots, name));
    if (stat.isFile()) {
      sample = await readFile(path.join(shots, name));
      break;
    }
  }
  if (!sample) throw new Error(`no screenshot in ${shots} to copy`);
  let shot = await highestNumber(shots, /^screenshot-(\d+)\.(?:png|json)$/);
  let dbg = await highestNumber(debug, /^debug-(\d+)-/);
  // Late on the session's day, after everything the session wrote.
  const stamp = (s, micros = 0) => isoFromMicros(Date.UTC(2026, 1, 3, 23, 59, 0) * 1000 + s * 1_000_000 + 123_456 + micros);

  // 1. A sidecar whose image was never written.
  shot++;
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, "unknown", "img-orphan", false, stamp(1)));
  add("sidecar-without-image", path.join(shots, `screenshot-${pad4(shot)}.json`), "screenshot sidecar whose .png does not exist: skip it and report the missing image");

  // 2. An image without its sidecar.
  shot++;
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.png`), sample);
  add("image-without-sidecar", path.join(shots, `screenshot-${pad4(shot)}.png`), "screenshot without its .json sidecar: skip it (no action_id, image_id or found) and report it");

  // 3. Hostile action ids: a path, and a NUL-free but weird name.
  shot++;
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.png`), sample);
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, HOSTILE_ACTION_ID, "img-passwd", false, stamp(3)));
  add("hostile-action-id", path.join(shots, `screenshot-${pad4(shot)}.json`), `action_id is "${HOSTILE_ACTION_ID}": an opaque string, never a path; no action node owns it`, { actionId: HOSTILE_ACTION_ID });
  shot++;
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.png`), sample);
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, WEIRD_ACTION_ID, "img-weird", false, stamp(4)));
  add("weird-action-id", path.join(shots, `screenshot-${pad4(shot)}.json`), "action_id with backslashes, quotes, a right-to-left override and a newline: keep it as data, escape it in reports, never use it in a path", { actionId: WEIRD_ACTION_ID });

  // 4. A screenshot that is a symlink to a file outside run_data.
  shot++;
  const secret = path.join(root, "outside-secret.png");
  await writeFile(secret, sample);
  const link = path.join(shots, `screenshot-${pad4(shot)}.png`);
  await symlink(secret, link);
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, "unknown", "img-secret", false, stamp(5)));
  add("symlink-outside", link, "screenshot is a symlink to a file outside run_data: refuse to read it and report it");

  // 5. A .png whose bytes are not an image.
  shot++;
  const random = seededRandom(0x6a7ba6e);
  const garbage = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
  garbage.write("GIF89a-not-really", 0, "latin1");
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.png`), garbage);
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, "unknown", "img-garbage", false, stamp(6)));
  add("garbage-image", path.join(shots, `screenshot-${pad4(shot)}.png`), "a .png whose bytes are no image: report it as undecodable, do not crash");

  // 6. Bare NaN / Infinity, as Python's json writes them, in a debug sidecar with a partner.
  shot++;
  dbg++;
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.png`), sample);
  await writeFile(path.join(shots, `screenshot-${pad4(shot)}.json`), sidecar(shot, "nan-check-1", "img-nan", true, stamp(7)));
  const nanName = `debug-${pad4(dbg)}-action-nan-check-1`;
  await writeFile(path.join(debug, `${nanName}.png`), sample);
  await writeFile(
    path.join(debug, `${nanName}.json`),
    pyDumps(
      {
        debug_number: dbg,
        action_id: "nan-check-1",
        timestamp: stamp(7, 900),
        filename: `${nanName}.png`,
        match_info: { image_id: "img-nan", found: true, confidence: pyFloat(NaN), threshold: pyFloat(Infinity), location: { x: 10, y: 10 }, method: "template_matching", template_size: { width: 40, height: 20 }, screenshot_size: { width: 0, height: 0 }, search_region: null },
      },
      { indent: 2, ensureAscii: false },
    ),
  );
  add("non-finite-number", path.join(debug, `${nanName}.json`), "bare NaN (confidence) and Infinity (threshold) in a debug sidecar: parse it as Python json does, do not crash, report the non-finite values");

  // 7. A debug visual with no screenshot partner.
  dbg++;
  const ghost = `debug-${pad4(dbg)}-action-ghost-action-9`;
  await writeFile(path.join(debug, `${ghost}.png`), sample);
  await writeFile(
    path.join(debug, `${ghost}.json`),
    pyDumps(
      {
        debug_number: dbg,
        action_id: "ghost-action-9",
        timestamp: stamp(8),
        filename: `${ghost}.png`,
        match_info: { image_id: "img-ghost", found: true, confidence: pyFloat(0.97), threshold: pyFloat(0.85), location: { x: 100, y: 100 }, method: "template_matching", template_size: { width: 60, height: 30 }, screenshot_size: { width: 0, height: 0 }, search_region: null },
      },
      { indent: 2, ensureAscii: false },
    ),
  );
  add("debug-without-partner", path.join(debug, `${ghost}.json`), "debug visual with no earlier screenshot of the same action_id, image_id and found: no box, report it");

  // 8. Events: an unknown eventType, then a torn last line.
  const eventsFile = path.join(root, "tree-events.jsonl");
  if (await exists(eventsFile)) {
    const form = await eventsForm(eventsFile);
    const lines = (await readFile(eventsFile, "utf8")).split("\n").filter(Boolean).length;
    const node = { id: "paused-node-1", name: "CLICK", timestamp: 1770163199.5, status: "running", metadata: {} };
    const unknown =
      form === "camel"
        ? { type: "tree_event", eventType: "action_paused", sequence: 999999, timestamp: 1770163199.5, path: [], node: { ...node, nodeType: "action", metadata: { config: {}, isExpandable: false, isInline: false } } }
        : { type: "tree_event", event_type: "action_paused", sequence: 999999, timestamp: 1770163199.5, path: [], node: { ...node, node_type: "action", metadata: { config: {}, is_expandable: false, is_inline: false } } };
    await appendFile(eventsFile, JSON.stringify(unknown) + "\n");
    add("unknown-event-type", eventsFile, 'event line with eventType "action_paused", which no reader knows: skip the line and report it', { line: lines + 1 });
    const completed = form === "camel" ? { ...unknown, eventType: "action_completed" } : { ...unknown, event_type: "action_completed" };
    const torn = JSON.stringify(completed).slice(0, 70);
    await appendFile(eventsFile, torn);
    add("torn-events-line", eventsFile, "last line cut mid-write (no closing brace, no newline): report it, keep every line before it", { line: lines + 2 });
  }

  // 9. Grounding: an image_path escaping the dataset, an absolute one, then a torn last line.
  const groundingFile = path.join(runData, "dataset", "grounding.jsonl");
  if (await exists(groundingFile)) {
    const outside = path.join(root, "outside.png");
    await writeFile(outside, sample);
    const lines = (await readFile(groundingFile, "utf8")).split("\n").filter(Boolean).length;
    const line = (imagePath) => JSON.stringify({ image_hash: "0000000000000000", image_path: imagePath, viewport_width: 1280, viewport_height: 720, elements: [{ role: "button", text: "Steal", bbox: [0, 0, 10, 10], interactable: true }], source: "static", timestamp: "2026-02-03T23:59:59+00:00" });
    await appendFile(groundingFile, line("../../outside.png") + "\n");
    add("grounding-path-escape", groundingFile, 'image_path "../../outside.png" leaves the dataset directory (the file exists there): refuse it and report it', { line: lines + 1 });
    await appendFile(groundingFile, line(outside) + "\n");
    add("grounding-absolute-path", groundingFile, `image_path is absolute (${outside}): refuse it and report it`, { line: lines + 2 });
    await appendFile(groundingFile, line("images/0000000000000000.png").slice(0, 60));
    add("torn-grounding-line", groundingFile, "last line cut mid-write: report it, keep every line before it", { line: lines + 3 });
  }

  await writeFile(path.join(root, "hostile.json"), JSON.stringify(items, null, 2) + "\n");
  return items;
}
