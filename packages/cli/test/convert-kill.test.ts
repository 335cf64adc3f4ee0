import { promises as fs } from "node:fs";
import path from "node:path";
import { TEMP_FILE_PATTERN } from "@qontinui/export-core";
import { beforeAll, describe, expect, it } from "vitest";
import { listFiles, runCli, tempDir, writeRun } from "./fixtures.js";

// Issue 14: a conversion killed at any point never leaves an output that looks complete but is not,
// and running the same command again gives exactly what one clean conversion gives, with no temp file.

const SPLIT = ["--split", "0.6,0.2,0.2", "--seed", "3"];

/** Every file's bytes, the fields that hold the time of the conversion blanked. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    let text = (await fs.readFile(path.join(dir, f))).toString("base64");
    if (f.endsWith(".json")) {
      const doc = JSON.parse(await fs.readFile(path.join(dir, f), "utf8"));
      if (doc.info) doc.info.date_created = "";
      text = JSON.stringify(doc);
    }
    // Ultralytics' data.yaml names its folder absolutely (path:): the one line that differs between two folders.
    if (f === "data.yaml") text = (await fs.readFile(path.join(dir, f), "utf8")).replace(/^path: .*$/m, "path: <out>");
    files.set(f, text);
  }
  return files;
}

const FORMATS = {
  coco: { args: ["--layout", "coco2017"], complete: ["annotations/train.json", "annotations/val.json", "annotations/test.json"] },
  yolo: { args: [], complete: ["data.yaml"] },
  voc: { args: [], complete: ["ImageSets/Main/trainval.txt", "labels.txt"] },
} as const;

let dataset: string;
beforeAll(async () => {
  const run = await writeRun({ records: 240, screens: 120 });
  dataset = path.join(await tempDir(), "dataset");
  const res = await runCli(["run", run, "--out", dataset, "--quiet", "--click-mode", "fixed"]);
  expect(res.code, res.stderr).toBe(0);
}, 120_000);

describe("a conversion killed with SIGKILL", () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    it(`${name}: leaves no complete-looking output, and the same command again gives the clean result`, async () => {
      const root = await tempDir();
      const cleanOut = path.join(root, "clean");
      const args = (out: string) => [name, dataset, "--out", out, "--quiet", ...SPLIT, ...format.args];
      const clean = await runCli(args(cleanOut));
      expect(clean.code, clean.stderr).toBe(0);
      const reference = await snapshot(cleanOut);

      let killedMidway = 0;
      for (const [i, share] of [0.15, 0.35, 0.55, 0.75, 0.9].entries()) {
        // Half the kills hit a first conversion, half a re-conversion over a previous output.
        const out = path.join(root, `out-${i}`);
        if (i % 2 === 1) await fs.cp(cleanOut, out, { recursive: true });
        const killed = await runCli(args(out), Math.max(5, Math.round(clean.ms * share)));
        if (killed.signal === "SIGKILL") {
          killedMidway++;
          const files = new Set(await listFiles(out).catch(() => [] as string[]));
          const looksComplete = format.complete.every((f) => files.has(f));
          // Whatever was left: if it says it is complete, it is.
          if (looksComplete) expect(await snapshot(out), `kill at ${share} left a complete-looking output that differs`).toEqual(reference);
        }
        const again = await runCli(args(out));
        expect(again.code, again.stderr).toBe(0);
        expect(await snapshot(out), `after a kill at ${share} of the clean time`).toEqual(reference);
        expect((await listFiles(out)).filter((f) => TEMP_FILE_PATTERN.test(path.basename(f)) || f.includes(".spool/"))).toEqual([]);
      }
      expect(killedMidway, "no kill landed before the conversion finished").toBeGreaterThan(0);
    }, 180_000);
  }
});
