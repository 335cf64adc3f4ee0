import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import http from "node:http";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BlobDigestError, BlobNotFoundError, BlobStoreConfigError, sha256Hex } from "../src/index.js";
import { parseS3Url, S3BlobStore, type S3BlobStoreOptions, S3Error } from "../src/s3.js";
import { S3Client } from "../src/s3/s3-client.js";
import { signRequest } from "../src/s3/sigv4.js";
import { describeBlobStoreContract } from "../src/testing/vitest.js";
import { CephMissingError, type S3TestServer, startRadosgw } from "./radosgw.js";
import { tempDir } from "./temp-dirs.js";

// A real S3 server, no mock: a private radosgw started for this file (see radosgw.ts).
// Missing Ceph binaries fail these tests with the apt-get line that installs them.

const BUCKET = "blobs";
let server: S3TestServer;
let client: S3Client;
let stores = 0;

function options(extra: S3BlobStoreOptions = {}): S3BlobStoreOptions {
  return {
    endpoint: server.endpoint,
    bucket: BUCKET,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    prefix: `test-${++stores}/`,
    env: {},
    ...extra,
  };
}

beforeAll(async () => {
  server = await startRadosgw();
  console.log(`radosgw up in ${server.startMs} ms (${server.steps.map(([s, t]) => `${s} ${t}`).join(", ")})`);
  client = new S3Client({ endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  await (await client.send({ method: "PUT", bucket: BUCKET })).arrayBuffer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

// Pages of 7 keys: the contract's listing of 25 blobs takes four ListObjectsV2 pages.
describeBlobStoreContract("S3BlobStore on radosgw", () => new S3BlobStore(options({ listPageSize: 7 })), { largeBlobBytes: 8 * 1024 * 1024 });

describe("S3BlobStore on radosgw", () => {
  it("keeps a blob at <prefix><key[0..2]>/<key> and lists only its own prefix's blobs", async () => {
    const nest = `nest-${randomBytes(4).toString("hex")}`;
    const outer = new S3BlobStore(options({ prefix: nest }));
    const inner = new S3BlobStore(options({ prefix: `${nest}/inner/` }));
    const a = await outer.put(Buffer.from("outer"));
    const b = await inner.put(Buffer.from("inner"));
    const res = await client.send({ method: "HEAD", bucket: BUCKET, objectKey: `${nest}/${a.key.slice(0, 2)}/${a.key}` });
    expect(res.headers.get("content-length")).toBe("5");
    // A foreign object and a blob under the wrong shard are not blobs.
    await (await client.send({ method: "PUT", bucket: BUCKET, objectKey: `${nest}/notes.txt`, body: Buffer.from("x") })).arrayBuffer();
    await (await client.send({ method: "PUT", bucket: BUCKET, objectKey: `${nest}/00/${b.key}`, body: Buffer.from("x") })).arrayBuffer();
    const listed = [];
    for await (const info of outer.list()) listed.push(info.key);
    expect(listed).toEqual([a.key]);
  });

  it("sends bytes already stored not again: one CopyObject refreshes them", async () => {
    const store = new S3BlobStore(options());
    const bytes = randomBytes(200_000);
    await store.put(bytes);
    const spy = vi.spyOn(globalThis, "fetch");
    try {
      expect(await store.put(bytes)).toEqual({ key: sha256Hex(bytes), created: false });
      expect(spy).toHaveBeenCalledTimes(1);
      const init = spy.mock.calls[0]![1]!;
      expect(init.method).toBe("PUT");
      expect(init.body).toBeUndefined();
      expect((init.headers as Record<string, string>)["x-amz-copy-source"]).toContain(sha256Hex(bytes));
    } finally {
      spy.mockRestore();
    }
  });

  it("a torn upload (connection cut mid-body) and a corrupted body are refused by the server: nothing under the key", async () => {
    const store = new S3BlobStore(options());
    const bytes = randomBytes(4 * 1024 * 1024);
    const key = sha256Hex(bytes);
    const url = client.url(BUCKET, `${store.prefix}${key.slice(0, 2)}/${key}`);
    const headers = signRequest(
      {
        method: "PUT",
        url,
        headers: {
          "content-md5": createHash("md5").update(bytes).digest("base64"),
          "x-amz-checksum-sha256": Buffer.from(key, "hex").toString("base64"),
          "if-none-match": "*",
          "content-length": String(bytes.length),
        },
        payloadSha256: key,
      },
      { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      server.region,
    );
    // Half the body, then the connection drops.
    await new Promise<void>((resolve) => {
      const req = http.request(url, { method: "PUT", headers });
      req.on("error", () => resolve());
      req.on("response", (res) => {
        res.resume();
        resolve();
      });
      req.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => req.destroy(), 100));
    });
    expect(await store.has(key)).toBe(false);
    // The whole length, one byte changed: Content-MD5 and the signed SHA-256 no longer match.
    const corrupt = Buffer.from(bytes);
    corrupt[12345] = corrupt[12345]! ^ 0xff;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: "PUT", headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(corrupt);
    });
    expect(status).toBe(400);
    expect(await store.has(key)).toBe(false);
    expect(await store.put(bytes)).toEqual({ key, created: true });
    expect((await store.get(key)).equals(bytes)).toBe(true);
  });

  it("get and localFile refuse an object whose bytes are not its key's (overwritten behind the store's back), caching nothing", async () => {
    const cacheDir = await tempDir("blob-cache-");
    const store = new S3BlobStore(options({ cacheDir }));
    const { key } = await store.put(Buffer.from("the real bytes"));
    await (await client.send({ method: "PUT", bucket: BUCKET, objectKey: `${store.prefix}${key.slice(0, 2)}/${key}`, body: Buffer.from("other bytes") })).arrayBuffer();
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobDigestError);
    await expect(store.localFile(key)).rejects.toBeInstanceOf(BlobDigestError);
    expect(await fs.readdir(path.join(cacheDir, ".tmp"))).toEqual([]);
    await expect(fs.access(path.join(cacheDir, key.slice(0, 2), key))).rejects.toThrow();
  });

  it("keeps localFile's downloads in a given cache directory across stores; its own temp cache goes with close()", async () => {
    const cacheDir = await tempDir("blob-cache-");
    const store = new S3BlobStore(options({ cacheDir }));
    const { key } = await store.put(Buffer.from("cached"));
    const file = await store.localFile(key);
    expect(file).toBe(path.join(cacheDir, key.slice(0, 2), key));
    await store.close();
    expect(await fs.readFile(file, "utf8")).toBe("cached");
    const own = new S3BlobStore({ ...options(), prefix: store.prefix });
    const ownFile = await own.localFile(key);
    expect(await fs.readFile(ownFile, "utf8")).toBe("cached");
    await own.close();
    await expect(fs.access(ownFile)).rejects.toThrow();
  });

  it("reads its settings from S3_* or AWS_* variables and an s3:// URL; location names no secret and opens the same store", async () => {
    const s3Env = { S3_ENDPOINT: server.endpoint, S3_ACCESS_KEY: server.accessKeyId, S3_SECRET_KEY: server.secretAccessKey, S3_BUCKET: BUCKET, S3_PREFIX: "env-test" };
    const fromS3Env = new S3BlobStore({ env: s3Env });
    const { key } = await fromS3Env.put(Buffer.from("via env"));
    expect(fromS3Env.location).toBe(`s3://${BUCKET}/env-test/?endpoint=${server.endpoint}`);
    const awsEnv = { AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: "us-east-1" };
    const fromUrl = S3BlobStore.fromUrl(fromS3Env.location, { env: awsEnv });
    expect(fromUrl.location).toBe(fromS3Env.location);
    expect((await fromUrl.get(key)).toString()).toBe("via env");
    for (const store of [fromS3Env, fromUrl]) {
      expect(store.location).not.toContain(server.secretAccessKey);
      expect(store.location).not.toContain(server.accessKeyId);
      expect(JSON.stringify(store)).not.toContain(server.secretAccessKey);
      expect(inspect(store, { depth: 10 })).not.toContain(server.secretAccessKey);
    }
  });

  it("says what is wrong: a bad secret, a missing bucket (no BlobNotFoundError), a server that is not there", async () => {
    const badSecret = new S3BlobStore(options({ secretAccessKey: "not-the-secret" }));
    const e1 = await badSecret.put(Buffer.from("x")).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(S3Error);
    expect((e1 as S3Error).message).toMatch(/SignatureDoesNotMatch.*S3_SECRET_KEY/);
    expect((e1 as S3Error).message).not.toContain("not-the-secret");
    const noBucket = new S3BlobStore(options({ bucket: "no-such-bucket" }));
    const e2 = await noBucket.get(sha256Hex(Buffer.from("x"))).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(S3Error);
    expect(e2).not.toBeInstanceOf(BlobNotFoundError);
    expect((e2 as S3Error).code).toBe("NoSuchBucket");
    await expect(noBucket.put(Buffer.from("x"))).rejects.toThrow(/NoSuchBucket/);
    const down = new S3BlobStore(options({ endpoint: "http://127.0.0.1:9", requestTimeoutMs: 2000 }));
    await expect(down.has(sha256Hex(Buffer.from("x")))).rejects.toThrow(/127\.0\.0\.1:9.*is the endpoint right and up/);
  });
});

