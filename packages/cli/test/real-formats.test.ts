// Acceptance test of reading the real runner's artifacts (RUN_FORMATS.md): run_data/, tree events,
// grounding.jsonl. Sessions come from @qontinui/runner-sessions with their ground truth; the
// dataset is read back from disk as a user's training code would.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { generateSession, type HostileTruth, type SessionTruth, writeHostileInputs } from "@qontinui/runner-sessions";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { captureIO, tempDir } from "./fixtures.js";

type Box = [number, number, number, number];

interface DiskAnnotation {
  bbox: Box;
  category_name: string;
  source?: string;
}

interface DiskImage {
  id: string;
  file: string;
  width: number;
  height: number;
  annotations: DiskAnnotation[];
}

interface Disk {
  manifest: { id: string; image: string; annotations: string; action_id: string }[];
  images: Map<string, DiskImage>;
}

const sha16 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const idOf = async (file: string) => sha16(await fs.readFile(file));

/** The dataset as it is on disk: manifest lines, annotation files, image files (checked against their id). */
async function readDataset(ds: string): Promise<Disk> {
  const text = await fs.readFile(path.join(ds, "manifest.jsonl"), "utf8");
  const manifest = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const images = new Map<string, DiskImage>();
  const files = await fs.readdir(path.join(ds, "images"));
  for (const f of files) {
    const id = path.parse(f).name;
    expect(f).toMatch(/^[0-9a-f]{16}\.[a-z]+$/);
    expect(await idOf(path.join(ds, "images", f)), `images/${f} is not named by its content`).toBe(id);
    const ann = JSON.parse(await fs.readFile(path.join(ds, "annotations", `${id}.json`), "utf8"));
    expect(ann.image_id).toBe(id);
    images.set(id, { id, file: f, width: ann.image_width, height: ann.image_height, annotations: ann.annotations });
  }
  expect((await fs.readdir(path.join(ds, "annotations"))).sort()).toEqual(files.map((f) => `${path.parse(f).name}.json`).sort());
  for (const m of manifest) expect(images.has(m.id), `manifest id ${m.id} has an image`).toBe(true);
  return { manifest, images };
}

function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

interface Expected {
  /** The source file the box is on (its bytes give the dataset image id). */
  file: string;
  bbox: Box;
  category: string;
}

/** How many expected boxes are in their image's annotation file with the same category and IoU >= 0.95. */
async function countFound(disk: Disk, expected: Expected[]): Promise<{ found: number; expected: number; missing: Expected[] }> {
  const ids = new Map<string, string>();
  const missing: Expected[] = [];
  for (const e of expected) {
    if (!ids.has(e.file)) ids.set(e.file, await idOf(e.file));
    const image = disk.images.get(ids.get(e.file)!);
    const hit = image?.annotations.some((a) => a.category_name === e.category && iou(a.bbox, e.bbox) >= 0.95);
    if (!hit) missing.push(e);
  }
  return { found: expected.length - missing.length, expected: expected.length, missing };
}

const templateBoxes = (t: SessionTruth): Expected[] => t.templateBoxes.map((b) => ({ file: path.join(t.runData, b.reference), bbox: b.imageBbox, category: b.category }));
const eventBoxes = (t: SessionTruth): Expected[] => t.eventBoxes.map((b) => ({ file: path.join(t.runData, b.reference), bbox: b.imageBbox, category: b.category }));
const groundingBoxes = (t: SessionTruth): Expected[] => t.groundingBoxes.map((b) => ({ file: path.join(t.groundingDir!, b.imagePath), bbox: b.bbox, category: b.role }));

/** ≥ 99% of the expected boxes found (and at least one expected); prints the counts. */
async function expectBoxes(label: string, disk: Disk, expected: Expected[]) {
  const r = await countFound(disk, expected);
  console.log(`${label}: ${r.found}/${r.expected} boxes found`);
  expect(r.expected).toBeGreaterThan(0);
  expect(r.found / r.expected, `${label}: missing ${JSON.stringify(r.missing.slice(0, 3))}`).toBeGreaterThanOrEqual(0.99);
  return r;
}

