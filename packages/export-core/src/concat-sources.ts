import path from "node:path";
import { ConfigError } from "./errors.js";
import type { Source, SourceItem } from "./plugins.js";

/**
 * Several sources as one, read one after the other, for exporting several
 * artifacts of one run into one dataset in one pass (images shared between
 * them are stored once: ids are content hashes). Every source must have a
 * `root`; the result's root is their deepest common directory and each
 * record's `screenshot_reference` is rebased onto it, so the path guard
 * still keeps every read inside the directory the user gave.
 */
export function concatSources(sources: Source[], name = sources.map((s) => s.name).join("+")): Source {
  if (sources.length === 0) throw new ConfigError("concatSources: give at least one source");
  if (sources.length === 1) return sources[0]!;
  const roots = sources.map((s) => {
    if (typeof s.root !== "string" || s.root === "") throw new ConfigError(`concatSources: source ${JSON.stringify(s.name)} has no root directory`);
    return path.resolve(s.root);
  });
  const root = commonDirectory(roots);
  const prefixes = roots.map((r) => path.relative(root, r).split(path.sep).join("/"));
  return {
    name,
    root,
    async *read(signal?: AbortSignal): AsyncIterable<SourceItem> {
      for (const [i, source] of sources.entries()) {
        const prefix = prefixes[i]!;
        for await (const item of source.read(signal)) {
          if (signal?.aborted) return;
          if ("problem" in item || !prefix || !item.record.screenshot_reference) {
            yield item;
            continue;
          }
          yield { ...item, record: { ...item.record, screenshot_reference: rebase(prefix, item.record.screenshot_reference) } };
        }
      }
    },
  };
}

/**
 * The reference seen from the common root. A reference that is absolute or
 * climbs out of its own root is passed on so that it still climbs out of
 * the common root (the guard then refuses it as `path_escapes_root`).
 */
function rebase(prefix: string, reference: string): string {
  const normal = reference.replace(/\\/g, "/");
  if (/^([/\\]|[A-Za-z]:|[A-Za-z][A-Za-z0-9+.-]+:\/\/)/.test(reference)) return reference;
  let depth = 0;
  for (const segment of normal.split("/")) {
    if (segment === "..") depth--;
    else if (segment !== "" && segment !== ".") depth++;
    if (depth < 0) return `${"../".repeat(prefix.split("/").length)}${normal}`;
  }
  return `${prefix}/${normal}`;
}

function commonDirectory(dirs: string[]): string {
  let common = dirs[0]!;
  for (const d of dirs.slice(1)) {
    while (common !== path.dirname(common) && path.relative(common, d).startsWith("..")) common = path.dirname(common);
  }
  return common;
}
