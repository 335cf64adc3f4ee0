import { promises as fs } from "node:fs";
import { copyFileAtomic } from "@qontinui/export-core";

/** Errors on which a hard link falls back to a copy: another filesystem, links refused or not supported. */
const LINK_FALLBACK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "EACCES"]);

/** Copies (atomically) or hard-links `source` to `target`; returns true when linked. */
export async function placeImage(source: string, target: string, mode: "copy" | "hardlink"): Promise<boolean> {
  if (mode === "hardlink") {
    try {
      await fs.link(source, target);
      return true;
    } catch (e) {
      if (!LINK_FALLBACK.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
    }
  }
  await copyFileAtomic(source, target);
  return false;
}
