import { promises as fs } from "node:fs";
import { copyFileAtomic, tempPathFor } from "./atomic-write.js";

/** How a converter puts a dataset image into its output. */
export type ImagePlacement = "copy" | "hardlink";

/** Errors on which a hard link falls back to a copy: another filesystem, links refused or not supported. */
const LINK_FALLBACK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "EACCES"]);

/**
 * Copies (cloning where the filesystem can) or hard-links `source` to
 * `target`, whole or not at all: both go through a temp name and a rename, so
 * a killed conversion never leaves a half-written image under its final name.
 * A link falls back to a copy across filesystems or where links are refused.
 */
export async function placeImage(source: string, target: string, mode: ImagePlacement = "copy"): Promise<"copied" | "linked"> {
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
      if (!LINK_FALLBACK.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
    }
  }
  await copyFileAtomic(source, target);
  return "copied";
}
