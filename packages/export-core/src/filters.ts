import type { RecordFilter } from "./plugins.js";

/** Keeps records whose action succeeded (`success === true`), as the seed's filter_successful_only. */
export const successfulOnly: RecordFilter = { name: "successful_only", test: (r) => r.success === true };

/** Keeps records that carry a match_summary, as the seed's filter_with_matches. */
export const withMatches: RecordFilter = { name: "with_matches", test: (r) => r.match_summary != null };

/** Keeps records whose action_type is one of `types`. */
export function actionTypes(types: readonly string[]): RecordFilter {
  const set = new Set(types);
  return { name: `action_type_in_${types.join("_")}`, test: (r) => r.action_type != null && set.has(r.action_type) };
}
