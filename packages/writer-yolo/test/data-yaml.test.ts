import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { dataYamlText } from "../src/data-yaml.js";

// YAML's printable set (YAML 1.2, 5.1): tab, LF, CR, 0x20-0x7E, NEL, 0xA0-0xD7FF, 0xE000-0xFFFD, astral.
const NOT_YAML_PRINTABLE = /[^\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\ud800-\udfff]/u;

const names = ["button", "a: b # c", 'say "hi"', "ボタン", "x\ufffey", "z\uffff", "del\u007f", "nel\u0085", "c1\u009b", "tab\tnew\nline", "__proto__"];

describe("data.yaml", () => {
  const text = dataYamlText({ root: "/data/my set", train: "images/train", val: "images/val", categories: names.map((name, id) => ({ id, name })) });

  it("holds only characters YAML allows raw, and each name reads back exactly", () => {
    expect(text).not.toMatch(NOT_YAML_PRINTABLE);
    expect(text).not.toMatch(/\u0085/); // NEL: a line break to YAML 1.1 parsers (PyYAML)
    const read = text
      .split("\n")
      .filter((l) => /^ {2}\d+: /.test(l))
      .map((l) => JSON.parse(l.replace(/^ {2}\d+: /, "")) as string);
    expect(read).toEqual(names);
  });

  // PyYAML (Debian's python3-yaml) is what Ultralytics parses data.yaml with.
  const python = spawnSync("/usr/bin/python3", ["-c", "import yaml"], { encoding: "utf8" });
  it.skipIf(python.status !== 0)("PyYAML reads it back (skipped without /usr/bin/python3 and python3-yaml)", () => {
    const r = spawnSync("/usr/bin/python3", ["-c", "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin.read())['names']))"], {
      input: text,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(Object.values(JSON.parse(r.stdout) as Record<string, string>)).toEqual(names);
  });
});
