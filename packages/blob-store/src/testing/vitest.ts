/**
 * The blob store contract as vitest tests, so a backend's contract test is one call:
 * `describeBlobStoreContract("my store", () => new MyBlobStore(...))`.
 * A subpath of its own because it imports vitest and sharp (optional peer dependencies).
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BlobInfo, BlobDigestError, BlobKeyError, BlobNotFoundError, type BlobStore } from "../blob-store.js";
import { sha256Hex } from "../sha256.js";
import { contractImages, type ContractImages } from "./images.js";

export interface BlobStoreContractOptions {
  /** Size of the blob readers poll for while it is being written (default 32 MiB). */
  largeBlobBytes?: number;
}

const VALID = sha256Hex(Buffer.from("a key no blob has"));

/** Keys every method must refuse with BlobKeyError (never use as a path or object name). */
export const HOSTILE_KEYS: readonly unknown[] = [
  "../x",
  `../${VALID.slice(3)}`,
  VALID.slice(1),
  `${VALID}0`,
  VALID.toUpperCase(),
  `${VALID.slice(0, 32)}/${VALID.slice(33)}`,
  "a/b",
  "",
  `${VALID}\n`,
  ` ${VALID.slice(1)}`,
  `${VALID.slice(0, 63)}g`,
  `${VALID.slice(0, 62)}\u0000a`,
  42,
  null,
  {},
  [VALID],
  new String(VALID),
];