function expectBoxesInside(disk: Disk) {
  let n = 0;
  for (const image of disk.images.values()) {
    expect(image.width).toBeGreaterThan(0);
    expect(image.height).toBeGreaterThan(0);
    for (const a of image.annotations) {
      const [x, y, w, h] = a.bbox;
      n++;
      expect(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= image.width && y + h <= image.height, `${image.id}: ${JSON.stringify(a)} outside ${image.width}x${image.height}`).toBe(true);
    }
  }
  return n;
}

const sources = (disk: Disk) => new Set([...disk.images.values()].flatMap((i) => i.annotations.map((a) => a.source)));

async function run(args: string[]) {
  const io = captureIO();
  const code = await main(["run", ...args], io);
  return { code, out: io.out(), err: io.err() };
}

async function snapshot(ds: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set("manifest.jsonl", await idOf(path.join(ds, "manifest.jsonl")));
  for (const dir of ["annotations", "images"]) {
    for (const f of await fs.readdir(path.join(ds, dir))) files.set(`${dir}/${f}`, await idOf(path.join(ds, dir, f)));
  }
  return files;
}

function metadataWithoutTimes(text: string) {
  const m = JSON.parse(text);
  delete m.created;
  delete m.statistics?.export_time_seconds;
  return m;
}

let root: string;
let main1: string; // 1280x720, JPEG in .png, camel events, grounding rotated
let truth1: SessionTruth;
let hostileDir: string; // 1920x1080, real PNG, then hostile input
let truthH: SessionTruth;
let hostile: HostileTruth;
let snakeDir: string;
let truthSnake: SessionTruth;
let bridgeDir: string;
let truthBridge: SessionTruth;
let hostileProblems: { action_id: string | null; reason: string; message: string }[] = [];

beforeAll(async () => {
  root = await tempDir("qx-real-");
  main1 = path.join(root, "session");
  hostileDir = path.join(root, "hostile");
  snakeDir = path.join(root, "snake");
  bridgeDir = path.join(root, "bridge");
  [truth1, truthH, truthSnake, truthBridge] = await Promise.all([
    generateSession(main1, { seed: 11, width: 1280, height: 720, actions: 20, jpegInPng: true, eventsForm: "camel", groundingRotate: 2 }),
    generateSession(hostileDir, { seed: 5, width: 1920, height: 1080, actions: 12, jpegInPng: false, groundingLines: 4 }),
    generateSession(snakeDir, { seed: 21, width: 640, height: 360, actions: 10, eventsForm: "snake", grounding: false }),
    generateSession(bridgeDir, { seed: 22, width: 640, height: 360, actions: 10, eventsForm: "bridge", grounding: false }),
  ]);
  hostile = await writeHostileInputs(hostileDir);
  // The generator's outside files are copies of a session screenshot: give them bytes of their own, so that
  // "their content id never appears in images/" shows they were not read.
  for (const name of ["outside.png", "outside-secret.png"]) {
    const file = path.join(hostileDir, name);
    const seed = name.length * 17;
    await fs.writeFile(file, await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed, g: 200, b: 31 } } }).png().toBuffer());
  }
});

