import os from "node:os";
import path from "node:path";
import net from "node:net";
import { type AnnotationFile, validateDataset } from "@qontinui/intermediate-format";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ReviewServer, startReviewServer } from "../src/index.js";
import { type Fixture, makeDataset, readJson, readLines, request } from "./fixture.js";

let fx: Fixture;
const servers: ReviewServer[] = [];
beforeEach(async () => {
  fx = await makeDataset();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(reviewer = "alice") {
  const s = await startReviewServer({ dataset: fx.dir, reviewer });
  servers.push(s);
  return s;
}

const auth = (s: ReviewServer) => ({ "x-review-token": s.token });
const annotations = (id: string) => readJson<AnnotationFile>(path.join(fx.dir, "annotations", `${id}.json`));

describe("review server security", () => {
  it("listens on 127.0.0.1 only, on a random port, with a 64-hex-digit token in the printed address", async () => {
    const s = await start();
    expect(s.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/\\?t=[0-9a-f]{64}$`));
    expect(s.port).toBeGreaterThan(0);
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    if (other) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: other, port: s.port }, () => {
          socket.destroy();
          resolve(false);
        });
        socket.on("error", () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it("refuses requests without the token or with a wrong one", async () => {
    const s = await start();
    for (const p of ["/", "/review.js", "/api/session", "/api/queue", `/api/images/${fx.ids.a}`, `/api/images/${fx.ids.a}/file`]) {
      expect((await request(s.port, p)).status, p).toBe(403);
      expect((await request(s.port, `${p}${p.includes("?") ? "&" : "?"}t=${"0".repeat(64)}`)).status, p).toBe(403);
    }
    expect((await request(s.port, "/api/decisions", { body: { image: fx.ids.a, action: "accept" } })).status).toBe(403);
    const page = await request(s.port, `/?t=${s.token}`);
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["set-cookie"]?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    // No remote assets: every script, style and image the page names is its own.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("refuses other origins (CSRF) and other Host names (DNS rebinding), and writes that carry only the cookie", async () => {
    const s = await start();
    const cookie = `qreview_${s.port}=${s.token}`;
    const decision = { image: fx.ids.a, action: "accept" };
    expect((await request(s.port, "/api/decisions", { body: decision, headers: { ...auth(s), origin: "http://evil.example" } })).status).toBe(403);
    expect((await request(s.port, "/api/decisions", { body: decision, headers: { ...auth(s), origin: "http://127.0.0.1:1" } })).status).toBe(403);
    expect((await request(s.port, "/api/decisions", { body: decision, headers: { ...auth(s), "sec-fetch-site": "cross-site" } })).status).toBe(403);
    expect((await request(s.port, "/api/session", { headers: { ...auth(s), host: `evil.example:${s.port}` } })).status).toBe(403);
    expect((await request(s.port, "/api/decisions", { body: decision, headers: { cookie } })).status).toBe(403);
    expect((await request(s.port, "/api/session", { headers: { cookie } })).status).toBe(200);
    expect((await request(s.port, "/api/decisions", { body: decision, headers: { ...auth(s), origin: s.origin } })).status).toBe(200);
  });

  it("serves images by id only: no paths, no traversal, no image the dataset does not list", async () => {
    const s = await start();
    const h = auth(s);
    const image = await request(s.port, `/api/images/${fx.ids.a}/file`, { headers: h });
    expect(image.status).toBe(200);
    expect(image.headers["content-type"]).toBe("image/png");
    for (const p of [
      "/api/images/../../metadata.json",
      "/api/images/..%2F..%2Fmetadata.json/file",
      `/api/images/${fx.ids.a}.png/file`,
      "/api/images/%2Fetc%2Fpasswd/file",
      "/api/images/0123456789abcdef/file",
      "/../../etc/passwd",
      "/review.js/../../package.json",
      "/assets/review.html",
    ]) {
      const r = await request(s.port, p, { headers: h });
      expect([400, 404], p).toContain(r.status);
    }
  });
});

describe("review server decisions", () => {
  it("takes decisions over HTTP and answers the queue in order", async () => {
    const s = await start();
    const h = auth(s);
    const queue = JSON.parse((await request(s.port, "/api/queue?state=all", { headers: h })).body) as { items: { id: string }[] };
    expect(queue.items.map((i) => i.id)).toEqual([fx.ids.a, fx.ids.b, fx.ids.c]);
    const filtered = JSON.parse((await request(s.port, "/api/queue?category=link", { headers: h })).body) as { items: { id: string }[] };
    expect(filtered.items.map((i) => i.id)).toEqual([fx.ids.b]);
    expect((await request(s.port, "/api/queue?min=2", { headers: h })).status).toBe(400);
    const img = JSON.parse((await request(s.port, `/api/images/${fx.ids.a}`, { headers: h })).body) as { boxes: unknown[] };
    const r = await request(s.port, "/api/decisions", { headers: h, body: { image: fx.ids.a, action: "reject", index: 0, before: img.boxes[0] } });
    expect(r.status).toBe(200);
    expect((await annotations(fx.ids.a)).annotations).toHaveLength(2);
    const stale = await request(s.port, "/api/decisions", { headers: h, body: { image: fx.ids.a, action: "accept", index: 0, before: img.boxes[0] } });
    expect(stale.status).toBe(409);
    expect(JSON.parse(stale.body).error).toMatch(/changed or removed since it was loaded/);
    expect((await request(s.port, "/api/undo", { headers: h, body: {} })).status).toBe(200);
    expect((await annotations(fx.ids.a)).annotations).toHaveLength(3);
  });

  it("two reviewers at once: neither loses the other's decisions; the same box twice is refused with a clear message", async () => {
    const alice = await start("alice");
    const bob = await start("bob");
    const { a, b } = fx.ids;
    const load = async (s: ReviewServer, id: string) => JSON.parse((await request(s.port, `/api/images/${id}`, { headers: auth(s) })).body) as { boxes: AnnotationFile["annotations"] };
    const [aliceA, bobA, aliceB, bobB] = await Promise.all([load(alice, a), load(bob, a), load(alice, b), load(bob, b)]);
    // Both loaded the images before either decided; they decide different boxes at the same moment.
    const decide = (s: ReviewServer, body: object) => request(s.port, "/api/decisions", { headers: auth(s), body });
    const results = await Promise.all([
      decide(alice, { image: a, action: "accept", index: 0, before: aliceA.boxes[0] }),
      decide(bob, { image: a, action: "reject", index: 1, before: bobA.boxes[1] }),
      decide(alice, { image: a, action: "edit", index: 2, before: aliceA.boxes[2], bbox: [40, 160, 150, 50] }),
      decide(bob, { image: b, action: "accept", index: 0, before: bobB.boxes[0] }),
      decide(alice, { image: b, action: "accept", index: 1, before: aliceB.boxes[1] }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const onDiskA = (await annotations(a)).annotations;
    expect(onDiskA.map((x) => [x.category_name, x.verified, x.bbox])).toEqual([
      ["button", true, [20, 20, 120, 40]],
      ["button", true, [40, 160, 150, 50]],
    ]);
    expect((await annotations(b)).annotations.every((x) => x.verified)).toBe(true);
    const log = await readLines<{ reviewer: string; action: string }>(path.join(fx.dir, "review", "log.jsonl"));
    expect(log.map((e) => `${e.reviewer}:${e.action}`).sort()).toEqual(["alice:accept", "alice:accept", "alice:edit", "bob:accept", "bob:reject"]);
    // Bob, still looking at the box Alice edited, rejects it: refused, nothing written.
    const late = await decide(bob, { image: a, action: "reject", index: 2, before: bobA.boxes[2] });
    expect(late.status).toBe(409);
    expect(JSON.parse(late.body).error).toMatch(/another reviewer\?.*reload image/);
    expect((await annotations(a)).annotations).toEqual(onDiskA);
    const report = await validateDataset(fx.dir);
    expect(report.problems).toEqual([]);
  });
});

describe("review server: flag", () => {
  it("flags a box through the API (kept, unverified, review_status flagged); the page cannot claim another origin", async () => {
    const s = await start();
    const h = auth(s);
    const img = JSON.parse((await request(s.port, `/api/images/${fx.ids.a}`, { headers: h })).body) as { boxes: AnnotationFile["annotations"] };
    const r = await request(s.port, "/api/decisions", { headers: h, body: { image: fx.ids.a, action: "flag", index: 2, before: img.boxes[2], origin: "qontinui-web" } });
    expect(r.status).toBe(200);
    expect((await annotations(fx.ids.a)).annotations[2]).toEqual({ ...img.boxes[2], verified: false, review_status: "flagged" });
    const log = await readLines<{ action: string; origin?: string }>(path.join(fx.dir, "review", "log.jsonl"));
    expect(log.map((e) => [e.action, e.origin])).toEqual([["flag", undefined]]);
  });
});
