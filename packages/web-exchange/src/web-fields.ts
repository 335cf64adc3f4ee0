/**
 * qontinui-web's vocabulary and column limits, as its backend defines them
 * (backend/app/models/training_dataset.py; see docs/WEB_IMPORT.md), and the
 * mapping of our values onto them. Pure functions, no I/O.
 */

/** `AnnotationSource`: the only values its `annotation_source_enum` column holds. */
export const WEB_SOURCES = ["user_click", "template_matching", "smart_click_analysis", "manual"] as const;
export type WebSource = (typeof WEB_SOURCES)[number];

/** `ElementType`: the only values its `element_type_enum` column holds. */
export const WEB_ELEMENT_TYPES = ["button", "icon", "text", "image", "checkbox", "radio", "input_field", "link", "menu_item", "tab", "unknown"] as const;
export type WebElementType = (typeof WEB_ELEMENT_TYPES)[number];

/** `ReviewStatus`: the review states of a box, here and there. */
export const REVIEW_STATUSES = ["pending", "approved", "rejected", "flagged"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * Column lengths (characters, as PostgreSQL counts them): a longer value
 * fails the import's flush, and a failed flush poisons the one transaction the
 * whole ZIP is imported in, so every value is cut to fit before it is written.
 */
export const WEB_LIMITS = {
  categoryName: 100,
  actionId: 255,
  actionType: 100,
  fileName: 255,
} as const;

/** Their integer columns are PostgreSQL `integer` (32-bit signed). */
export const WEB_INT_MAX = 2_147_483_647;

/**
 * Our `source` values (labelers, the review tool, the seed exporter) to
 * theirs. `user_click_fallback` is the click labeler's fixed box where smart
 * inference found no element: still a box around a user click. Anything not
 * listed maps by `unknownSource`.
 */
export const DEFAULT_SOURCE_MAP: Readonly<Record<string, WebSource>> = {
  user_click: "user_click",
  click: "user_click",
  user_click_fallback: "user_click",
  template_matching: "template_matching",
  template_match: "template_matching",
  template: "template_matching",
  smart_click_analysis: "smart_click_analysis",
  smart_click: "smart_click_analysis",
  manual: "manual",
  review: "manual",
};

/**
 * A source with no entry in the map: boxes found by a detector or read from
 * the screen (grounding, DOM, `source_box`) are machine-made, like template
 * matches, and not user clicks (their import's own default for an unknown
 * value, which would say a person confirmed them).
 */
export const UNKNOWN_SOURCE_FALLBACK: WebSource = "template_matching";

export function webSource(ours: unknown, map: Readonly<Record<string, WebSource>> = DEFAULT_SOURCE_MAP): WebSource {
  if (typeof ours === "string" && Object.hasOwn(map, ours)) return map[ours]!;
  return UNKNOWN_SOURCE_FALLBACK;
}

/** Spellings other tools use for their element types. */
const ELEMENT_TYPE_ALIASES: Readonly<Record<string, WebElementType>> = {
  input: "input_field",
  textbox: "input_field",
  text_box: "input_field",
  text_field: "input_field",
  textfield: "input_field",
  textarea: "input_field",
  combobox: "input_field",
  searchbox: "input_field",
  menuitem: "menu_item",
  menu: "menu_item",
  radio_button: "radio",
  radiobutton: "radio",
  check_box: "checkbox",
  hyperlink: "link",
  label: "text",
  statictext: "text",
  static_text: "text",
  img: "image",
  picture: "image",
  tab_item: "tab",
  tabitem: "tab",
};

/**
 * Their element type of one of our boxes: `inference_metadata.element_type`
 * (the seed's smart click analysis writes it), else a role a source kept in
 * `inference_metadata.attributes` (`element_type`, `role`), each taken when it
 * is one of theirs or a known spelling of one; otherwise `unknown`.
 */
export function webElementType(inferenceMetadata: unknown): WebElementType {
  if (inferenceMetadata === null || typeof inferenceMetadata !== "object") return "unknown";
  const meta = inferenceMetadata as Record<string, unknown>;
  const attributes = meta.attributes !== null && typeof meta.attributes === "object" ? (meta.attributes as Record<string, unknown>) : {};
  for (const candidate of [meta.element_type, attributes.element_type, attributes.role]) {
    if (typeof candidate !== "string") continue;
    const key = candidate.trim().toLowerCase().replace(/[\s-]+/g, "_");
    if ((WEB_ELEMENT_TYPES as readonly string[]).includes(key)) return key as WebElementType;
    if (Object.hasOwn(ELEMENT_TYPE_ALIASES, key)) return ELEMENT_TYPE_ALIASES[key]!;
  }
  return "unknown";
}

/** A stored box's review status; a box without one (or with a value not in the list) is pending. */
export function reviewStatusOf(box: unknown): ReviewStatus {
  const value = box !== null && typeof box === "object" ? (box as { review_status?: unknown }).review_status : undefined;
  return typeof value === "string" && (REVIEW_STATUSES as readonly string[]).includes(value) ? (value as ReviewStatus) : "pending";
}

/**
 * Cuts text to `max` characters as PostgreSQL counts them (code points), and
 * removes what a PostgreSQL text column cannot hold (NUL) or what would make a
 * value another value on screen (other C0/C1 controls, lone surrogates).
 */
export function fitText(value: string, max: number): { text: string; cut: boolean } {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, " ");
  const chars = Array.from(clean);
  if (chars.length <= max) return { text: clean, cut: clean !== value };
  return { text: chars.slice(0, max).join(""), cut: true };
}

