import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Every test's temp files go under one directory that is removed at the end:
 * tests call os.tmpdir(), which follows TMPDIR, and the test workers inherit it.
 * Set QONTINUI_KEEP_TEST_TMP=1 to keep it for a look.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "qontinui-tests-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.QONTINUI_KEEP_TEST_TMP) console.log(`test temp files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
