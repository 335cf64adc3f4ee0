import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FORMATS } from "@qontinui/export-service";
import { describe, expect, it } from "vitest";
import { FORMAT_COMMANDS } from "../src/cli.js";
import { runCli, tempDir, writeRun } from "./fixtures.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js");

/** The modules (file URLs) `node dist/bin.js ...args` loads through the ES module loader. */
async function modulesLoaded(args: string[]): Promise<string[]> {
  const dir = await tempDir("qx-modules-");
  const log = path.join(dir, "loaded.txt");
  await fs.writeFile(
    path.join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`,
  );
  await fs.writeFile(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  execFileSync(process.execPath, ["--import", pathToFileURL(path.join(dir, "register.mjs")).href, bin, ...args], { stdio: "ignore" });
  return (await fs.readFile(log, "utf8")).split("\n").filter(Boolean);
}

describe("start-up", () => {
  it("lists the converter commands of exactly the formats export-service registers", () => {
    expect(FORMAT_COMMANDS).toEqual(FORMATS.map((f) => ({ name: f.name, title: f.title })));
  });

  it("--help and --version load none of the packages (no export-core, no format, no sharp)", async () => {
    for (const args of [["--help"], ["--version"]]) {
      const loaded = await modulesLoaded(args);
      expect(loaded.some((u) => u.endsWith("/cli/dist/bin.js"))).toBe(true);
      expect(loaded.filter((u) => !u.startsWith("node:") && !u.includes("/cli/dist/")), args.join(" ")).toEqual([]);
    }
  });

  it("run exits by itself when the image-check thread it started ahead was never asked (a re-run: every screenshot already in the dataset; an empty run)", async () => {
    const run = await writeRun({ records: 12, screens: 3 });
    const out = path.join(await tempDir("qx-rerun-"), "dataset");
    const empty = await tempDir("qx-empty-run-");
    await fs.writeFile(path.join(empty, "records.jsonl"), "");
    const first = await runCli(["run", run, "--out", out, "--quiet", "--click-mode", "fixed"], 60_000);
    expect(first).toMatchObject({ code: 0, signal: null });
    // Before the fix the second one finished its work, printed its summary and then hung on the idle thread.
    for (const args of [["run", run, "--out", out], ["run", empty, "--out", path.join(empty, "out")]]) {
      const again = await runCli([...args, "--quiet", "--click-mode", "fixed"], 30_000);
      expect(again, args.join(" ")).toMatchObject({ code: 0, signal: null });
    }
  });
});
