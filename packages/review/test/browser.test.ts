import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { type AnnotationFile, type ManifestEntry, validateDataset } from "@qontinui/intermediate-format";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReviewServer, startReviewServer } from "../src/index.js";
import { type Fixture, makeDataset, readJson, readLines, tempDir } from "./fixture.js";

/** Debian's chromium (apt-get install chromium): playwright-core drives it, nothing is downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[review] skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)("review page in a real browser (Chromium)", () => {
  let fx: Fixture;
  let server: ReviewServer;
  let browser: Browser;

  beforeAll(async () => {
    fx = await makeDataset();
    server = await startReviewServer({ dataset: fx.dir, reviewer: "browser-test" });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("accepts with A, rejects with R, fixes a box by dragging its edge, draws a missing box; the dataset on disk says so and validates", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const saved = (text: string) => page.waitForFunction((t) => document.getElementById("status")!.textContent!.includes(t), text);
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => (document.getElementById("picture") as unknown as SVGImageElement).getBBox().width > 0);
    // The least sure image first, its least sure box selected; unverified boxes dashed.
    expect(await page.textContent("#image-title")).toContain(fx.ids.a);
    expect(await page.locator(".box-rect.unverified").count()).toBe(3);
    expect(new URL(page.url()).search).toBe(""); // the token left the address bar

    await page.keyboard.press("a");
    await saved("accept box 1: saved");
    expect(await page.textContent("#progress")).toContain("4/5 boxes unverified");
    const shotDir = await tempDir("qreview-shot-");
    const shot = path.join(shotDir, "review-page.png");
    await page.screenshot({ path: shot });
    console.log(`[review] page screenshot: ${shot}`);
    // REVIEW_SCREENSHOT_OUT=packages/review/docs/review-page.png refreshes the README's picture.
    if (process.env.REVIEW_SCREENSHOT_OUT) await fs.copyFile(shot, process.env.REVIEW_SCREENSHOT_OUT);
    expect((await fs.stat(shot)).size).toBeGreaterThan(10_000);

    await page.keyboard.press("r");
    await saved("reject box 2: saved");
    expect(await page.locator(".box-rect").count()).toBe(2);

    // Drag the selected box's right edge 60 screen pixels to the right.
    const handle = await page.locator(".handle.right").boundingBox();
    expect(handle).not.toBeNull();
    const x = handle!.x + handle!.width / 2;
    const y = handle!.y + handle!.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 30, y, { steps: 5 });
    await page.mouse.move(x + 60, y, { steps: 5 });
    await page.mouse.up();
    await saved("edit box 2: saved");

    // Draw a missing box: D, then drag on an empty part of the image.
    const canvas = (await page.locator("#canvas").boundingBox())!;
    const picture = await page.evaluate(() => {
      const r = document.getElementById("picture")!.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    expect(canvas.width).toBeGreaterThan(0);
    await page.keyboard.press("d");
    const sx = picture.x + picture.width * 0.7;
    const sy = picture.y + picture.height * 0.7;
    await page.mouse.move(sx, sy);
    await page.mouse.down();
    await page.mouse.move(sx + picture.width * 0.1, sy + picture.height * 0.1, { steps: 5 });
    await page.mouse.up();
    await saved("add: saved");

    // The dataset on disk.
    const doc = await readJson<AnnotationFile>(path.join(fx.dir, "annotations", `${fx.ids.a}.json`));
    expect(doc.annotations.map((b) => [b.category_name, b.verified])).toEqual([
      ["button", true],
      ["button", true],
      ["button", true],
    ]);
    expect(doc.annotations[0]!.bbox).toEqual([20, 20, 120, 40]);
    const edited = doc.annotations[1]!.bbox;
    expect(edited[0]).toBe(40);
    expect(edited[2]).toBeGreaterThan(170); // was 160 wide
    expect(doc.annotations[2]!.source).toBe("review");
    const [ax, ay] = doc.annotations[2]!.bbox;
    expect(ax).toBeGreaterThan(300);
    expect(ay).toBeGreaterThan(180);
    const manifest = await readLines<ManifestEntry>(path.join(fx.dir, "manifest.jsonl"));
    expect(manifest.filter((e) => e.id === fx.ids.a).every((e) => e.reviewed)).toBe(true);
    const log = await readLines<{ action: string; reviewer: string; before?: { category_name: string } }>(path.join(fx.dir, "review", "log.jsonl"));
    expect(log.map((e) => e.action)).toEqual(["accept", "reject", "edit", "add"]);
    expect(log[1]!.before!.category_name).toBe("icon");
    expect(log.every((e) => e.reviewer === "browser-test")).toBe(true);
    const report = await validateDataset(fx.dir);
    expect(report.problems).toEqual([]);
    // Nothing was fetched from anywhere but the review server.
    expect(requests.every((u) => u.startsWith(server.origin))).toBe(true);

    // Undo with U: the added box goes.
    await page.keyboard.press("u");
    await saved("undo: add reverted");
    expect((await readJson<AnnotationFile>(path.join(fx.dir, "annotations", `${fx.ids.a}.json`))).annotations).toHaveLength(2);
    await page.close();
  });
});
