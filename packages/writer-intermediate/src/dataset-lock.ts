import { readFileSync, promises as fs } from "node:fs";
import os from "node:os";
import { DatasetLockedError, tempPathFor } from "@qontinui/export-core";

export interface LockInfo {
  pid: number;
  hostname: string;
  started: string;
  /** The kernel's boot id (Linux): a lock from before a reboot is stale whatever its pid. */
  bootId?: string;
  /** The holder's start time in clock ticks since boot (Linux /proc/<pid>/stat): tells a reused pid from the holder. */
  processStart?: string;
}

export interface AcquiredLock {
  /** True when a lock left by a dead process was found (and replaced): the last session did not finish. */
  recoveredStale: LockInfo | undefined;
  release(): Promise<void>;
}

/** How long a takeover guard may stand before it counts as left by a dead process. */
const GUARD_STALE_MS = 10_000;
/** A lock file that cannot be read is taken for a dead writer's only after this long (an older version wrote it in two steps). */
const UNREADABLE_STALE_MS = 5_000;
const ATTEMPTS = 100;

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

const BOOT_ID = readOrUndefined("/proc/sys/kernel/random/boot_id");

/** A process's start time (field 22 of /proc/<pid>/stat), undefined where there is no /proc. */
export function processStartOf(pid: number): string | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's holder is running: same host, same boot, its pid alive and (where known) started when the lock says. */
function holderRunning(holder: Partial<LockInfo>): boolean {
  if (typeof holder.pid !== "number") return false;
  if (holder.bootId && BOOT_ID && holder.bootId !== BOOT_ID) return false;
  if (!alive(holder.pid)) return false;
  const start = processStartOf(holder.pid);
  return !(holder.processStart && start && holder.processStart !== start);
}

/**
 * Creates `target` holding `text`, or returns false when it exists: whole or
 * not at all (a temp file, then a hard link). The temp name is one recovery
 * sweeps; if a sweep takes it first, this is one more attempt, not an error.
 */
async function createWith(target: string, text: string): Promise<boolean> {
  const tmp = tempPathFor(target);
  await fs.writeFile(tmp, text);
  try {
    await fs.link(tmp, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOENT") return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One writer per dataset. The lock file is created whole (written to a temp
 * file, then hard-linked into place, which fails if it exists), so no one
 * ever reads a half-written lock, and it names its holder: host, boot id, pid
 * and the pid's start time. A lock is stale when its holder is not running:
 * another boot, a dead pid, or a pid now used by another process (a restarted
 * container's pid 1). A stale lock is taken over under a guard file created
 * the same way, and only if it is still the lock that was judged stale, so two
 * processes finding one stale lock never both win. The caller is told about a
 * stale lock so it can recover.
 */
export async function acquireLock(lockPath: string, datasetDir: string): Promise<AcquiredLock> {
  const me: LockInfo = {
    pid: process.pid,
    hostname: os.hostname(),
    started: new Date().toISOString(),
    ...(BOOT_ID ? { bootId: BOOT_ID } : {}),
    ...(processStartOf(process.pid) ? { processStart: processStartOf(process.pid)! } : {}),
  };
  const text = JSON.stringify(me);
  const guardPath = `${lockPath}.takeover`;
  let stale: LockInfo | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createWith(lockPath, text)) {
      return {
        recoveredStale: stale,
        release: async () => {
          // Only our own lock: after a takeover by mistake, never remove another holder's.
          if (readOrUndefined(lockPath) === text) await fs.rm(lockPath, { force: true });
        },
      };
    }
    const seen = readOrUndefined(lockPath);
    if (seen === undefined) continue; // released in between: try again
    let holder: Partial<LockInfo> | undefined;
    try {
      holder = JSON.parse(seen) as LockInfo;
    } catch {
      // Unreadable: a dead writer's from an older version, once it is old enough.
      if ((await ageMs(lockPath)) < UNREADABLE_STALE_MS) {
        await pause(20);
        continue;
      }
    }
    if (holder) {
      const sameHost = holder.hostname === undefined || holder.hostname === me.hostname;
      if (!sameHost) {
        throw new DatasetLockedError(
          lockPath,
          holder.pid,
          `${datasetDir} is locked by pid ${holder.pid} on host ${holder.hostname}; if no export is running there, delete ${lockPath}`,
        );
      }
      if (holderRunning(holder)) {
        if (holder.pid === process.pid) {
          throw new DatasetLockedError(lockPath, holder.pid, `${datasetDir} is already open for writing in this process (pid ${process.pid})`);
        }
        throw new DatasetLockedError(
          lockPath,
          holder.pid,
          `${datasetDir} is being written by another export (pid ${holder.pid}, started ${holder.started ?? "?"}); wait for it to finish, or export into another directory and combine them with 'qontinui-export merge'`,
        );
      }
    }
    // Stale. Take it over under the guard, and only if it is still the lock judged stale.
    if (await createWith(guardPath, text)) {
      try {
        if (readOrUndefined(lockPath) === seen) {
          await fs.rm(lockPath, { force: true });
          stale = { pid: holder?.pid ?? -1, hostname: holder?.hostname ?? me.hostname, started: holder?.started ?? "?" };
        }
      } finally {
        await fs.rm(guardPath, { force: true });
      }
    } else if ((await ageMs(guardPath)) > GUARD_STALE_MS) {
      await fs.rm(guardPath, { force: true });
    } else {
      await pause(5 + Math.random() * 20);
    }
  }
  throw new DatasetLockedError(lockPath, undefined, `could not lock ${datasetDir}: another process keeps taking the lock`);
}
