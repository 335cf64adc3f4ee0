import { readFileSync } from "node:fs";

/**
 * This process's peak resident memory in bytes. On Linux it is VmHWM from
 * /proc/self/status: getrusage's maxRSS survives execve, so a child spawned
 * by a large parent would report the parent's size at fork time. Elsewhere
 * maxRSS is the best there is.
 */
export function peakRssBytes() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}
