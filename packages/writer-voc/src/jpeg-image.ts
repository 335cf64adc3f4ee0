import { promises as fs } from "node:fs";
import { type ImagePlacement, placeImage, tempPathFor } from "@qontinui/export-core";

/** JPEG quality when none is given: high enough that screenshot text keeps its edges. */
export const DEFAULT_JPEG_QUALITY = 95;

/** How an image reached JPEGImages/. */
export type JpegOutcome =
  | { kind: "transcoded" }
  | { kind: "copied" | "linked" }
  | { kind: "skipped"; reason: string };

/** True when the file starts with the JPEG signature (FF D8 FF), whatever its name says. */
export async function isJpegFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, "r");
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return bytesRead === 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  } finally {
    await handle.close();
  }
}

/**
 * Puts `source` at `target` as a JPEG file, whole or not at all (temp name +
 * rename). A JPEG is placed byte for byte (copied or hard-linked, never
 * re-encoded); anything else is decoded and encoded by sharp straight from
 * file to file (no image held in JS memory): same pixel size, alpha flattened
 * on white, sRGB, `quality`, libjpeg defaults (`mozjpeg: false`).
 * An image sharp cannot decode is reported as skipped, not thrown.
 */
export async function writeJpeg(source: string, target: string, options: { quality: number; mode: ImagePlacement }): Promise<JpegOutcome> {
  if (await isJpegFile(source)) return { kind: await placeImage(source, target, options.mode) };
  const tmp = tempPathFor(target);
  try {
    // Loaded the first time an image needs transcoding: `qontinui-export run` without VOC never pays sharp's start-up.
    const { default: sharp } = await import("sharp");
    await sharp(source, { failOn: "error" })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .jpeg({ quality: options.quality, mozjpeg: false })
      .toFile(tmp);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    return { kind: "skipped", reason: (e as Error).message };
  }
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  return { kind: "transcoded" };
}
