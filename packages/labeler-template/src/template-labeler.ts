import { type Annotation, type BBox, clipBox, type Labeler, ProblemReason } from "@qontinui/export-core";

export interface TemplateLabelerOptions {
  /** Category for a match without a usable `image_id`. Default "unknown". */
  categoryFallback?: string;
}

/** Reasons this labeler reports besides the shared ProblemReason ones. */
export const TemplateProblemReason = {
  /** A found match without a usable `location` or `template_size`: no box. */
  MatchIncomplete: "match_incomplete",
  /** A found match without an `image_id`: the box got the fallback category. */
  CategoryMissing: "category_missing",
  /**
   * A found match whose box reaches past the image's edge: a match found on a
   * screenshot lies inside it, so the image is not the screen the match was
   * found on (a 200 px thumbnail, a crop, another monitor's coordinates).
   * Dropped: clipping would make a wrong box.
   */
  BoxExceedsImage: "template_box_exceeds_image",
  /**
   * The match says which screen it was found on (`screenshot_size`, e.g.
   * from the runner's full-size debug visual) and the image is another size
   * (a 200 px thumbnail): its coordinates are not this image's. Dropped.
   */
  ScreenSizeMismatch: "template_screen_size_mismatch",
} as const;

export const TEMPLATE_SOURCE = "template_matching";

/**
 * One box per found template match: `location` is the top-left corner,
 * `template_size` the size, `image_id` the category, `confidence` the match
 * score. Matches that were not found give no box (as in the seed). A box that
 * reaches past the image by more than a pixel is dropped with a named reason
 * (the screenshot cannot be the screen the match was found on); one within a
 * pixel of the edge is clipped.
 */
export function templateLabeler(options: TemplateLabelerOptions = {}): Labeler {
  const fallback = options.categoryFallback ?? "unknown";
  return {
    name: "template",
    needsPixels: false,
    label(record, image, ctx) {
      const match = record.match_summary;
      if (match == null || match.found !== true) return [];

      const location = point(match.location);
      const size = templateSize(match.template_size);
      if (location === undefined || size === undefined) {
        const missing = [location === undefined && "location {x, y}", size === undefined && "template_size {width, height}"].filter(Boolean).join(" and ");
        ctx.report(TemplateProblemReason.MatchIncomplete, `match found but without a usable ${missing}: no box`);
        return [];
      }

      const screen = templateSize(match.screenshot_size);
      if (screen && isPositive(screen.width) && isPositive(screen.height) && (screen.width !== image.width || screen.height !== image.height)) {
        ctx.report(
          TemplateProblemReason.ScreenSizeMismatch,
          `match found on a ${screen.width}×${screen.height} screen, but the image is ${image.width}×${image.height} (a thumbnail?): its coordinates are not this image's: no box`,
        );
        return [];
      }

      // Sizes of the wrong type are passed on: clipBox refuses them as box_invalid_size.
      const bbox = [location.x, location.y, size.width, size.height] as BBox;
      const clip = clipBox(bbox, image.width, image.height);
      if (!clip.ok) {
        const why = clip.reason === "box_invalid_size" ? `template_size ${JSON.stringify(size)} is not a positive finite size` : `outside the ${image.width}×${image.height} image`;
        ctx.report(clip.reason, `template box [${bbox.map(String).join(", ")}] dropped: ${why}`);
        return [];
      }

      if (clip.clipped && exceedsBy(bbox, image.width, image.height) > EDGE_TOLERANCE) {
        ctx.report(
          TemplateProblemReason.BoxExceedsImage,
          `template box [${bbox.join(", ")}] reaches past the ${image.width}×${image.height} image: this screenshot is not the screen the match was found on (a 200 px thumbnail?): no box`,
        );
        return [];
      }

      let categoryName = category(match.image_id);
      if (categoryName === undefined) {
        categoryName = fallback;
        ctx.report(TemplateProblemReason.CategoryMissing, `match without an image_id: category "${fallback}"`, "repaired");
      }

      const confidence = repairConfidence(match.confidence);
      if (confidence.repaired) ctx.report(ProblemReason.ConfidenceRepaired, `confidence ${confidence.repaired}`, "repaired");

      const annotation: Annotation = { bbox: clip.bbox, categoryName, confidence: confidence.value, source: TEMPLATE_SOURCE, verified: false };
      if (clip.clipped) {
        annotation.clipped = true;
        ctx.report(ProblemReason.BoxClipped, `template box [${bbox.join(", ")}] clipped to the ${image.width}×${image.height} image`, "repaired");
      }
      return [annotation];
    },
  };
}

/** Sub-pixel overhang from rounding (a fractional location) is clipped, not dropped. */
const EDGE_TOLERANCE = 1;

/** How far, in pixels, the box reaches past the image on its worst side. */
function exceedsBy(b: BBox, width: number, height: number): number {
  const [x, y, w, h] = b;
  return Math.max(-x, -y, x + w - width, y + h - height, 0);
}

/** `{x, y}` (or `[x, y]`) with finite numbers; anything else is unusable. */
function point(value: unknown): { x: number; y: number } | undefined {
  const [x, y] = Array.isArray(value) ? value : value != null && typeof value === "object" ? [(value as { x?: unknown }).x, (value as { y?: unknown }).y] : [];
  return typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y) ? { x, y } : undefined;
}

/** The size object with both keys present (their values are checked by clipBox). */
function templateSize(value: unknown): { width: unknown; height: unknown } | undefined {
  if (value == null || typeof value !== "object") return undefined;
  const { width, height } = value as { width?: unknown; height?: unknown };
  return width == null || height == null ? undefined : { width, height };
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function category(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value;
  return undefined;
}

/** Clamps to [0, 1] (±Infinity too); a numeric string is parsed; anything else (NaN, missing, objects) is 0. Says what was repaired. */
function repairConfidence(raw: unknown): { value: number; repaired?: string } {
  const parsed = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  const value = Number.isNaN(parsed) ? 0 : Math.min(1, Math.max(0, parsed));
  if (value === raw) return { value };
  // Python's bare NaN / Infinity are read as null before this point.
  const shown = raw == null ? "missing (or NaN / Infinity, read as null)" : typeof raw === "string" ? JSON.stringify(raw) : String(raw);
  return { value, repaired: `${shown} repaired to ${value}` };
}
