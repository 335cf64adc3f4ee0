import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DirectoryBlobStore, sha256Hex } from "../src/index.js";
import { describeBlobStoreContract } from "../src/testing/vitest.js";
import { tempDir } from "./temp-dirs.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.resolve(here, "../dist/index.js");

describeBlobStoreContract("DirectoryBlobStore", async () => new DirectoryBlobStore(path.join(await tempDir(), "blobs with spaces ü")));

describe("DirectoryBlobStore", () => {
  it("keeps a blob at <root>/<key[0..2]>/<key>, returns that file from localFile, and lists no foreign file", async () => {
    const root = await tempDir();
    const store = new DirectoryBlobStore(root);
    const bytes = Buffer.from("screen");
    const { key } = await store.put(bytes);
    const file = path.join(root, key.slice(0, 2), key);
    expect(await store.localFile(key)).toBe(file);
    expect(await fs.readFile(file)).toEqual(bytes);
    // Files that are not blobs: a misplaced blob, a name that is not a key, a temp file.
    const other = sha256Hex(Buffer.from("other"));
    await fs.writeFile(path.join(root, key.slice(0, 2), other), "misplaced");
    await fs.writeFile(path.join(root, key.slice(0, 2), `${key}.bak`), "x");
    await fs.mkdir(path.join(root, "zz"));
    await fs.writeFile(path.join(root, "zz", "README"), "x");
    await fs.writeFile(path.join(root, ".tmp", `${other}.123456`), "half");
    const listed = [];
    for await (const info of store.list()) listed.push(info.key);
    expect(listed).toEqual([key]);
    expect((await fs.readdir(path.join(root, ".tmp"))).length).toBe(1);
  });

  it("lists nothing and has nothing when its directory does not exist yet", async () => {
    const store = new DirectoryBlobStore(path.join(await tempDir(), "not yet"));
    const listed = [];
    for await (const info of store.list()) listed.push(info);
    expect(listed).toEqual([]);
    expect(await store.has(sha256Hex(Buffer.from("x")))).toBe(false);
  });

  it("sweeps temp files of killed writers older than staleTempMs on its first put, and keeps younger ones", async () => {
    const root = await tempDir();
    await fs.mkdir(path.join(root, ".tmp"), { recursive: true });
    const old = path.join(root, ".tmp", `${"a".repeat(64)}.000000000001`);
    const young = path.join(root, ".tmp", `${"b".repeat(64)}.000000000002`);
    await fs.writeFile(old, "left by a writer killed two hours ago");
    await fs.writeFile(young, "a writer at work");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(old, twoHoursAgo, twoHoursAgo);
    const store = new DirectoryBlobStore(root, { staleTempMs: 3600_000 });
    await store.put(Buffer.from("first put"));
    expect((await fs.readdir(path.join(root, ".tmp"))).sort()).toEqual([path.basename(young)]);
    expect(await store.sweepTemp(0)).toBe(1);
    expect(await fs.readdir(path.join(root, ".tmp"))).toEqual([]);
  });

  it("leaves no partial blob under its key when the writer is SIGKILLed in the middle of a put", async () => {
    const root = await tempDir();
    const blob = path.join(root, "blob.bin");
    // Big enough that the write takes a while; its bytes come from a file so the child and this test agree on them.
    const bytes = randomBytes(64 * 1024 * 1024);
    await fs.writeFile(blob, bytes);
    const key = sha256Hex(bytes);
    const store = new DirectoryBlobStore(path.join(root, "store"));
    const script = `
      const { DirectoryBlobStore } = await import(${JSON.stringify(dist)});
      const { readFileSync } = await import("node:fs");
      const bytes = readFileSync(${JSON.stringify(blob)});
      process.stdout.write("writing\\n");
      await new DirectoryBlobStore(${JSON.stringify(store.location)}).put(bytes);
      process.stdout.write("done\\n");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    // Kill it as soon as its temp file has some bytes but not all of them.
    const tempDirPath = path.join(store.location, ".tmp");
    let seen = -1;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const names = await fs.readdir(tempDirPath).catch(() => [] as string[]);
      if (names.length > 0) {
        seen = (await fs.stat(path.join(tempDirPath, names[0]!)).catch(() => ({ size: -1 }))).size;
        if (seen > 0) {
          child.kill("SIGKILL");
          break;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await exited, out).toBe("SIGKILL");
    expect(out).not.toContain("done");
    expect(seen).toBeGreaterThan(0);
    const left = await fs.readdir(tempDirPath);
    expect(left).toHaveLength(1);
    expect((await fs.stat(path.join(tempDirPath, left[0]!))).size).toBeLessThan(bytes.length);
    expect(await store.has(key)).toBe(false);
    await expect(store.get(key)).rejects.toThrow(/is not in/);
    const listed = [];
    for await (const info of store.list()) listed.push(info);
    expect(listed).toEqual([]);
    // The next writer stores it whole; the killed writer's temp file goes with a sweep.
    expect(await store.put(bytes)).toEqual({ key, created: true });
    expect(sha256Hex(await store.get(key))).toBe(key);
    expect(await store.sweepTemp(0)).toBe(1);
  }, 60_000);
});
