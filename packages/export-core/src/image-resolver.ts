import { createHash } from "node:crypto";
import { ScreenshotError } from "./errors.js";
import { checkImageData } from "./image-worker.js";
import { IMAGE_EXTENSIONS, readImageInfo } from "./image-format.js";
import type { ResolvedImage, ScreenshotFile, Source } from "./plugins.js";
import { ProblemReason } from "./problems.js";
import { screenshotAccess } from "./source-screenshots.js";

/** Default pixel limit: refuses decompression bombs, allows an 8K × 8K screenshot. */
export const DEFAULT_MAX_PIXELS = 8192 * 8192;

/** The seed's image id: first 16 hex characters of the SHA-256 of the bytes. */
export function contentId(bytes: Uint8Array): { id: string; sha256: string } {
  const digest = createHash("sha256").update(bytes).digest();
  // Two strings of their own: a slice of the hex digest would keep all 64 characters alive for as
  // long as the id is remembered (the writers remember every id of the run).
  return { id: digest.toString("hex", 0, 8), sha256: digest.toString("hex") };
}

/**
 * Reads a record's screenshot once through the source (which guards the
 * root), hashes it, reads its size from the header and checks that its data
 * decodes (checkImageData). Throws ScreenshotError with a ProblemReason.
 */
export async function resolveImage(source: Source, reference: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<ResolvedImage> {
  const image = resolveFile(await screenshotAccess(source).read(reference), reference, maxPixels);
  await checkResolvedData(image, reference);
  return image;
}

/** Throws `screenshot_undecodable` for an image whose data would not decode (see checkImageData). */
export async function checkResolvedData(image: ResolvedImage, reference: string): Promise<void> {
  const data = await checkImageData(image.bytes, image.format);
  if (!data.ok) throw new ScreenshotError(ProblemReason.ScreenshotUndecodable, `${reference}: ${data.message}; not stored`);
}

/** `resolveImage` of a screenshot already read. */
export function resolveFile(file: ScreenshotFile, reference: string, maxPixels = DEFAULT_MAX_PIXELS): ResolvedImage {
  const info = readImageInfo(file.bytes);
  if (!info.ok) throw new ScreenshotError(ProblemReason.ScreenshotCorrupt, `${reference}: ${info.message}`);
  const { width, height, format, channels } = info.info;
  if (width * height > maxPixels) {
    throw new ScreenshotError(
      ProblemReason.ScreenshotTooLarge,
      `${reference}: declares ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels} (raise maxPixels if this is a real screenshot)`,
    );
  }
  const { id, sha256 } = contentId(file.bytes);
  return {
    id,
    sha256,
    format,
    extension: IMAGE_EXTENSIONS[format],
    width,
    height,
    channels,
    byteLength: file.bytes.length,
    sourcePath: file.path,
    bytes: file.bytes,
    ...(file.stamp !== undefined ? { stamp: file.stamp } : {}),
  };
}
