import { promises as fs } from "node:fs";
import path from "node:path";
import { validateDataset } from "@qontinui/intermediate-format";
import { type ReviewLogEntry, ReviewSession } from "@qontinui/review";
import { describe, expect, it } from "vitest";
import { applyWebReview, writeWebZip } from "../src/index.js";
import { smallDataset } from "./datasets.js";
import { python, readAnnotations, RULES, tempDir, unzip } from "./fixture.js";

interface ApiAnnotation {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  category_name: string;
  review_status: string;
  inference_metadata: { qontinui_export?: { category: string } } | null;
  [k: string]: unknown;
}

/** Our dataset → web ZIP → their import (as the spec describes it) → their API's annotation page. */
async function throughTheWeb(dir: string): Promise<{ items: ApiAnnotation[] }> {
  const zip = path.join(await tempDir(), "to-web.zip");
  await writeWebZip(dir, zip);
  return python<{ items: ApiAnnotation[] }>([RULES, "api", zip]);
}

const byCategory = (items: ApiAnnotation[], name: string) => items.find((i) => i.inference_metadata?.qontinui_export?.category === name)!;

async function reviewLog(dir: string): Promise<ReviewLogEntry[]> {
  const text = await fs.readFile(path.join(dir, "review", "log.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ReviewLogEntry);
}

describe("applyWebReview: decisions made in qontinui-web come back", () => {
  it("approved, rejected, flagged and a box moved there reach the dataset through the review tool's path; the next web ZIP carries them", async () => {
    const ds = await smallDataset();
    const { "a.png": a, "b.png": b } = ds.ids as Record<"a.png" | "b.png", string>;
    const page = await throughTheWeb(ds.dir);
    expect(page.items).toHaveLength(5);
    expect(page.items.every((i) => i.review_status === "pending")).toBe(true); // their import does not read ours

    // What reviewers did there.
    byCategory(page.items, "button").review_status = "approved";
    byCategory(page.items, "icon").review_status = "rejected";
    byCategory(page.items, "link").review_status = "flagged";
    const field = byCategory(page.items, "text field");
    field.review_status = "approved";
    field.x += 5;
    field.width -= 5;
    const click = byCategory(page.items, "click_target");
    click.y += 3; // moved, not approved: not taken
    page.items.push({ ...field, id: "drawn-there", inference_metadata: null }); // a box drawn there
    page.items.push({ id: "broken" } as ApiAnnotation);
    const file = path.join(await tempDir(), "annotations-page.json");
    await fs.writeFile(file, JSON.stringify(page));

    const dry = await applyWebReview(ds.dir, file, { dryRun: true });
    expect(dry).toMatchObject({ read: 7, applied: { accept: 1, reject: 1, flag: 1, edit: 1 }, editedNotApproved: 1, notFromThisDataset: 1, invalid: 1, notFound: 0, conflicts: 0 });
    expect(await reviewLog(ds.dir)).toEqual([]);

    const done = await applyWebReview(ds.dir, file);
    expect(done.applied).toEqual({ accept: 1, reject: 1, flag: 1, edit: 1 });
    expect(done.refused).toBe(0);
    const boxesA = (await readAnnotations(ds.dir, a)).annotations;
    expect(boxesA.map((x) => [x.category_name, x.verified, x.review_status])).toEqual([
      ["button", true, "approved"],
      ["link", false, "flagged"],
    ]);
    const boxesB = (await readAnnotations(ds.dir, b)).annotations;
    expect(boxesB.map((x) => [x.category_name, x.bbox, x.verified, x.review_status ?? "pending"])).toEqual([
      ["text field", [105, 100, 195, 30], true, "approved"],
      ["click_target", [0, 0, 50, 50], true, "pending"],
    ]);
    const log = await reviewLog(ds.dir);
    expect(log.map((e) => e.action).sort()).toEqual(["accept", "edit", "flag", "reject"]);
    for (const e of log) {
      expect(e.reviewer).toBe("qontinui-web");
      expect(e.origin).toMatch(/^qontinui-web:[0-9a-f-]{36}$/);
    }
    expect(log.find((e) => e.action === "reject")!.before).toMatchObject({ category_name: "icon", bbox: [290, 30, 50, 50] });
    const report = await validateDataset(ds.dir);
    expect(report.problems).toEqual([]);

    // Undo works on them like on any decision (here: the rejection).
    const session = await ReviewSession.open(ds.dir);
    await session.undo(log.find((e) => e.action === "reject")!.id);
    expect((await readAnnotations(ds.dir, a)).annotations.map((x) => x.category_name)).toContain("icon");

    // The next ZIP carries the decisions; applying the same page again changes nothing.
    const again = path.join(await tempDir(), "again.zip");
    const result = await writeWebZip(ds.dir, again);
    expect(result.reviewStatus).toEqual({ pending: 2, approved: 2, rejected: 0, flagged: 1 });
    const zipped = unzip(again);
    const statuses = Object.entries(zipped.json)
      .filter(([n]) => n.startsWith("annotations/"))
      .flatMap(([, d]) => (d as { annotations: { category_name: string; review_status: string }[] }).annotations.map((x) => `${x.category_name}:${x.review_status}`))
      .sort();
    expect(statuses).toEqual(["button:approved", "click_target:pending", "icon:pending", "link:flagged", "text field:approved"]);
    const twice = await applyWebReview(ds.dir, file);
    expect(twice.applied).toEqual({ accept: 0, reject: 1, flag: 0, edit: 0 }); // the icon, back from the undo
    expect(twice.unchanged + twice.notFound).toBeGreaterThan(0);
  });

  it("a different decision made here is kept unless overwrite; JSON Lines pages read the same", async () => {
    const ds = await smallDataset();
    const { "a.png": a } = ds.ids as Record<"a.png", string>;
    const page = await throughTheWeb(ds.dir);
    // Here: the button was flagged after the export.
    const session = await ReviewSession.open(ds.dir);
    const [button] = (await readAnnotations(ds.dir, a)).annotations;
    await session.decide({ image: a, action: "flag", index: 0, before: button! });
    // There: approved.
    byCategory(page.items, "button").review_status = "approved";
    const file = path.join(await tempDir(), "pages.jsonl");
    await fs.writeFile(file, page.items.map((i) => JSON.stringify(i)).join("\n"));

    const kept = await applyWebReview(ds.dir, file);
    expect(kept).toMatchObject({ read: 5, conflicts: 1, applied: { accept: 0, reject: 0, flag: 0, edit: 0 } });
    expect(kept.messages.join("\n")).toMatch(/flagged here, approved there; kept flagged/);
    expect((await readAnnotations(ds.dir, a)).annotations[0]!.review_status).toBe("flagged");

    const taken = await applyWebReview(ds.dir, file, { overwrite: true });
    expect(taken.applied.accept).toBe(1);
    expect((await readAnnotations(ds.dir, a)).annotations[0]).toMatchObject({ review_status: "approved", verified: true });
    await expect(applyWebReview(ds.dir, path.join(ds.dir, "no-such.json"))).rejects.toThrow(/cannot read/);
  });
});