/**
 * Their category names for ours: each name cut to the column's 100
 * characters; two names that become one get their ids appended (`…~<id>`), so
 * one name still means one category.
 */
export function webCategoryNames(categories: readonly { id: number; name: string }[]): { names: Map<number, string>; cut: number } {
  const names = new Map<number, string>();
  const owner = new Map<string, number>();
  let cut = 0;
  const max = WEB_LIMITS.categoryName;
  for (const c of [...categories].sort((a, b) => a.id - b.id)) {
    const fitted = fitText(c.name, max);
    let name = fitted.text;
    if (fitted.cut) cut++;
    if (owner.has(name)) {
      const suffix = `~${c.id}`;
      name = `${Array.from(name).slice(0, max - suffix.length).join("")}${suffix}`;
    }
    owner.set(name, c.id);
    names.set(c.id, name);
  }
  return { names, cut };
}

/**
 * A box as their integer columns hold it: clipped to the image, corners
 * rounded to whole pixels (their import truncates with `int()`, which would
 * shift every box left and up), at least one pixel each way; undefined when
 * less than a pixel is left.
 */
export function webBox(bbox: readonly number[], width: number, height: number): [number, number, number, number] | undefined {
  const [x, y, w, h] = bbox as [number, number, number, number];
  const x0 = Math.round(Math.min(Math.max(x, 0), width));
  const y0 = Math.round(Math.min(Math.max(y, 0), height));
  const x1 = Math.round(Math.min(Math.max(x + w, 0), width));
  const y1 = Math.round(Math.min(Math.max(y + h, 0), height));
  if (x1 - x0 < 1 || y1 - y0 < 1) return undefined;
  return [x0, y0, x1 - x0, y1 - y0];
}

/**
 * An ISO 8601 string their import parses (`datetime.fromisoformat`, which
 * before Python 3.11 refuses `Z`): UTC with an explicit `+00:00`. Our
 * timestamps are unix seconds; a value past year 5138 in seconds is taken as
 * milliseconds (another tool's); an ISO string is normalised. Null when there
 * is none or it is not a time.
 */
export function webTimestamp(value: unknown): string | null {
  let ms: number | undefined;
  if (typeof value === "number" && Number.isFinite(value)) ms = value > 1e11 ? value : value * 1000;
  else if (typeof value === "string" && value.trim() !== "") {
    const text = value.trim();
    // A naive ISO time (the runner's sidecars) is UTC.
    const naive = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
    const parsed = Date.parse(naive ? `${text}Z` : text);
    if (Number.isFinite(parsed)) ms = parsed;
  }
  if (ms === undefined) return null;
  const date = new Date(ms);
  if (!Number.isFinite(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) return null;
  return date.toISOString().replace("Z", "+00:00");
}