describe("the test server", () => {
  it("fails, naming the apt-get line, where the Ceph binaries are missing", async () => {
    const error = await startRadosgw({ binDirs: ["/nonexistent"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CephMissingError);
    expect((error as Error).message).toContain("apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd");
  });
});

describe("S3BlobStore options", () => {
  it("parses s3://bucket/prefix?endpoint=...&region=... and refuses credentials or unknown parameters in it", () => {
    expect(parseS3Url("s3://my-bucket/images/2024?endpoint=http://127.0.0.1:7480&region=eu-1")).toEqual({
      bucket: "my-bucket",
      prefix: "/images/2024",
      endpoint: "http://127.0.0.1:7480",
      region: "eu-1",
    });
    expect(parseS3Url("s3://b")).toEqual({ bucket: "b", prefix: "" });
    expect(() => parseS3Url("s3://AKIA:secret@b/p")).toThrow(BlobStoreConfigError);
    expect(() => parseS3Url("s3://b/p?secret=x")).toThrow(/unknown parameter/);
    expect(() => parseS3Url("http://b/p")).toThrow(/not an s3:\/\/ URL/);
  });

  it("needs a bucket and credentials, refuses an endpoint URL with credentials and a prefix with .. in it", () => {
    const creds = { accessKeyId: "a", secretAccessKey: "s" };
    expect(() => new S3BlobStore({ env: {}, ...creds })).toThrow(/needs a bucket/);
    expect(() => new S3BlobStore({ env: {}, bucket: "bkt" })).toThrow(/needs credentials/);
    expect(() => new S3BlobStore({ env: {}, bucket: "bkt", ...creds, endpoint: "http://u:p@127.0.0.1:1" })).toThrow(/holds credentials/);
    expect(() => new S3BlobStore({ env: {}, bucket: "bkt", ...creds, prefix: "a/../b" })).toThrow(BlobStoreConfigError);
    expect(() => new S3BlobStore({ env: {}, bucket: "../etc", ...creds })).toThrow(/not an S3 bucket name/);
    const aws = new S3BlobStore({ env: { AWS_REGION: "eu-west-3" }, bucket: "bkt", ...creds, prefix: "/x/y" });
    expect(aws.location).toBe("s3://bkt/x/y/");
    expect(aws.prefix).toBe("x/y/");
  });
});
