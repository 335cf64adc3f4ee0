import { spawn } from "node:child_process";

/**
 * A child process that flips `dir` between the real directory and a symlink to `outside`, as fast
 * as it can, for `ms`, and leaves the real directory in place: for tests of path guards (a directory
 * swapped between a check and an open). Resolves with the number of flips.
 */
export function flipDirectory(dir: string, outside: string, ms: number): Promise<number> {
  const script = `
    const fs = require("node:fs");
    const [dir, outside, ms] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const real = dir + ".real";
    const end = Date.now() + ms;
    let flips = 0;
    // Each state held a moment (a few tens of microseconds, varying), so reads land in every one and between them.
    const hold = (n) => { const t = process.hrtime.bigint() + BigInt(n); while (process.hrtime.bigint() < t); };
    while (Date.now() < end) {
      fs.renameSync(dir, real);
      fs.symlinkSync(outside, dir);
      hold(20000 + (flips % 7) * 10000);
      fs.unlinkSync(dir);
      fs.renameSync(real, dir);
      hold(40000 + (flips % 5) * 20000);
      flips++;
    }
    console.log(flips);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script, dir, outside, String(ms)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`flipper exited ${code}`))));
  });
}
