// The README's main job: generate a runner session in the formats the real qontinui runner writes
// (run_data/ with screenshot sidecars and debug visuals, tree events, grounding.jsonl), export it,
// validate the dataset and print its summary.
//   pnpm demo            (builds first)
//   node examples/demo.mjs [--out DIR]
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSession } from "@qontinui/runner-sessions";
import { main } from "../packages/cli/dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf("--out");
const sessionDir = path.join(here, "sample-session");
const dataset = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(here, "output", "dataset");

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
const rel = (p) => path.relative(process.cwd(), p);
const step = (s) => process.stdout.write(`\n$ qontinui-export ${s}\n`);

await rm(sessionDir, { recursive: true, force: true });
const truth = await generateSession(sessionDir, { seed: 7, actions: 24 });
const c = truth.counts;
process.stdout.write(
  `A runner session in ${rel(sessionDir)}: ${c.screenshots} screenshots (1280×720 JPEG inside .png names) with sidecars, ` +
    `${c.debugVisuals} debug visuals, ${c.events} tree events, ${c.groundingLines} grounding lines\n`,
);
// A fresh dataset each time, so the demo shows a first export (a second run would resume it).
await rm(dataset, { recursive: true, force: true });

let code;
step(`run ${rel(sessionDir)} --out ${rel(dataset)} --coco`);
code = await main(["run", sessionDir, "--out", dataset, "--coco"], io);
if (code !== 0) process.exit(code);

step(`validate ${rel(dataset)}`);
code = await main(["validate", dataset], io);
if (code !== 0) process.exit(code);

step(`summary ${rel(dataset)}`);
code = await main(["summary", dataset], io);
process.exit(code);