describe("run on a real runner session", () => {
  it("exports run_data + events + grounding: truth boxes, bounds, validate, idempotent", async () => {
    expect(truth1.options.groundingRotate).toBe(2);
    expect(truth1.screenshots.every((s) => s.jpeg)).toBe(true);
    const ds = path.join(root, "ds-main");
    const first = await run([main1, "--out", ds, "--click-mode", "fixed", "--quiet"]);
    expect(first.code, first.err).toBe(0);
    // The user is told what was picked: run_data with the events file beside it, and the grounding dataset.
    expect.soft(first.err, "stderr names the formats read (also with --quiet, which only hides the progress bar)").toMatch(/run-data \([^)]*events tree-events\.jsonl\)/);
    expect.soft(first.err).toMatch(/grounding \(run_data\/dataset\/grounding\.jsonl \(\+2 rotated parts\)\)/);

    const disk = await readDataset(ds);
    const t = await expectBoxes("run (all) template boxes", disk, templateBoxes(truth1));
    const g = await expectBoxes("run (all) grounding boxes", disk, groundingBoxes(truth1));
    const e = await expectBoxes("run (all) event boxes", disk, eventBoxes(truth1));
    expect(t.expected).toBe(truth1.templateBoxes.length);
    expect(g.expected).toBe(truth1.groundingBoxes.length);
    expect(e.expected).toBe(truth1.eventBoxes.length);
    console.log(`run (all): ${expectBoxesInside(disk)} boxes on disk, ${disk.images.size} images, ${disk.manifest.length} manifest lines`);
    // Every distinct screenshot and grounding image of the session is in the dataset.
    const sourceIds = new Set<string>();
    for (const s of truth1.screenshots) sourceIds.add(await idOf(path.join(truth1.runData, s.reference)));
    for (const l of truth1.groundingLines) sourceIds.add(await idOf(path.join(truth1.groundingDir!, l.imagePath)));
    expect(new Set(disk.images.keys())).toEqual(sourceIds);

    const validate = captureIO();
    expect(await main(["validate", ds], validate), validate.out() + validate.err()).toBe(0);

    const before = await snapshot(ds);
    const metaBefore = await fs.readFile(path.join(ds, "metadata.json"), "utf8");
    const second = await run([main1, "--out", ds, "--click-mode", "fixed"]);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toMatch(/^reading .* as run-data \(run_data\/screenshots\/ with JSON sidecars, events tree-events\.jsonl\) \+ grounding \(run_data\/dataset\/grounding\.jsonl \(\+2 rotated parts\)\)\n/);
    expect(second.out).toContain(`records   read ${disk.manifest.length}, exported 0, already in dataset ${disk.manifest.length}, filtered 0, skipped 0`);
    expect(await snapshot(ds)).toEqual(before);
    const third = await run([main1, "--out", ds, "--click-mode", "fixed", "--json"]);
    expect(third.code, third.err).toBe(0);
    const s = JSON.parse(third.out).statistics;
    expect(s.recordsExported).toBe(0);
    expect(s.recordsAlreadyExported).toBe(s.recordsRead);
    expect(await snapshot(ds)).toEqual(before);
    expect(metadataWithoutTimes(await fs.readFile(path.join(ds, "metadata.json"), "utf8"))).toEqual(metadataWithoutTimes(metaBefore));
  });

  it("--source run-data, grounding, tree-events each read their own part", async () => {
    const runData = await run([main1, "--out", path.join(root, "ds-rd"), "--click-mode", "fixed", "--source", "run-data"]);
    expect(runData.code, runData.err).toBe(0);
    expect(runData.err).toMatch(/reading .* as run-data \(run_data\/screenshots\/ with JSON sidecars, events tree-events\.jsonl\)\n/);
    expect(runData.err).not.toMatch(/grounding \(/);
    const rd = await readDataset(path.join(root, "ds-rd"));
    await expectBoxes("--source run-data template boxes", rd, templateBoxes(truth1));
    expect(sources(rd).has("grounding")).toBe(false);
    expect((await countFound(rd, groundingBoxes(truth1))).found).toBe(0);
    expectBoxesInside(rd);

    const grounding = await run([main1, "--out", path.join(root, "ds-gr"), "--source", "grounding"]);
    expect(grounding.code, grounding.err).toBe(0);
    expect(grounding.err).toMatch(/reading .* as grounding \(run_data\/dataset\/grounding\.jsonl \(\+2 rotated parts\)\)\n/);
    const gr = await readDataset(path.join(root, "ds-gr"));
    await expectBoxes("--source grounding boxes", gr, groundingBoxes(truth1));
    expect(sources(gr).has("template_matching")).toBe(false);
    expect(gr.images.size).toBe(new Set(truth1.groundingLines.map((l) => l.imagePath)).size);
    expectBoxesInside(gr);

    const events = await run([main1, "--out", path.join(root, "ds-ev"), "--click-mode", "fixed", "--source", "tree-events", "--events", truth1.eventsFile!]);
    expect(events.code, events.err).toBe(0);
    expect(events.err).toMatch(/reading .* as tree-events \(tree-events\.jsonl\)\n/);
    const ev = await readDataset(path.join(root, "ds-ev"));
    await expectBoxes("--source tree-events event boxes", ev, eventBoxes(truth1));
    expect(sources(ev).has("grounding")).toBe(false);
    expectBoxesInside(ev);
    // One record per action node, at most (events carry the first attempt only).
    expect(ev.manifest.length).toBeLessThanOrEqual(truth1.counts.actions);
  });

  it("hostile input: every problem reported, nothing outside read, the good records exported", async () => {
    const ds = path.join(root, "ds-hostile");
    const problemsFile = path.join(root, "hostile-problems.jsonl");
    const r = await run([hostileDir, "--out", ds, "--click-mode", "fixed", "--json", "--problems", problemsFile]);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    const problems: { line: number | null; action_id: string | null; reason: string; severity: string; message: string }[] = (await fs.readFile(problemsFile, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(problems.length).toBe(summary.statistics.problems.total);
    const byReason = summary.statistics.problems.byReason as Record<string, number>;
    for (const p of problems) expect(byReason[p.reason]).toBeGreaterThan(0);
    console.log(`hostile: problems by reason ${JSON.stringify(byReason)}`);

    const base = (file: string) => path.basename(file);
    const mentions = (p: { message: string }, file: string) => p.message.includes(base(file));
    // What a reader must report, per hostile kind (the kind names a file, an action id or a line).
    const reported: Record<string, (h: HostileTruth[number]) => boolean> = {
      "sidecar-without-image": (h) => problems.some((p) => p.reason === "sidecar_without_image" && mentions(p, h.file)),
      "image-without-sidecar": (h) => problems.some((p) => p.reason === "image_without_sidecar" && mentions(p, h.file)),
      "symlink-outside": (h) => problems.some((p) => p.reason === "path_escapes_root" && mentions(p, h.file) && p.severity === "skipped"),
      // Bytes that are no image: skipped and named, whatever the reason (undecodable, or a header that declares absurd dimensions).
      "garbage-image": (h) => problems.some((p) => p.severity === "skipped" && mentions(p, h.file)),
      "non-finite-number": () => problems.some((p) => p.action_id === "nan-check-1"),
      "debug-without-partner": (h) => problems.some((p) => p.reason === "debug_visual_unpaired" && mentions(p, h.file)),
      "unknown-event-type": (h) => problems.some((p) => p.reason === "unknown_event_type" && p.line === h.line),
      "torn-events-line": (h) => problems.some((p) => p.reason === "torn_line" && p.line === h.line && p.message.includes("tree-events.jsonl")),
      "grounding-path-escape": (h) => problems.some((p) => p.reason === "path_escapes_root" && p.line === h.line),
      "grounding-absolute-path": (h) => problems.some((p) => p.reason === "path_escapes_root" && p.line === h.line),
      "torn-grounding-line": (h) => problems.some((p) => p.reason === "torn_line" && p.line === h.line && p.message.includes("grounding")),
      // Opaque data, nothing to report: checked below (kept in the manifest, used in no path).
      "hostile-action-id": () => true,
      "weird-action-id": () => true,
    };
    const unreported = hostile.filter((h) => !(reported[h.kind] ?? (() => false))(h));
    expect(unreported, "hostile inputs not reported (or of an unknown kind)").toEqual([]);

    // Nothing outside the session was read: the outside files' own bytes are not in the dataset.
    const disk = await readDataset(ds);
    for (const name of ["outside.png", "outside-secret.png"]) expect(disk.images.has(await idOf(path.join(hostileDir, name))), `${name} was read`).toBe(false);
    // Hostile action ids are data: kept as they are, never a path.
    const actionIds = new Set(disk.manifest.map((m) => m.action_id));
    expect(actionIds.has("../../etc/passwd")).toBe(true);
    expect(actionIds.has(hostile.find((h) => h.kind === "weird-action-id")!.actionId!)).toBe(true);
    for (const dir of ["images", "annotations"]) for (const f of await fs.readdir(path.join(ds, dir))) expect(f).toMatch(/^[0-9a-f]{16}\.[a-z]+$/);
    for (const f of await fs.readdir(ds)) expect([".qontinui", "annotations", "images", "manifest.jsonl", "metadata.json"]).toContain(f);
    // The weird id (with a newline) stays one escaped line in the problems file: every line parsed above.
    hostileProblems = problems;

    // The good records are still exported, with their boxes.
    await expectBoxes("hostile template boxes", disk, templateBoxes(truthH));
    await expectBoxes("hostile grounding boxes", disk, groundingBoxes(truthH));
    await expectBoxes("hostile event boxes", disk, eventBoxes(truthH));
    expectBoxesInside(disk);
    expect(summary.statistics.recordsExported).toBeGreaterThanOrEqual(truthH.counts.screenshots + truthH.counts.groundingLines);
    const validate = captureIO();
    expect(await main(["validate", ds], validate), validate.out()).toBe(0);
  });

  it("hostile input: the non-finite values in a debug sidecar are reported as such", () => {
    const nan = hostileProblems.filter((p) => p.action_id === "nan-check-1");
    expect(nan.length).toBeGreaterThan(0);
    // RUN_FORMATS/hostile.json: "parse it as Python json does, do not crash, report the non-finite values".
    expect(nan.map((p) => p.message).join("\n"), "the report names NaN / non-finite, not a missing value").toMatch(/NaN|Infinity|non-finite|not finite/i);
  });

  it("says what it looked for and exits with the documented codes", async () => {
    const empty = await tempDir("qx-nothing-");
    await fs.writeFile(path.join(empty, "notes.txt"), "no run here");
    await fs.mkdir(path.join(empty, "screenshots"));
    await fs.writeFile(path.join(empty, "screenshots", "a.png"), "not a sidecar");
    const none = await run([empty, "--out", path.join(root, "ds-none"), "--quiet"]);
    expect(none.code).toBe(4);
    expect(none.err).toMatch(/run_data/);
    expect(none.err).toMatch(/sidecars/);
    expect(none.err).toMatch(/grounding\.jsonl/);
    expect(none.err).toMatch(/records\.jsonl/);

    const bogus = await run([main1, "--out", path.join(root, "ds-bogus"), "--source", "bogus"]);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toMatch(/--source must be one of run-data, tree-events, grounding, records/);

    const missing = path.join(root, "no-such-events.jsonl");
    const noEvents = await run([main1, "--out", path.join(root, "ds-noev"), "--events", missing]);
    expect(noEvents.code).toBe(4);
    expect(noEvents.err).toContain(missing);
    const noEvents2 = await run([main1, "--out", path.join(root, "ds-noev2"), "--source", "tree-events", "--events", missing]);
    expect(noEvents2.code).toBe(4);
    for (const d of ["ds-none", "ds-bogus", "ds-noev", "ds-noev2"]) await expect(fs.stat(path.join(root, d))).rejects.toThrow();

    const help = captureIO();
    expect(await main(["run", "--help"], help)).toBe(0);
    for (const word of ["run-data", "grounding", "tree-events", "records", "--events", "--source"]) expect(help.out()).toContain(word);
  });

  it("a format forced with --source that the directory does not hold is bad input (exit 4), and writes no dataset", async () => {
    const empty = await tempDir("qx-forced-");
    for (const format of ["grounding", "run-data", "records"]) {
      const out = path.join(root, `ds-forced-${format}`);
      const r = await run([empty, "--out", out, "--source", format, "--quiet"]);
      expect.soft(r.code, `--source ${format} on an empty directory: ${r.err}`).toBe(4);
      expect.soft(await fs.stat(out).then(() => "dataset created", () => "nothing written"), `--source ${format}`).toBe("nothing written");
    }
  });

  it("the snake_case and bridge event forms export too", async () => {
    for (const [label, dir, truth] of [
      ["snake", snakeDir, truthSnake],
      ["bridge", bridgeDir, truthBridge],
    ] as const) {
      expect(truth.options.eventsForm).toBe(label);
      const out = path.join(root, `ds-${label}`);
      const r = await run([dir, "--out", out, "--click-mode", "fixed", "--source", "tree-events", "--events", truth.eventsFile!]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/as tree-events \(tree-events\.jsonl\)/);
      const disk = await readDataset(out);
      await expectBoxes(`${label} event boxes (tree-events alone)`, disk, eventBoxes(truth));
      expectBoxesInside(disk);
      // Joined to run_data (detected beside it) as well.
      const joined = path.join(root, `ds-${label}-joined`);
      const j = await run([dir, "--out", joined, "--click-mode", "fixed"]);
      expect(j.code, j.err).toBe(0);
      expect(j.err).toMatch(/as run-data \([^)]*events tree-events\.jsonl\)/);
      const jd = await readDataset(joined);
      await expectBoxes(`${label} template boxes (joined)`, jd, templateBoxes(truth));
      await expectBoxes(`${label} event boxes (joined)`, jd, eventBoxes(truth));
    }
  });
});
