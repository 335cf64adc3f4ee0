import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type BlobInfo, BlobDigestError, BlobNotFoundError, type BlobStore, BlobStoreConfigError, checkBlobKey, type PutResult } from "./blob-store.js";
import { decodeXml, S3Client, S3Error } from "./s3/s3-client.js";
import { sha256Hex } from "./sha256.js";

export interface S3BlobStoreOptions {
  /** Env: `S3_BUCKET`. */
  bucket?: string;
  /** Folder of the blobs in the bucket (`datasets/images/`); default none. Env: `S3_PREFIX`. */
  prefix?: string;
  /**
   * `http(s)://host:port` of an S3-compatible server, addressed path-style.
   * Env: `S3_ENDPOINT`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`; default AWS's `https://s3.<region>.amazonaws.com`.
   */
  endpoint?: string;
  /** Env: `S3_REGION`, `AWS_REGION`, `AWS_DEFAULT_REGION`; default `us-east-1` (what radosgw and MinIO expect). */
  region?: string;
  /** Env: `S3_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`. */
  accessKeyId?: string;
  /** Env: `S3_SECRET_KEY`, `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey?: string;
  /** Env: `S3_SESSION_TOKEN`, `AWS_SESSION_TOKEN`. */
  sessionToken?: string;
  /**
   * Where `localFile` keeps downloaded blobs (kept across runs: each file is
   * verified against its key before it is renamed into place). Default: a
   * temp directory of this store's own, removed by `close()`.
   */
  cacheDir?: string;
  /** Keys per ListObjectsV2 page, 1 to 1000 (default 1000). */
  listPageSize?: number;
  /** Per request, to the last byte of the body (default 120 000). */
  requestTimeoutMs?: number;
  /** Where unset options are read from (default `process.env`; `{}` reads none). */
  env?: Record<string, string | undefined>;
}

const PUT_ROUNDS = 6;

function firstOf(env: Record<string, string | undefined>, ...names: string[]): string | undefined {
  for (const n of names) if (env[n]) return env[n];
  return undefined;
}

/** `""` or `a/b/`: no leading slash, one trailing slash, no empty, `.` or `..` segment. */
function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed === "") return "";
  const segments = trimmed.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || /[\u0000-\u001f\u007f]/.test(s)))
    throw new BlobStoreConfigError(`S3 prefix ${JSON.stringify(prefix)} has an empty, "." or ".." segment or a control character`);
  return `${trimmed}/`;
}

/**
 * Blobs in an S3 bucket (radosgw, MinIO, AWS, ... addressed path-style) at
 * `<prefix><key[0..2]>/<key>`. A blob is written by one PutObject with
 * `If-None-Match: *`, `Content-MD5`, `x-amz-checksum-sha256` and a signed
 * payload SHA-256, so it appears whole or not at all, a torn or corrupted
 * upload is refused by the server, and of two writers of the same bytes
 * exactly one creates it. Bytes already stored are not sent again: a
 * CopyObject of the blob onto itself refreshes its `modified`.
 */
