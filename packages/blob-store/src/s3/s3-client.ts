import { setTimeout as sleep } from "node:timers/promises";
import { sha256Hex } from "../sha256.js";
import { type Credentials, EMPTY_SHA256, signRequest, uriEncode } from "./sigv4.js";

/** An S3 request the server refused or that could not be made; `code` is S3's error code (`NoSuchKey`, `PreconditionFailed`, ...). */
export class S3Error extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "S3Error";
  }
}

export interface S3ClientOptions {
  /** `http(s)://host:port`, path-style: requests go to `<endpoint>/<bucket>/<object key>`. */
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** Per request, headers to the last byte of the body (default 120 s). */
  requestTimeoutMs?: number;
  /** Tries of a request that failed on the network or with 500/502/503/504 (default 4). */
  attempts?: number;
}

export interface S3Request {
  method: "GET" | "HEAD" | "PUT" | "DELETE" | "POST";
  bucket: string;
  /** Object key, unencoded; none for a bucket request. */
  objectKey?: string;
  query?: Record<string, string | undefined>;
  /** Lowercase names; every one is signed. */
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Hex SHA-256 of `body` when the caller has it already (the blob key). */
  bodySha256?: string;
  /** Statuses that are answers, not errors (404 for HEAD, 412 for a conditional put). */
  accept?: readonly number[];
}

const RETRIED_STATUS = new Set([500, 502, 503, 504]);

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m ? decodeXml(m[1]!) : undefined;
}

export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e as "amp"];
  });
}

/**
 * The few S3 calls a blob store needs, signed with SigV4 over Node's own
 * fetch and crypto: no SDK, no dependency. Path-style addressing only, which
 * every S3-compatible server (radosgw, MinIO, Garage, SeaweedFS) and AWS serve.
 */
export class S3Client {
  private readonly endpoint: URL;
  private readonly region: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  /** A # field: JSON.stringify and console.log of a store never show the secret. */
  readonly #credentials: Credentials;

  constructor(options: S3ClientOptions) {
    this.endpoint = new URL(options.endpoint);
    this.region = options.region;
    this.#credentials = options.credentials;
    this.timeoutMs = options.requestTimeoutMs ?? 120_000;
    this.attempts = Math.max(1, options.attempts ?? 4);
  }

  url(bucket: string, objectKey?: string, query?: Record<string, string | undefined>): URL {
    const base = this.endpoint.pathname.replace(/\/+$/, "");
    const segments = [bucket, ...(objectKey === undefined ? [] : objectKey.split("/"))].map(uriEncode);
    const url = new URL(`${this.endpoint.origin}${base}/${segments.join("/")}`);
    const pairs = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    url.search = pairs
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .sort()
      .join("&");
    return url;
  }

  /** Sends a request, retrying network failures and 5xx; a status neither 2xx nor accepted throws `S3Error`. */
  async send(req: S3Request): Promise<Response> {
    const url = this.url(req.bucket, req.objectKey, req.query);
    const what = `${req.method} ${url.pathname}`;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        const headers = signRequest(
          { method: req.method, url, headers: req.headers ?? {}, payloadSha256: req.bodySha256 ?? (req.body ? sha256Hex(req.body) : EMPTY_SHA256) },
          this.#credentials,
          this.region,
        );
        res = await fetch(url, { method: req.method, headers, body: req.body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        if (attempt < this.attempts) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        const cause = e as Error & { cause?: Error };
        throw new S3Error(`S3 ${what} at ${this.endpoint.origin} failed: ${cause.cause?.message ?? cause.message} (is the endpoint right and up?)`, 0, "NetworkError");
      }
      // A missing bucket is no missing object: a 404 accepted for NoSuchKey still throws for NoSuchBucket.
      if (res.status === 404 && req.accept?.includes(404)) {
        if (req.method === "HEAD" || xmlText(await res.clone().text(), "Code") !== "NoSuchBucket") return res;
      } else if (res.ok || req.accept?.includes(res.status)) return res;
      const body = req.method === "HEAD" ? "" : await res.text().catch(() => "");
      if (RETRIED_STATUS.has(res.status) && attempt < this.attempts) {
        await sleep(100 * 2 ** attempt);
        continue;
      }
      const code = xmlText(body, "Code") ?? `HTTP${res.status}`;
      const message = xmlText(body, "Message");
      throw new S3Error(`S3 ${what} at ${this.endpoint.origin}: ${res.status} ${code}${message ? `: ${message}` : ""}${hint(code)}`, res.status, code, xmlText(body, "RequestId"));
    }
  }
}

function hint(code: string): string {
  if (code === "NoSuchBucket") return " (create the bucket first)";
  if (code === "SignatureDoesNotMatch" || code === "InvalidAccessKeyId" || code === "AccessDenied")
    return " (check the access key and secret: S3_ACCESS_KEY / S3_SECRET_KEY or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)";
  return "";
}
