/**
 * A private, throwaway S3 server for the tests: single-host Ceph (one monitor,
 * one OSD on memstore, radosgw) on free loopback ports, in a temp directory,
 * started from the test and stopped after it. Debian 12 packages only:
 *   apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { accessSync, appendFileSync, closeSync, constants, openSync, promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export const CEPH_INSTALL = "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd";
const TOOLS = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "ceph"] as const;

export interface S3TestServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Milliseconds from the first command to an S3 endpoint that answers with a user made. */
  startMs: number;
  /** Each start-up step and when it ended (ms since the start). */
  steps: [string, number][];
  dir: string;
  stop(): Promise<void>;
}

export class CephMissingError extends Error {
  constructor(missing: string[]) {
    super(`the S3 tests run a real radosgw, and ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not installed: ${CEPH_INSTALL}`);
    this.name = "CephMissingError";
  }
}

const SEARCHED = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin", "/usr/sbin", "/bin", "/sbin"];

function which(tool: string, dirs: readonly string[] = SEARCHED): string | undefined {
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A cephx secret as ceph-authtool --gen-print-key makes it: type AES (1), created (s, ns), length 16, 16 random bytes. */
function cephKey(): string {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(1, 0);
  b.writeUInt32LE(Math.floor(Date.now() / 1000), 2);
  b.writeUInt32LE(0, 6);
  b.writeUInt16LE(16, 10);
  randomBytes(16).copy(b, 12);
  return b.toString("base64");
}

function alive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

/**
 * Starts Ceph and radosgw, creates an S3 user, and returns its endpoint and keys.
 * Throws CephMissingError (with the apt-get line) when the binaries are missing.
 */
export async function startRadosgw(options: { memBytes?: number; binDirs?: readonly string[] } = {}): Promise<S3TestServer> {
  const found = new Map(TOOLS.map((t) => [t, which(t, options.binDirs)]));
  const missing = TOOLS.filter((t) => !found.get(t));
  if (missing.length > 0) throw new CephMissingError(missing);
  const bin = (tool: (typeof TOOLS)[number]) => found.get(tool)!;
  const t0 = Date.now();
  const steps: [string, number][] = [];
  const step = (name: string) => steps.push([name, Date.now() - t0]);
  // Unix socket paths (admin sockets) must stay under 108 bytes: keep the directory short.
  const base = os.tmpdir().length < 60 ? os.tmpdir() : "/tmp";
  const dir = await fs.mkdtemp(path.join(base, "rgw-"));
  const [port, monPort] = [await freePort(), await freePort()];
  const accessKeyId = `TEST${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString("hex");
  const conf = path.join(dir, "ceph.conf");
  const keyring = path.join(dir, "keyring");
  const fsid = randomUUID();
  const daemons: ChildProcess[] = [];
  const killAll = () => {
    for (const d of daemons) if (alive(d)) d.kill("SIGKILL");
  };
  process.once("exit", killAll);
  // A test process killed outright runs no exit handler: this watchdog then kills the daemons it finds in
  // <dir>/daemons within a second and removes the directory. It ends by itself once stop() has removed it.
  const pidFile = path.join(dir, "daemons");
  await fs.writeFile(pidFile, "");
  const watchdog = spawn(
    "/bin/sh",
    ["-c", 'while kill -0 "$1" 2>/dev/null && [ -f "$2" ]; do sleep 0.5; done; [ -f "$2" ] && kill -9 $(cat "$2") 2>/dev/null; sleep 0.2; rm -rf "$3"; exit 0', "watchdog", String(process.pid), pidFile, dir],
    { stdio: "ignore", detached: true },
  );
  watchdog.unref();

  const logTail = async (): Promise<string> => {
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".log"));
    const parts = await Promise.all(
      names.map(async (n) => `--- ${n}\n${(await fs.readFile(path.join(dir, n), "utf8").catch(() => "")).split("\n").slice(-8).join("\n")}`),
    );
    return parts.join("\n");
  };
  const stop = async () => {
    process.removeListener("exit", killAll);
    // Nothing to keep (memstore): SIGKILL is the quick stop, and no daemon waits for another one already gone.
    const exits = daemons.filter(alive).map((d) => new Promise((r) => d.once("exit", r)));
    killAll();
    await Promise.all(exits);
    await fs.rm(dir, { recursive: true, force: true });
  };
  const daemon = (name: "ceph-mon" | "ceph-osd" | "radosgw", args: string[]) => {
    const err = openSync(path.join(dir, `${name}-stderr.log`), "a");
    const child = spawn(bin(name), ["-f", "-c", conf, ...args], { stdio: ["ignore", err, err] });
    closeSync(err);
    daemons.push(child);
    if (child.pid) appendFileSync(pidFile, `${child.pid}\n`);
    return child;
  };

  try {
    await fs.writeFile(
      conf,
      `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
mon initial members = a
public addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${keyring}
run dir = ${dir}
admin socket = ${dir}/$name.asok
log file = ${dir}/$name.log
pid file = ${dir}/$name.pid
ms bind ipv6 = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool size one = true
mon allow pool delete = true
paxos propose interval = 0.01
paxos min wait = 0.001
osd mon shutdown timeout = 0.5
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd crush initial weight = 1
osd objectstore = memstore
memstore device bytes = ${options.memBytes ?? 1024 * 1024 * 1024}
osd op num shards = 1
osd op num threads per shard = 2
[mon.a]
mon data = ${dir}/mon
[osd.0]
osd data = ${dir}/osd
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${port}
rgw data = ${dir}/rgw
rgw thread pool size = 64
rgw enable usage log = false
`,
    );
    // One keyring for every daemon and tool (a throwaway cluster), written directly: no ceph-authtool runs.
    await fs.writeFile(
      keyring,
      [
        `[mon.]\n\tkey = ${cephKey()}\n\tcaps mon = "allow *"`,
        `[client.admin]\n\tkey = ${cephKey()}\n\tcaps mds = "allow *"\n\tcaps mgr = "allow *"\n\tcaps mon = "allow *"\n\tcaps osd = "allow *"`,
        `[osd.0]\n\tkey = ${cephKey()}\n\tcaps mgr = "allow profile osd"\n\tcaps mon = "allow profile osd"\n\tcaps osd = "allow *"`,
        `[client.rgw]\n\tkey = ${cephKey()}\n\tcaps mgr = "allow rw"\n\tcaps mon = "allow rw"\n\tcaps osd = "allow rwx"`,
      ].join("\n") + "\n",
    );
    for (const d of ["mon", "osd", "rgw"]) await fs.mkdir(path.join(dir, d));
    await run(bin("monmaptool"), ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, path.join(dir, "monmap")]);
    await run(bin("ceph-mon"), ["-c", conf, "--mkfs", "-i", "a", "--monmap", path.join(dir, "monmap"), "--keyring", keyring]);
    daemon("ceph-mon", ["-i", "a"]);
    step("monitor");
    const osdUuid = randomUUID();
    const { stdout: osdId } = await run(bin("ceph"), ["-c", conf, "-n", "client.admin", "--connect-timeout", "30", "osd", "new", osdUuid], { timeout: 60_000 });
    if (osdId.trim() !== "0") throw new Error(`ceph osd new gave ${JSON.stringify(osdId)}, not 0`);
    await run(bin("ceph-osd"), ["-c", conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid]);
    daemon("ceph-osd", ["-i", "0"]);
    step("osd");
    const rgw = daemon("radosgw", ["-n", "client.rgw"]);
    const endpoint = `http://127.0.0.1:${port}`;
    for (let answered = false; !answered; ) {
      if (!alive(rgw)) throw new Error("radosgw exited while starting");
      if (Date.now() - t0 > 90_000) throw new Error(`radosgw never answered on ${endpoint}`);
      answered = await fetch(endpoint, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.arrayBuffer().then(() => true),
        () => false,
      );
      if (!answered) await sleep(50);
    }
    step("radosgw answers");
    await run(bin("radosgw-admin"), ["-c", conf, "-n", "client.admin", "user", "create", "--uid=test", "--display-name=test", `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`]);
    step("user");
    return { endpoint, region: "us-east-1", accessKeyId, secretAccessKey, startMs: Date.now() - t0, steps, dir, stop };
  } catch (e) {
    const tail = await logTail();
    await stop();
    throw new Error(`starting radosgw failed after ${Date.now() - t0} ms: ${(e as Error).message}\n${tail}`);
  }
}