export class S3BlobStore implements BlobStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly listPageSize: number;
  private readonly givenCacheDir: string | undefined;
  private ownCacheDir: Promise<string> | undefined;
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(options: S3BlobStoreOptions = {}) {
    const env = options.env ?? process.env;
    const bucket = options.bucket ?? firstOf(env, "S3_BUCKET");
    if (!bucket) throw new BlobStoreConfigError("S3BlobStore needs a bucket: the bucket option, S3_BUCKET, or a URL s3://bucket/prefix");
    if (!/^[a-z0-9][a-z0-9._-]{2,254}$/i.test(bucket)) throw new BlobStoreConfigError(`${JSON.stringify(bucket)} is not an S3 bucket name`);
    const region = options.region ?? firstOf(env, "S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1";
    const endpointText = options.endpoint ?? firstOf(env, "S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL") ?? `https://s3.${region}.amazonaws.com`;
    let endpoint: URL;
    try {
      endpoint = new URL(endpointText);
    } catch {
      throw new BlobStoreConfigError(`S3 endpoint ${JSON.stringify(endpointText)} is not a URL (want http(s)://host:port)`);
    }
    if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") throw new BlobStoreConfigError(`S3 endpoint ${endpoint.origin} is not http(s)`);
    if (endpoint.username || endpoint.password) throw new BlobStoreConfigError("S3 endpoint URL holds credentials: give them as options or S3_ACCESS_KEY / S3_SECRET_KEY instead");
    const accessKeyId = options.accessKeyId ?? firstOf(env, "S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID");
    const secretAccessKey = options.secretAccessKey ?? firstOf(env, "S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY");
    if (!accessKeyId || !secretAccessKey)
      throw new BlobStoreConfigError("S3BlobStore needs credentials: accessKeyId/secretAccessKey options, S3_ACCESS_KEY/S3_SECRET_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    const sessionToken = options.sessionToken ?? firstOf(env, "S3_SESSION_TOKEN", "AWS_SESSION_TOKEN");
    this.bucket = bucket;
    this.prefix = normalizePrefix(options.prefix ?? firstOf(env, "S3_PREFIX") ?? "");
    this.listPageSize = Math.min(1000, Math.max(1, Math.floor(options.listPageSize ?? 1000)));
    this.givenCacheDir = options.cacheDir;
    const endpointBase = `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, "")}`;
    this.client = new S3Client({
      endpoint: endpointBase,
      region,
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    const custom = options.endpoint ?? firstOf(env, "S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    this.location = `s3://${bucket}/${this.prefix}${custom ? `?endpoint=${endpointBase}` : ""}`;
  }

  /**
   * A store from `s3://bucket/prefix?endpoint=http://host:port&region=r`;
   * credentials from `options` or the environment, never from the URL.
   */
  static fromUrl(url: string, options: S3BlobStoreOptions = {}): S3BlobStore {
    return new S3BlobStore({ ...parseS3Url(url), ...options });
  }

  private objectKey(key: string): string {
    checkBlobKey(key);
    return `${this.prefix}${key.slice(0, 2)}/${key}`;
  }

  async put(bytes: Uint8Array, key?: string): Promise<PutResult> {
    const actual = sha256Hex(bytes);
    if (key !== undefined && checkBlobKey(key) !== actual) throw new BlobDigestError(key, actual, "put refused: the bytes hash to another key");
    const objectKey = this.objectKey(actual);
    const md5 = createHash("md5").update(bytes).digest("base64");
    const checksum = Buffer.from(actual, "hex").toString("base64");
    for (let round = 0; round < PUT_ROUNDS; round++) {
      // Bytes already stored are not uploaded again: touching them is one request.
      if (await this.touch(objectKey)) return { key: actual, created: false };
      const res = await this.client.send({
        method: "PUT",
        bucket: this.bucket,
        objectKey,
        body: bytes,
        bodySha256: actual,
        headers: { "content-type": "application/octet-stream", "content-md5": md5, "x-amz-checksum-sha256": checksum, "if-none-match": "*" },
        accept: [409, 412],
      });
      await res.arrayBuffer();
      if (res.status === 200) return { key: actual, created: true };
      // 412: another writer created it since the touch; 409 (AWS): a conditional write raced another one. Touch or try again.
      if (res.status === 409) await sleep(50 * (round + 1));
    }
    throw new S3Error(`S3 put of ${actual} into ${this.location} kept racing other writers (${PUT_ROUNDS} rounds): try again`, 409, "ConditionalRequestConflict");
  }

  /** Refreshes a stored object's Last-Modified (CopyObject onto itself); false when there is none. */
  private async touch(objectKey: string): Promise<boolean> {
    const res = await this.client.send({
      method: "PUT",
      bucket: this.bucket,
      objectKey,
      headers: {
        "content-type": "application/octet-stream",
        "x-amz-copy-source": `/${encodeURIComponent(this.bucket)}/${objectKey.split("/").map(encodeURIComponent).join("/")}`,
        "x-amz-metadata-directive": "REPLACE",
      },
      // Without s3:ListBucket, AWS answers 403 for a missing source: the conditional put then decides.
      accept: [403, 404],
    });
    const body = await res.text();
    if (res.status !== 200) return false;
    // CopyObject may fail after its 200 status line, with an <Error> body.
    if (/<Error>/.test(body)) throw new S3Error(`S3 copy of ${objectKey} onto itself in ${this.location} failed: ${body.slice(0, 300)}`, 200, "CopyFailed");
    return true;
  }

  async has(key: string): Promise<boolean> {
    const res = await this.client.send({ method: "HEAD", bucket: this.bucket, objectKey: this.objectKey(key), accept: [404] });
    return res.status === 200;
  }

  async get(key: string): Promise<Buffer> {
    const res = await this.client.send({ method: "GET", bucket: this.bucket, objectKey: this.objectKey(key), accept: [404] });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status === 404) throw new BlobNotFoundError(key, this.location);
    const actual = sha256Hex(bytes);
    if (actual !== key) throw new BlobDigestError(key, actual, `blob in ${this.location} is corrupt`);
    return bytes;
  }

  async localFile(key: string): Promise<string> {
    const objectKey = this.objectKey(key);
    let download = this.downloads.get(key);
    if (!download) {
      download = this.download(key, objectKey).finally(() => this.downloads.delete(key));
      this.downloads.set(key, download);
    }
    return download;
  }

  private cacheDir(): Promise<string> {
    if (this.givenCacheDir) return Promise.resolve(path.resolve(this.givenCacheDir));
    this.ownCacheDir ??= fs.mkdtemp(path.join(os.tmpdir(), "qontinui-blob-cache-"));
    return this.ownCacheDir;
  }

  private async download(key: string, objectKey: string): Promise<string> {
    const dir = await this.cacheDir();
    const file = path.join(dir, key.slice(0, 2), key);
    try {
      await fs.access(file);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const res = await this.client.send({ method: "GET", bucket: this.bucket, objectKey, accept: [404] });
    if (res.status === 404) {
      await res.arrayBuffer();
      throw new BlobNotFoundError(key, this.location);
    }
    const tempDir = path.join(dir, ".tmp");
    await fs.mkdir(tempDir, { recursive: true });
    const temp = path.join(tempDir, `${key}.${randomBytes(6).toString("hex")}`);
    const hash = createHash("sha256");
    try {
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>), hashing, createWriteStream(temp, { flags: "wx", mode: 0o644 }));
      const actual = hash.digest("hex");
      if (actual !== key) throw new BlobDigestError(key, actual, `blob in ${this.location} is corrupt; not cached`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.rename(temp, file);
      return file;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    const pattern = /^([0-9a-f]{2})\/([0-9a-f]{64})$/;
    let token: string | undefined;
    do {
      const res = await this.client.send({
        method: "GET",
        bucket: this.bucket,
        query: { "list-type": "2", prefix: this.prefix, "max-keys": String(this.listPageSize), "continuation-token": token },
      });
      const xml = await res.text();
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const entry = m[1]!;
        const name = decodeXml(/<Key>([^<]*)<\/Key>/.exec(entry)?.[1] ?? "");
        if (!name.startsWith(this.prefix)) continue;
        const parts = pattern.exec(name.slice(this.prefix.length));
        if (!parts || !parts[2]!.startsWith(parts[1]!)) continue;
        yield {
          key: parts[2]!,
          size: Number(/<Size>(\d+)<\/Size>/.exec(entry)?.[1] ?? NaN),
          modified: new Date(/<LastModified>([^<]*)<\/LastModified>/.exec(entry)?.[1] ?? NaN),
        };
      }
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated ? decodeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? "") : undefined;
      if (truncated && !token) throw new S3Error(`S3 listing of ${this.location} was cut short without a continuation token`, res.status, "BadListing");
    } while (token);
  }

  async delete(key: string): Promise<void> {
    const res = await this.client.send({ method: "DELETE", bucket: this.bucket, objectKey: this.objectKey(key), accept: [404] });
    await res.arrayBuffer();
  }

  /** Removes the store's own cache directory (a `cacheDir` given in the options is kept). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.downloads.values()]);
    if (this.ownCacheDir) {
      const dir = await this.ownCacheDir.catch(() => undefined);
      this.ownCacheDir = undefined;
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

/** `s3://bucket/prefix?endpoint=http://127.0.0.1:7480&region=us-east-1` as options. Credentials are refused in it. */
export function parseS3Url(url: string): S3BlobStoreOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BlobStoreConfigError(`${JSON.stringify(url)} is not an s3:// URL (want s3://bucket/prefix?endpoint=http://host:port)`);
  }
  if (u.protocol !== "s3:") throw new BlobStoreConfigError(`${JSON.stringify(url)} is not an s3:// URL (want s3://bucket/prefix?endpoint=http://host:port)`);
  if (u.username || u.password) throw new BlobStoreConfigError("an s3:// URL holds no credentials: give them as S3_ACCESS_KEY / S3_SECRET_KEY (or AWS_*) in the environment, or as options");
  for (const name of u.searchParams.keys())
    if (name !== "endpoint" && name !== "region") throw new BlobStoreConfigError(`unknown parameter ${JSON.stringify(name)} in an s3:// URL (known: endpoint, region)`);
  const options: S3BlobStoreOptions = { bucket: decodeURIComponent(u.hostname), prefix: decodeURIComponent(u.pathname) };
  const endpoint = u.searchParams.get("endpoint");
  const region = u.searchParams.get("region");
  if (endpoint) options.endpoint = endpoint;
  if (region) options.region = region;
  return options;
}
