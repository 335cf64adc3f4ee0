import type { Annotation } from "./annotation.js";
import { clipBox } from "./bbox.js";
import { normalizeCategoryName } from "./category-name.js";
import type { ResolvedImage } from "./plugins.js";
import { type Problem, ProblemReason } from "./problems.js";

/**
 * Repairs or drops one labeler box: category name normalised, confidence
 * clamped to [0, 1], box clipped to the image. Returns undefined for a box
 * that cannot be used.
 */
export function checkAnnotation(
  a: Annotation,
  image: Pick<ResolvedImage, "width" | "height">,
  report: (reason: string, message: string, severity: Problem["severity"]) => void,
): Annotation | undefined {
  const clip = clipBox(a.bbox, image.width, image.height);
  if (!clip.ok) {
    report(clip.reason, `${a.source} box [${a.bbox.join(", ")}] dropped: ${clip.reason === "box_invalid_size" ? "zero, negative or non-finite size" : `outside the ${image.width}×${image.height} image`}`, "dropped_box");
    return undefined;
  }
  const out: Annotation = { ...a, bbox: clip.bbox };
  if (clip.clipped) {
    out.clipped = true;
    report(ProblemReason.BoxClipped, `${a.source} box [${a.bbox.join(", ")}] clipped to the image`, "repaired");
  }
  const name = normalizeCategoryName(a.categoryName);
  if (name.repaired) {
    report(ProblemReason.CategoryNameRepaired, `category name ${JSON.stringify(String(a.categoryName).slice(0, 40))} repaired: ${name.repaired}`, "repaired");
  }
  out.categoryName = name.name;
  const c = typeof a.confidence === "string" ? Number(a.confidence) : a.confidence;
  const conf = typeof c === "number" && Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0;
  if (conf !== a.confidence) {
    report(ProblemReason.ConfidenceRepaired, `confidence ${JSON.stringify(a.confidence)} repaired to ${conf}`, "repaired");
  }
  out.confidence = conf;
  return out;
}
