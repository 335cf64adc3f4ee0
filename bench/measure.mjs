// Helpers every figure measures with: one copy for run.mjs, click-bench.mjs and reuse-bench.mjs.
import { spawnSync } from "node:child_process";

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Writes dirty pages out so that one measurement does not pay for the previous one's writes. */
export function settle() {
  if (process.platform !== "win32") spawnSync("sync");
  globalThis.gc?.();
}

/** Runs the measurements in the order given, alternating them between repetitions (reversed every other round). */
export async function alternate(reps, steps) {
  const out = steps.map(() => []);
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? [...steps.keys()].reverse() : [...steps.keys()];
    for (const i of order) out[i].push(await steps[i](r));
  }
  return out;
}
