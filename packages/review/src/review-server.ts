import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ExportError } from "@qontinui/export-core";
import { IMAGE_ID_PATTERN } from "@qontinui/intermediate-format";
import { z } from "zod";
import { ReviewConflictError, ReviewInputError } from "./review-errors.js";
import type { QueueFilter } from "./review-queue.js";
import { ReviewSession, type ReviewSessionOptions } from "./review-session.js";

export interface ReviewServerOptions extends ReviewSessionOptions {
  /** The intermediate dataset directory to review. */
  dataset: string;
  /** TCP port on 127.0.0.1; default 0: a free port chosen by the system. */
  port?: number;
}

export interface ReviewServer {
  /** The page's address with the session token (`http://127.0.0.1:<port>/?t=<token>`): print it, open it. */
  url: string;
  /** `http://127.0.0.1:<port>`: the only origin the server answers. */
  origin: string;
  port: number;
  /** The per-session secret (32 random bytes, hex) every request must carry. */
  token: string;
  /** The review itself (queue, decisions), for callers that drive it in-process. */
  session: ReviewSession;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** Only ever bound here: screenshots of someone's desktop do not leave the machine. */
export const REVIEW_HOST = "127.0.0.1";
export const TOKEN_HEADER = "x-review-token";
const MAX_BODY = 64 * 1024;

const here = typeof __dirname === "string" ? __dirname : path.dirname(fileURLToPath(import.meta.url));
/** The page's files ship in the package's assets/ (beside src/ and dist/); served from memory, by fixed name only. */
const ASSETS_DIR = path.join(here, "..", "assets");

const IMAGE_TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif" };

const bboxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const decisionSchema = z.object({
  image: z.string().regex(IMAGE_ID_PATTERN),
  action: z.enum(["accept", "reject", "edit", "add", "flag"]),
  index: z.number().int().min(0).optional(),
  before: z.record(z.string(), z.unknown()).optional(),
  bbox: bboxSchema.optional(),
  category: z.string().max(256).optional(),
});
const undoSchema = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/).optional() });
const queueSchema = z.object({
  category: z.string().max(256).optional(),
  source: z.string().max(256).optional(),
  min: z.coerce.number().min(0).max(1).optional(),
  max: z.coerce.number().min(0).max(1).optional(),
  state: z.enum(["pending", "reviewed", "unverified", "all"]).optional(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readAsset(name: string): Buffer {
  return readFileSync(path.join(ASSETS_DIR, name));
}

/**
 * Serves a review of one dataset on 127.0.0.1 (never another address), on a
 * random port unless told one. Every request needs the session token (the
 * page's `?t=`, then a cookie for the page's images and a header for its API
 * calls); a request whose Host is not this server's (DNS rebinding) or whose
 * Origin is another site's (CSRF) is refused; images are served by image id
 * only, from the dataset's images/, streamed, never copied.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const session = await ReviewSession.open(options.dataset, options);
  const token = randomBytes(32).toString("hex");
  const tokenBytes = Buffer.from(token);
  const page = readAsset("review.html").toString("utf8");
  const script = readAsset("review.js");
  const style = readAsset("review.css");

  let port = 0;
  const allowedHosts = () => [`${REVIEW_HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);
  const cookieName = () => `qreview_${port}`;

  const tokenOk = (candidate: string | undefined) => {
    if (typeof candidate !== "string") return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };

  const cookieToken = (req: IncomingMessage): string | undefined => {
    for (const part of (req.headers.cookie ?? "").split(";")) {
      const [k, v] = part.trim().split("=");
      if (k === cookieName()) return v;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://invalid");
    // DNS rebinding: a page of another site resolved to 127.0.0.1 still says its own name in Host.
    if (!allowedHosts().includes(req.headers.host ?? "")) throw new HttpError(403, "wrong Host: this server answers only its own address");
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().includes(origin)) throw new HttpError(403, "cross-origin requests are refused");
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") throw new HttpError(403, "cross-site requests are refused");

    const headerToken = req.headers[TOKEN_HEADER];
    const queryToken = url.searchParams.get("t") ?? undefined;
    const method = req.method ?? "GET";
    if (method === "POST") {
      // The API's writes need the header: a form or an image tag from elsewhere cannot set it.
      if (!tokenOk(typeof headerToken === "string" ? headerToken : undefined)) throw new HttpError(403, "missing or wrong session token");
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "send JSON");
    } else if (method === "GET" || method === "HEAD") {
      if (![typeof headerToken === "string" ? headerToken : undefined, queryToken, cookieToken(req)].some(tokenOk)) {
        throw new HttpError(403, "missing or wrong session token: open the address the review command printed");
      }
    } else throw new HttpError(405, "method not allowed");

    const route = url.pathname;
    if (method === "GET" && route === "/") {
      const html = page.replace("__TOKEN__", token);
      res.setHeader("Set-Cookie", `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, 200, "text/html; charset=utf-8", html);
    }
    if (method === "GET" && route === "/review.js") return send(res, 200, "text/javascript; charset=utf-8", script);
    if (method === "GET" && route === "/review.css") return send(res, 200, "text/css; charset=utf-8", style);
    if (method === "GET" && route === "/api/session") {
      return json(res, 200, {
        dataset: session.dataset.dir,
        reviewer: session.reviewer,
        log: session.logFile,
        categories: session.categories(),
        sources: session.sources(),
        progress: session.progress(),
      });
    }
    if (method === "GET" && route === "/api/queue") {
      const q = queueSchema.safeParse(Object.fromEntries([...url.searchParams].filter(([k, v]) => k !== "t" && v !== "")));
      if (!q.success) throw new HttpError(400, `bad filter: ${q.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      const filter: QueueFilter = {
        ...(q.data.category !== undefined ? { category: q.data.category } : {}),
        ...(q.data.source !== undefined ? { source: q.data.source } : {}),
        ...(q.data.min !== undefined ? { minConfidence: q.data.min } : {}),
        ...(q.data.max !== undefined ? { maxConfidence: q.data.max } : {}),
        ...(q.data.state !== undefined ? { state: q.data.state } : {}),
      };
      const items = session.queue(filter).map((s) => ({ id: s.id, reviewed: s.reviewed, boxes: s.boxes, unverified: s.unverified, minConfidence: s.minConfidence }));
      return json(res, 200, { items, progress: session.progress() });
    }
    const imageRoute = /^\/api\/images\/([^/]+)(\/file)?$/.exec(route);
    if (method === "GET" && imageRoute) {
      const id = imageRoute[1]!;
      if (!IMAGE_ID_PATTERN.test(id) || !session.has(id)) throw new HttpError(404, "no such image");
      if (!imageRoute[2]) return json(res, 200, await session.image(id));
      const file = await session.imagePath(id);
      if (!file) throw new HttpError(404, "no such image");
      return streamFile(res, file, IMAGE_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream");
    }
    if (method === "POST" && route === "/api/decisions") {
      const d = decisionSchema.safeParse(await readJson(req));
      if (!d.success) throw new HttpError(400, `bad decision: ${d.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      if (!session.has(d.data.image)) throw new HttpError(404, "no such image");
      return json(res, 200, { ...(await session.decide(d.data as Parameters<ReviewSession["decide"]>[0])), progress: session.progress() });
    }
    if (method === "POST" && route === "/api/undo") {
      const u = undoSchema.safeParse(await readJson(req));
      if (!u.success) throw new HttpError(400, "bad undo: give no id, or a decision id from the review log");
      return json(res, 200, { ...(await session.undo(u.data.id)), progress: session.progress() });
    }
    throw new HttpError(404, "not found");
  };

  const server: Server = createServer((req, res) => {
    securityHeaders(res);
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof ReviewConflictError ? 409 : e instanceof ReviewInputError ? 400 : e instanceof ExportError ? 400 : 500;
      if (!res.headersSent) json(res, status, { error: (e as Error).message, ...(e instanceof ExportError ? { code: e.code } : {}) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: REVIEW_HOST, port: options.port ?? 0, exclusive: true }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${REVIEW_HOST}:${port}`;
  return {
    url: `${origin}/?t=${token}`,
    origin,
    port,
    token,
    session,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function securityHeaders(res: ServerResponse): void {
  // Nothing from elsewhere: no remote scripts, styles, images or frames; the token never leaves in a Referer.
  res.setHeader(
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Cache-Control", "no-store");
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function streamFile(res: ServerResponse, file: string, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file);
    stream.once("open", () => {
      // Content-addressed: the bytes of an id never change.
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "private, max-age=86400, immutable" });
      stream.pipe(res);
    });
    stream.once("error", (e) => (res.headersSent ? res.destroy() : reject(new HttpError(404, `image file unreadable: ${(e as NodeJS.ErrnoException).code ?? "error"}`))));
    stream.once("end", () => resolve());
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not JSON");
  }
}
