import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AnnotationFile, type ManifestEntry, type Metadata, validateDataset } from "@qontinui/intermediate-format";
import { beforeEach, describe, expect, it } from "vitest";
import { type ReviewLogEntry, ReviewConflictError, ReviewSession } from "../src/index.js";
import { exportInto, type Fixture, makeDataset, readJson, readLines } from "./fixture.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await makeDataset();
});

const annotations = (id: string) => readJson<AnnotationFile>(path.join(fx.dir, "annotations", `${id}.json`));
const manifest = () => readLines<ManifestEntry>(path.join(fx.dir, "manifest.jsonl"));
const reviewLog = () => readLines<ReviewLogEntry>(path.join(fx.dir, "review", "log.jsonl"));
const metadata = () => readJson<Metadata>(path.join(fx.dir, "metadata.json"));

async function expectValid() {
  const report = await validateDataset(fx.dir);
  expect(report.problems).toEqual([]);
  expect(report.warnings).toEqual([]);
}

describe("decisions on disk", () => {
  it("accept sets verified, reject removes the box and logs it, edit keeps the previous box in the log, add appends; manifest reviewed once all are decided", async () => {
    const review = await ReviewSession.open(fx.dir, { reviewer: "alice" });
    const { a } = fx.ids;
    const before = await annotations(a);
    expect(before.annotations).toHaveLength(3);
    const [b0, b1, b2] = before.annotations;

    await review.decide({ image: a, action: "accept", index: 0, before: b0! });
    expect((await annotations(a)).annotations[0]!.verified).toBe(true);

    await review.decide({ image: a, action: "reject", index: 1, before: b1! });
    let now = await annotations(a);
    expect(now.annotations).toHaveLength(2);
    expect(now.annotations.map((b) => b.category_name)).toEqual(["button", "button"]);
    expect((await metadata()).total_annotations).toBe(4);
    expect((await manifest()).filter((e) => e.id === a).every((e) => e.reviewed === false)).toBe(true);

    await review.decide({ image: a, action: "edit", index: 1, before: b2!, bbox: [44, 158, 150, 52] });
    now = await annotations(a);
    expect(now.annotations[1]).toMatchObject({ bbox: [44, 158, 150, 52], verified: true, category_name: "button", source: "template_matching" });
    // Every box decided: the image's manifest lines say reviewed.
    expect((await manifest()).filter((e) => e.id === a).map((e) => e.reviewed)).toEqual([true, true, true]);

    await review.decide({ image: a, action: "add", bbox: [300, 200, 60, 30], category: "link" });
    now = await annotations(a);
    expect(now.annotations[2]).toEqual({ bbox: [300, 200, 60, 30], category_id: now.annotations[2]!.category_id, category_name: "link", confidence: 1, source: "review", verified: true, review_status: "approved" });
    expect((await metadata()).total_annotations).toBe(5);

    const log = await reviewLog();
    expect(log.map((e) => e.action)).toEqual(["accept", "reject", "edit", "add"]);
    for (const e of log) {
      expect(e.reviewer).toBe("alice");
      expect(e.image).toBe(a);
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    expect(log[1]!.before).toEqual(b1); // the rejected box, whole
    expect(log[2]!.before!.bbox).toEqual([40, 160, 160, 50]); // the edit's previous value
    expect(log[2]!.after!.bbox).toEqual([44, 158, 150, 52]);
    expect(log[2]!.reviewed).toEqual({ before: false, after: true });
    await expectValid();
  });

  it("undo reverts decisions one by one (a rejected box comes back from the log), and is logged", async () => {
    const review = await ReviewSession.open(fx.dir, { reviewer: "bob" });
    const { a } = fx.ids;
    const original = await annotations(a);
    const [b0, b1] = original.annotations;
    await review.decide({ image: a, action: "reject", index: 1, before: b1! });
    await review.decide({ image: a, action: "accept", index: 0, before: b0! });
    await review.decide({ image: a, action: "add", bbox: [5, 5, 20, 20], category: "icon" });
    await review.undo();
    await review.undo();
    await review.undo();
    expect(await annotations(a)).toEqual(original);
    expect((await metadata()).total_annotations).toBe(5);
    const log = await reviewLog();
    expect(log.map((e) => e.action)).toEqual(["reject", "accept", "add", "undo", "undo", "undo"]);
    expect(log.slice(3).map((e) => e.undoes_action)).toEqual(["add", "accept", "reject"]);
    expect(log[5]!.undoes).toBe(log[0]!.id);
    await expect(review.undo()).rejects.toThrow(/nothing to undo/);
    await expectValid();
  });

  it("undoes any logged decision by id, once", async () => {
    const review = await ReviewSession.open(fx.dir);
    const { b } = fx.ids;
    const [box] = (await annotations(b)).annotations;
    const { entries } = await review.decide({ image: b, action: "reject", index: 0, before: box! });
    const later = await ReviewSession.open(fx.dir);
    await later.undo(entries[0]!.id);
    expect((await annotations(b)).annotations[0]).toEqual(box);
    await expect(later.undo(entries[0]!.id)).rejects.toThrow(/already undone/);
  });

  it("accept-all marks an image without boxes reviewed, and a later export keeps the review (record index still right)", async () => {
    const review = await ReviewSession.open(fx.dir);
    const { b, c } = fx.ids;
    await review.decide({ image: c, action: "accept" });
    await review.decide({ image: b, action: "accept" });
    expect((await manifest()).filter((e) => e.id === b || e.id === c).every((e) => e.reviewed)).toBe(true);
    expect((await annotations(b)).annotations.every((x) => x.verified)).toBe(true);
    const manifestBefore = await fs.readFile(path.join(fx.dir, "manifest.jsonl"), "utf8");
    // The same run again: nothing is appended, nothing needs recovering, the review stays.
    const warnings = await exportInto(fx.dir, fx.runDir, fx.records);
    expect(warnings).toEqual([]);
    expect(await fs.readFile(path.join(fx.dir, "manifest.jsonl"), "utf8")).toBe(manifestBefore);
    expect((await annotations(b)).annotations.every((x) => x.verified)).toBe(true);
    await expectValid();
  });

  it("refuses a box changed since it was loaded, and a category or box the dataset cannot hold", async () => {
    const review = await ReviewSession.open(fx.dir);
    const { a } = fx.ids;
    const [b0] = (await annotations(a)).annotations;
    await review.decide({ image: a, action: "accept", index: 0, before: b0! });
    await expect(review.decide({ image: a, action: "reject", index: 0, before: b0! })).rejects.toBeInstanceOf(ReviewConflictError);
    await expect(review.decide({ image: a, action: "add", bbox: [1, 1, 10, 10], category: "no-such" })).rejects.toThrow(/category_map/);
    await expect(review.decide({ image: a, action: "add", bbox: [900, 900, 10, 10], category: "icon" })).rejects.toThrow(/inside/);
    // A box dragged past the image's edge is clipped to it.
    const { image } = await review.decide({ image: a, action: "add", bbox: [470, 290, 50, 50], category: "icon" });
    expect(image.boxes.at(-1)!.bbox).toEqual([470, 290, 10, 10]);
    await expectValid();
  });

  it("waits for the lock an export holds, then refuses with a clear message; never takes over a dead export's lock", async () => {
    const review = await ReviewSession.open(fx.dir, { lockWaitMs: 200 });
    const { a } = fx.ids;
    const [b0] = (await annotations(a)).annotations;
    const lockFile = path.join(fx.dir, ".qontinui", "lock");
    const hostname = os.hostname();
    // Another process holds the lock, as an export would.
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"], { stdio: "ignore" });
    await fs.writeFile(lockFile, JSON.stringify({ pid: holder.pid, hostname, started: "now" }));
    try {
      await expect(review.decide({ image: a, action: "accept", index: 0, before: b0! })).rejects.toThrow(/decision not saved: .*being written by another export/);
    } finally {
      holder.kill();
    }
    // The holder died without releasing: the review refuses and leaves the lock for the next export to recover from.
    await new Promise((r) => holder.once("exit", r));
    await expect(review.decide({ image: a, action: "accept", index: 0, before: b0! })).rejects.toThrow(/died while writing/);
    expect(JSON.parse(await fs.readFile(lockFile, "utf8")).pid).toBe(holder.pid);
    expect((await annotations(a)).annotations[0]).toEqual(b0);
    await fs.rm(lockFile);
    await review.decide({ image: a, action: "accept", index: 0, before: b0! });
    expect((await annotations(a)).annotations[0]!.verified).toBe(true);
  });
  it("review_status: accept and edit approve, flag keeps the box unverified and flagged (undo restores it), reject removes it; accept-all approves boxes already verified", async () => {
    const review = await ReviewSession.open(fx.dir, { reviewer: "carol" });
    const { a, b } = fx.ids;
    const [b0, b1, b2] = (await annotations(a)).annotations;
    expect(b0!.review_status).toBeUndefined(); // an exported box: pending
    await review.decide({ image: a, action: "accept", index: 0, before: b0! });
    await review.decide({ image: a, action: "edit", index: 2, before: b2!, bbox: [41, 161, 150, 50] });
    await review.decide({ image: a, action: "flag", index: 1, before: b1! });
    let now = (await annotations(a)).annotations;
    expect(now.map((x) => [x.review_status, x.verified])).toEqual([
      ["approved", true],
      ["flagged", false],
      ["approved", true],
    ]);
    // A flagged box is doubtful: the image is not reviewed and comes first among unverified ones.
    expect((await manifest()).filter((e) => e.id === a).every((e) => e.reviewed === false)).toBe(true);
    expect(review.queue({ state: "unverified" }).map((q) => q.id)).toContain(a);
    const log = await reviewLog();
    expect(log.at(-1)).toMatchObject({ action: "flag", before: b1, after: { ...b1, verified: false, review_status: "flagged" } });
    await review.undo();
    now = (await annotations(a)).annotations;
    expect(now[1]).toEqual(b1);
    // Accept-all: the image's boxes, verified or not, become approved.
    await review.decide({ image: b, action: "accept", index: 0, before: (await annotations(b)).annotations[0]! });
    await review.decide({ image: b, action: "accept" });
    expect((await annotations(b)).annotations.map((x) => x.review_status)).toEqual(["approved", "approved"]);
    await expectValid();
  });

  it("decideMany: one lock, each file written once, a refused decision does not stop the others", async () => {
    const review = await ReviewSession.open(fx.dir, { reviewer: "qontinui-web" });
    const { a, b } = fx.ids;
    const [a0, a1, a2] = (await annotations(a)).annotations;
    const [b0] = (await annotations(b)).annotations;
    const result = await review.decideMany([
      { image: a, action: "accept", index: 0, before: a0!, origin: "qontinui-web" },
      { image: a, action: "reject", index: 1, before: a1!, origin: "qontinui-web" },
      { image: a, action: "flag", index: 2, before: { ...a2!, bbox: [0, 0, 1, 1] }, origin: "qontinui-web" }, // not the box on disk
      { image: b, action: "flag", index: 0, before: b0!, origin: "qontinui-web" },
    ]);
    expect(result.applied.map((x) => x.decision.action)).toEqual(["accept", "reject", "flag"]);
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]!.error).toBeInstanceOf(ReviewConflictError);
    expect((await annotations(a)).annotations.map((x) => [x.category_name, x.review_status ?? "pending"])).toEqual([
      ["button", "approved"],
      ["button", "pending"],
    ]);
    expect((await annotations(b)).annotations[0]!.review_status).toBe("flagged");
    expect((await metadata()).total_annotations).toBe(4);
    const log = await reviewLog();
    expect(log.map((e) => [e.action, e.origin])).toEqual([
      ["accept", "qontinui-web"],
      ["reject", "qontinui-web"],
      ["flag", "qontinui-web"],
    ]);
    await expectValid();
  });
});
