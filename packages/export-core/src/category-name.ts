/** Longest category name kept; longer names are cut (and reported). */
export const MAX_CATEGORY_NAME_LENGTH = 128;

export interface CategoryNameResult {
  name: string;
  /** Set when the name had to change, saying why. */
  repaired?: string;
}

/**
 * What no format can hold the same way: C0/C1 controls, line separators,
 * U+FFFE/U+FFFF (not XML, not YAML) and lone surrogates (not UTF-8).
 */
// eslint-disable-next-line no-control-regex
const NOT_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes a label usable as a category name in every format, the same in each:
 * control characters (newlines, tabs, NUL), U+FFFE/U+FFFF and lone surrogates become spaces, runs of white space fold, the ends are
 * trimmed, the name is cut to {@link MAX_CATEGORY_NAME_LENGTH} characters and an
 * empty name becomes "unknown". Characters such as `<>&"/` and `..` are kept:
 * names are never used as paths, and each writer escapes for its own syntax.
 */
export function normalizeCategoryName(raw: unknown): CategoryNameResult {
  const original = typeof raw === "string" ? raw : raw == null ? "" : String(raw);
  let name = original.replace(NOT_NAME_CHARACTERS, " ").replace(/\s+/g, " ").trim();
  const chars = Array.from(name);
  if (chars.length > MAX_CATEGORY_NAME_LENGTH) name = chars.slice(0, MAX_CATEGORY_NAME_LENGTH).join("").trimEnd();
  if (name === "") name = "unknown";
  if (name === original) return { name };
  const why =
    original.trim() === "" ? "empty name" : chars.length > MAX_CATEGORY_NAME_LENGTH ? `longer than ${MAX_CATEGORY_NAME_LENGTH} characters` : "control characters or extra white space";
  return { name, repaired: why };
}
