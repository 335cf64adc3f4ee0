import { promises as fs } from "node:fs";
import { copyFileAtomic, tempPathFor } from "@qontinui/export-core";
import type { YoloImageMode } from "./yolo-options.js";

/** Copies (cloning where possible) or hard-links `source` to `target`, whole or not at all. */
export async function placeImage(source: string, target: string, mode: YoloImageMode = "copy"): Promise<"copied" | "linked"> {
  if (mode === "hardlink") {
    const tmp = tempPathFor(target);
    try {
      await fs.link(source, tmp);
      try {
        await fs.rename(tmp, target);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
      return "linked";
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Across filesystems, or where links are not allowed: copy instead.
      if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EMLINK") throw e;
    }
  }
  await copyFileAtomic(source, target);
  return "copied";
}
