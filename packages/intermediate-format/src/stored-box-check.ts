import { DatasetError, type LabeledAnnotation, normalizeCategoryName } from "@qontinui/export-core";
import type { StoredAnnotation } from "./layout.js";
import { fromStoredAnnotation } from "./stored-annotation.js";

/** Why a stored box is not used: a dataset is input too, and someone else may have written it. */
export const StoredBoxProblem = {
  /** bbox is not four finite numbers with a positive width and height. */
  BadBox: "stored_box_invalid",
  /** The box misses the image, or reaches past it by more than the image's own width or height. */
  OutsideImage: "stored_box_outside_image",
  /** confidence is not a number in [0, 1]. */
  BadConfidence: "stored_box_confidence_invalid",
  /** Neither a category name nor a category id metadata.json knows. */
  BadCategory: "stored_box_category_invalid",
} as const;

/** metadata.json's category_map, indexed once per dataset for checkStoredBox. */
export interface CategoryLookup {
  byName: ReadonlyMap<string, number>;
  byId: ReadonlyMap<number, string>;
}

/**
 * Indexes a category_map (own keys only: a category may be called
 * `__proto__`). Names are normalised as an export normalises them
 * (normalizeCategoryName: no padding, no controls, nothing XML or YAML cannot
 * hold), so a dataset someone else wrote gives every format the same names; a
 * box finds its category by its name as stored or normalised. Two names that
 * normalise to one are refused (DatasetError): they would be two ids for one class.
 */
export function categoryLookup(categoryMap: Readonly<Record<string, number>>): CategoryLookup {
  const byName = new Map<string, number>();
  const byId = new Map<number, string>();
  const normalised = new Map<string, string>();
  for (const [raw, id] of Object.entries(categoryMap)) {
    const { name } = normalizeCategoryName(raw);
    const other = normalised.get(name);
    if (other !== undefined) throw new DatasetError(`categories ${JSON.stringify(other)} and ${JSON.stringify(raw)} are both ${JSON.stringify(name)} once normalised`);
    normalised.set(name, raw);
    byName.set(raw, id);
    byName.set(name, id);
    if (!byId.has(id)) byId.set(id, name);
  }
  return { byName, byId };
}

export type StoredBoxResult = { ok: true; annotation: LabeledAnnotation } | { ok: false; reason: string; message: string };

/**
 * A stored box checked before it is used as data (copied by `merge`, written
 * into XML, YAML or JSON by a converter): four finite coordinates with a
 * positive size on the image (when the size is known: overlapping it, and not
 * reaching past it by more than its own size; converters clip), a confidence in
 * [0, 1] (missing: 1, as the seed wrote none), and a category metadata.json
 * knows by id or by name (looked up as an own key, so `__proto__` or
 * `constructor` are names like any other).
 */
export function checkStoredBox(s: unknown, categories: CategoryLookup, width?: number, height?: number): StoredBoxResult {
  if (typeof s !== "object" || s === null) return { ok: false, reason: StoredBoxProblem.BadBox, message: `box ${JSON.stringify(s)} is not an object` };
  const box = s as Partial<StoredAnnotation>;
  const b = box.bbox;
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === "number" && Number.isFinite(v)) || !(b[2]! > 0) || !(b[3]! > 0)) {
    return { ok: false, reason: StoredBoxProblem.BadBox, message: `bbox ${short(b)} is not [x, y, w, h] with finite numbers and a positive size` };
  }
  const [x, y, w, h] = b as number[];
  if (width !== undefined && height !== undefined) {
    // A box sticking out is data (the seed stores its 50-pixel click boxes unclipped; converters clip them);
    // one that misses the image, or reaches past it by more than the image's own size, is not.
    const misses = x! + w! <= 0 || y! + h! <= 0 || x! >= width || y! >= height;
    const far = x! < -width || y! < -height || x! + w! > 2 * width || y! + h! > 2 * height;
    if (misses || far) {
      return { ok: false, reason: StoredBoxProblem.OutsideImage, message: `bbox ${short(b)} ${misses ? "misses" : "reaches far past"} the ${width}×${height} image` };
    }
  }
  if (box.confidence !== undefined && !(typeof box.confidence === "number" && box.confidence >= 0 && box.confidence <= 1)) {
    return { ok: false, reason: StoredBoxProblem.BadConfidence, message: `confidence ${short(box.confidence)} is not a number in [0, 1]` };
  }
  const name = box.category_name;
  const id = box.category_id;
  // The name as stored, else as normalised (a name padded by another tool finds its category).
  const key = typeof name !== "string" || name.trim() === "" ? undefined : categories.byName.has(name) ? name : normalizeCategoryName(name).name;
  const nameOk = key !== undefined && categories.byName.has(key);
  const idOk = typeof id === "number" && Number.isInteger(id) && categories.byId.has(id);
  if (!nameOk && !idOk) {
    return { ok: false, reason: StoredBoxProblem.BadCategory, message: `category ${short(name)} (id ${short(id)}) is not in metadata.json's category_map` };
  }
  // The name decides when the two disagree: it is what the box says it is (and what merge reconciles by).
  const categoryId = nameOk ? categories.byName.get(key!)! : id!;
  const fixed: StoredAnnotation = { ...(box as StoredAnnotation), category_id: categoryId, category_name: categories.byId.get(categoryId)! };
  return { ok: true, annotation: fromStoredAnnotation(fixed, {}) };
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
