/** Settles as `p` does within `ms`, or fails with "still running after <ms> ms": a test fails instead of hanging. */
export async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
