import { promises as fs } from "node:fs";
import path from "node:path";
import { checkSourceContract, type SourceContractAdapter } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { capturesSource } from "../src/index.js";

const line = (v: unknown) => `${JSON.stringify(v)}\n`;

const adapter: SourceContractAdapter = {
  name: "captures",
  async writeSession(dir, images) {
    await fs.mkdir(path.join(dir, "shots"));
    let text = "";
    for (const [i, png] of images.entries()) {
      await fs.writeFile(path.join(dir, "shots", `${i}.png`), png);
      text += line({ id: `c${i}`, image: `shots/${i}.png`, clicked: [1, 1], states: ["Main"] });
    }
    await fs.writeFile(path.join(dir, "captures.jsonl"), text);
  },
  async addMalformed(dir) {
    const file = path.join(dir, "captures.jsonl");
    const text = await fs.readFile(file, "utf8");
    await fs.writeFile(file, `{"id": "torn", "ima\n${text}`);
  },
  async addSymlinkOut(dir, outsideFile) {
    await fs.symlink(outsideFile, path.join(dir, "shots", "link.png"));
    await fs.appendFile(path.join(dir, "captures.jsonl"), line({ id: "link", image: "shots/link.png" }));
  },
  open: (dir) => capturesSource(dir),
};

describe("the 30-line captures source", () => {
  it("passes the source contract", async () => {
    const report = await checkSourceContract(adapter);
    expect(report.failures).toEqual([]);
    expect(report.recordsChecked).toBeGreaterThanOrEqual(8);
  });

  it.each(["reverse-order", "swallow-problems", "ignore-abort", "read-outside"] as const)("the contract notices a source that does %s", async (sabotage) => {
    const report = await checkSourceContract(adapter, { sabotage });
    expect(report.failures.length).toBeGreaterThan(0);
  });
});