function label(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…(${key.length} chars)${key.slice(-4)}` : key);
  if (key instanceof String) return "new String(valid key)";
  return Array.isArray(key) ? "[valid key]" : String(key);
}

/** Whatever `run` does, synchronously or not, it must fail with `type`. */
async function expectFailure(run: () => unknown, type: new (...args: never[]) => Error, what: string): Promise<Error> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, `${what} should throw ${type.name}`).toBeInstanceOf(type);
  return error as Error;
}

async function listAll(store: BlobStore): Promise<BlobInfo[]> {
  const all: BlobInfo[] = [];
  for await (const info of store.list()) all.push(info);
  return all;
}

async function infoOf(store: BlobStore, key: string): Promise<BlobInfo | undefined> {
  return (await listAll(store)).find((i) => i.key === key);
}

/**
 * Registers the blob store contract for a backend as a vitest suite. `open`
 * gives a new, empty store for each test (a fresh directory, a fresh prefix
 * in a bucket); the suite closes it after the test.
 */
export function describeBlobStoreContract(name: string, open: () => BlobStore | Promise<BlobStore>, options: BlobStoreContractOptions = {}): void {
  const largeBlobBytes = options.largeBlobBytes ?? 32 * 1024 * 1024;

  describe(`${name}: the blob store contract`, () => {
    let images: ContractImages;
    const opened: BlobStore[] = [];
    const fresh = async (): Promise<BlobStore> => {
      const store = await open();
      opened.push(store);
      return store;
    };

    beforeAll(async () => {
      images = await contractImages(7);
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
    });

    it("stores a 1920×1080 PNG and a JPEG under their SHA-256 and gives the same bytes back", async () => {
      const store = await fresh();
      for (const [kind, bytes] of [
        ["png", images.png],
        ["jpeg", images.jpeg],
      ] as const) {
        const key = sha256Hex(bytes);
        expect(await store.has(key), kind).toBe(false);
        expect(await store.put(bytes), kind).toEqual({ key, created: true });
        expect(await store.has(key), kind).toBe(true);
        const back = await store.get(key);
        expect(Buffer.isBuffer(back), kind).toBe(true);
        expect(back.equals(bytes), `${kind}: get gives the bytes put`).toBe(true);
        const { default: sharp } = await import("sharp");
        expect(await sharp(back).metadata(), kind).toMatchObject({ format: kind, width: 1920, height: 1080 });
      }
      expect(images.png.length).toBeGreaterThan(100_000);
    });

    it("gives a local file holding the blob's bytes, the same file again, also to concurrent callers", async () => {
      const store = await fresh();
      const { key } = await store.put(images.png);
      const files = await Promise.all([store.localFile(key), store.localFile(key), store.localFile(key)]);
      for (const file of files) expect((await fs.readFile(file)).equals(images.png)).toBe(true);
      const again = await store.localFile(key);
      expect((await fs.readFile(again)).equals(images.png)).toBe(true);
    });

    it("stores an empty blob and the bytes of a view into a larger buffer (not the whole buffer)", async () => {
      const store = await fresh();
      const empty = new Uint8Array(0);
      expect(await store.put(empty)).toEqual({ key: sha256Hex(empty), created: true });
      expect((await store.get(sha256Hex(empty))).length).toBe(0);
      const whole = randomBytes(4096);
      const view = new Uint8Array(whole.buffer, whole.byteOffset + 100, 1000);
      const { key } = await store.put(view);
      expect(key).toBe(sha256Hex(whole.subarray(100, 1100)));
      expect((await store.get(key)).equals(whole.subarray(100, 1100))).toBe(true);
      expect((await fs.readFile(await store.localFile(key))).equals(whole.subarray(100, 1100))).toBe(true);
    });

    it("accepts the right key given with the bytes and refuses a wrong one, storing nothing", async () => {
      const store = await fresh();
      const key = sha256Hex(images.jpeg);
      const wrong = sha256Hex(images.png);
      const error = await expectFailure(() => store.put(images.jpeg, wrong), BlobDigestError, "put with another blob's key");
      expect(error.message).toContain(wrong);
      expect(await store.has(wrong)).toBe(false);
      expect(await store.has(key)).toBe(false);
      expect(await listAll(store)).toEqual([]);
      expect(await store.put(images.jpeg, key)).toEqual({ key, created: true });
    });

    it("a put of bytes already stored creates nothing, is no error, and refreshes modified", async () => {
      const store = await fresh();
      const { key } = await store.put(images.jpeg);
      const first = await infoOf(store, key);
      expect(first?.size).toBe(images.jpeg.length);
      // Past any store's timestamp resolution (S3 servers keep seconds).
      await sleep(1100);
      const before = Date.now();
      expect(await store.put(images.jpeg)).toEqual({ key, created: false });
      expect(await store.put(images.jpeg, key)).toEqual({ key, created: false });
      const second = await infoOf(store, key);
      expect(second?.size).toBe(images.jpeg.length);
      expect(second!.modified.getTime()).toBeGreaterThan(first!.modified.getTime());
      expect(second!.modified.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((await store.get(key)).equals(images.jpeg)).toBe(true);
    });

    it("of 16 concurrent puts of the same bytes exactly one creates the blob, and it is whole", async () => {
      const store = await fresh();
      const bytes = randomBytes(1024 * 1024);
      const results = await Promise.all(Array.from({ length: 16 }, () => store.put(bytes)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.key))).toEqual(new Set([sha256Hex(bytes)]));
      expect((await store.get(sha256Hex(bytes))).equals(bytes)).toBe(true);
      expect((await listAll(store)).map((i) => [i.key, i.size])).toEqual([[sha256Hex(bytes), bytes.length]]);
    });

    it("concurrent puts of different bytes all land, each whole", async () => {
      const store = await fresh();
      const blobs = Array.from({ length: 16 }, (_, i) => randomBytes(64 * 1024 + i * 4099));
      const results = await Promise.all(blobs.map((b) => store.put(b)));
      expect(results.every((r) => r.created)).toBe(true);
      for (const b of blobs) expect((await store.get(sha256Hex(b))).equals(b)).toBe(true);
    });

    it("get and localFile of a missing key throw BlobNotFoundError; has is false; delete is no error", async () => {
      const store = await fresh();
      const e1 = await expectFailure(() => store.get(VALID), BlobNotFoundError, "get of a missing key");
      expect((e1 as BlobNotFoundError).key).toBe(VALID);
      await expectFailure(() => store.localFile(VALID), BlobNotFoundError, "localFile of a missing key");
      expect(await store.has(VALID)).toBe(false);
      await store.delete(VALID);
      expect(await listAll(store)).toEqual([]);
    });

    it("refuses every malformed key with BlobKeyError in every method, and stores nothing", async () => {
      const store = await fresh();
      const bytes = Buffer.from("hostile keys");
      for (const key of HOSTILE_KEYS) {
        const k = key as string;
        const l = label(key);
        await expectFailure(() => store.has(k), BlobKeyError, `has(${l})`);
        await expectFailure(() => store.get(k), BlobKeyError, `get(${l})`);
        await expectFailure(() => store.localFile(k), BlobKeyError, `localFile(${l})`);
        await expectFailure(() => store.delete(k), BlobKeyError, `delete(${l})`);
        // null is refused as a key given with the bytes; only leaving the key out means "compute it".
        await expectFailure(() => store.put(bytes, k), BlobKeyError, `put(bytes, ${l})`);
      }
      expect(await listAll(store)).toEqual([]);
    });

    it("lists every blob exactly once with its size", async () => {
      const store = await fresh();
      const blobs = [new Uint8Array(0), ...Array.from({ length: 24 }, (_, i) => randomBytes(1 + i * 997))];
      await Promise.all(blobs.map((b) => store.put(b)));
      await store.put(blobs[3]!);
      const listed = await listAll(store);
      const want = blobs.map((b) => [sha256Hex(b), b.length] as const).sort();
      expect(listed.map((i) => [i.key, i.size] as const).sort()).toEqual(want);
      for (const info of listed) expect(Number.isNaN(info.modified.getTime()), `modified of ${info.key}`).toBe(false);
    });

    it("deletes a blob: gone from has, get and list; put again creates it anew", async () => {
      const store = await fresh();
      const a = await store.put(images.jpeg);
      const b = await store.put(Buffer.from("stays"));
      await store.delete(a.key);
      await store.delete(a.key);
      expect(await store.has(a.key)).toBe(false);
      await expectFailure(() => store.get(a.key), BlobNotFoundError, "get after delete");
      expect((await listAll(store)).map((i) => i.key)).toEqual([b.key]);
      expect(await store.put(images.jpeg)).toEqual({ key: a.key, created: true });
    });

    it("a reader never sees a partial blob while a large put is in flight", async () => {
      const store = await fresh();
      const bytes = randomBytes(largeBlobBytes);
      const key = sha256Hex(bytes);
      let done = false;
      let absent = 0;
      const readers = Array.from({ length: 2 }, async () => {
        while (!done) {
          const present = await store.has(key);
          try {
            const got = await store.get(key);
            expect(got.length).toBe(bytes.length);
            expect(sha256Hex(got)).toBe(key);
          } catch (e) {
            if (!(e instanceof BlobNotFoundError)) throw e;
            // Once has() said the blob is there it stays there: nothing deletes it here.
            expect(present, "has() was true, then get() found nothing").toBe(false);
            absent++;
          }
        }
      });
      const writing = store.put(bytes).finally(() => {
        done = true;
      });
      const [result] = await Promise.all([writing, ...readers]);
      expect(result).toEqual({ key, created: true });
      expect(absent, "no read happened while the put was in flight").toBeGreaterThan(0);
      expect((await store.get(key)).equals(bytes)).toBe(true);
    });
  });
}
