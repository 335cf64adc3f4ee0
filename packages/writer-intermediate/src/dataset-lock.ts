import { promises as fs } from "node:fs";
import os from "node:os";
import { DatasetLockedError } from "@qontinui/export-core";

export interface LockInfo {
  pid: number;
  hostname: string;
  started: string;
}

export interface AcquiredLock {
  /** True when a lock left by a dead process was found (and replaced): the last session did not finish. */
  recoveredStale: LockInfo | undefined;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One writer per dataset: the lock file is created exclusively (O_EXCL) and
 * names its holder. A lock whose process is gone on this host is stale: it
 * is replaced, and the caller is told so it can recover.
 */
export async function acquireLock(lockPath: string, datasetDir: string): Promise<AcquiredLock> {
  const me: LockInfo = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() };
  let stale: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const h = await fs.open(lockPath, "wx");
      await h.writeFile(JSON.stringify(me));
      await h.close();
      return {
        recoveredStale: stale,
        release: async () => {
          await fs.rm(lockPath, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder: Partial<LockInfo> = {};
    try {
      holder = JSON.parse(await fs.readFile(lockPath, "utf8")) as LockInfo;
    } catch {
      // An empty or torn lock file: its writer died while creating it.
    }
    const sameHost = holder.hostname === undefined || holder.hostname === me.hostname;
    if (typeof holder.pid === "number" && sameHost && holder.pid !== process.pid && alive(holder.pid)) {
      throw new DatasetLockedError(
        lockPath,
        holder.pid,
        `${datasetDir} is being written by another export (pid ${holder.pid}, started ${holder.started ?? "?"}); wait for it to finish, or export into another directory and combine them with 'qontinui-export merge'`,
      );
    }
    if (!sameHost) {
      throw new DatasetLockedError(
        lockPath,
        holder.pid,
        `${datasetDir} is locked by pid ${holder.pid} on host ${holder.hostname}; if no export is running there, delete ${lockPath}`,
      );
    }
    if (holder.pid === process.pid) {
      throw new DatasetLockedError(lockPath, holder.pid, `${datasetDir} is already open for writing in this process (pid ${process.pid})`);
    }
    stale = { pid: holder.pid ?? -1, hostname: holder.hostname ?? me.hostname, started: holder.started ?? "?" };
    await fs.rm(lockPath, { force: true });
  }
  throw new DatasetLockedError(lockPath, undefined, `could not lock ${datasetDir}: another process keeps taking the lock`);
}
