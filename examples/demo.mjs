// The README's main job: generate the bundled sample run, export it, print the summary.
//   pnpm demo            (builds first)
//   node examples/demo.mjs [--out DIR]
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../packages/cli/dist/index.js";
import { generateSampleRun } from "./sample-run-generator/generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf("--out");
const runDir = path.join(here, "sample-run");
const dataset = outFlag > 0 ? path.resolve(process.argv[outFlag + 1]) : path.join(here, "output", "dataset");

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
const step = (s) => process.stdout.write(`\n$ qontinui-export ${s}\n`);

await generateSampleRun(runDir);
// A fresh dataset each time, so the demo shows a first export (a second run would resume it).
await rm(dataset, { recursive: true, force: true });

let code;
step(`run ${path.relative(process.cwd(), runDir)} --out ${path.relative(process.cwd(), dataset)} --coco`);
code = await main(["run", runDir, "--out", dataset, "--coco", "--quiet"], io);
if (code !== 0) process.exit(code);

step(`validate ${path.relative(process.cwd(), dataset)}`);
code = await main(["validate", dataset], io);
if (code !== 0) process.exit(code);

step(`summary ${path.relative(process.cwd(), dataset)}`);
code = await main(["summary", dataset], io);
process.exit(code);
