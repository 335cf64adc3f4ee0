import { execFile as execFileCb } from "node:child_process";
import { existsSync, promises as fs, readdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const execFile = promisify(execFileCb);

/**
 * A private PostgreSQL server for one test file: `initdb` into a temp
 * directory, `pg_ctl start` on 127.0.0.1 with a free port (and its unix socket
 * in the same directory), stopped and removed by `stop()`. Run as root (CI),
 * the server runs as Debian's `postgres` user, which PostgreSQL requires.
 * Tuned for tests: no fsync, no full-page writes (a crash of the machine may
 * lose the data; a killed client never does).
 */
export interface PostgresServer {
  port: number;
  dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT = "PostgreSQL's server binaries are missing: install them with `apt-get install -y postgresql` (Debian 12 gives PostgreSQL 15 under /usr/lib/postgresql/15/bin), or set QONTINUI_PG_BIN to the directory holding initdb and pg_ctl";

/** The directory holding initdb and pg_ctl: QONTINUI_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string | undefined {
  const given = process.env.QONTINUI_PG_BIN;
  if (given) return existsSync(path.join(given, "initdb")) ? given : undefined;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, "bin", "initdb")) && existsSync(path.join(base, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], "bin") : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as `postgres` when we are root (initdb and postgres refuse to run as root). */
async function run(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return execFile(file, argv, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: "C", LANG: "C" } });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(INSTALL_HINT);
  if (isRoot()) {
    try {
      await execFile("id", ["-u", "postgres"]);
    } catch {
      throw new Error(`running as root needs a non-root user for the server: Debian's postgresql package creates \`postgres\`. ${INSTALL_HINT}`);
    }
  }
  // Not under TMPDIR: the test run's temp directory is private to root (mkdtemp, 0700), and the
  // server's user must reach its data directory.
  const dir = await fs.mkdtemp(path.join(isRoot() ? "/tmp" : os.tmpdir(), "qontinui-pg-"));
  if (isRoot()) await execFile("chown", ["postgres:", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();
  await run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
    "-c shared_buffers=64MB",
  ].join(" ");
  try {
    await run(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
  } catch (e) {
    const log = await fs.readFile(path.join(dir, "server.log"), "utf8").catch(() => "");
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`pg_ctl start failed: ${(e as Error).message}\n${log.slice(-2000)}`);
  }
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    dir,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  };
}
