import type { DatasetStats } from "./dataset-stats.js";

/** Statistics as an aligned, human-readable text report (no trailing newline). */
export function formatStats(stats: DatasetStats): string {
  const out: string[] = [];
  const pct = (n: number, of: number) => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);

  out.push(`Dataset ${stats.dir}`, "");
  out.push(
    ...keyValues([
      ["records", num(stats.records)],
      ["images", num(stats.images)],
      ["duplicate records", `${num(stats.duplicateRecords)}  (dedup saved ${pct(stats.duplicateRecords, stats.records)} of records; max ${stats.maxRecordsPerImage} per image)`],
      ["boxes", `${num(stats.boxes)}  (${stats.images === 0 ? "0" : (stats.boxes / stats.images).toFixed(2)} per image)`],
      ["verified boxes", `${num(stats.verifiedBoxes)}  (${pct(stats.verifiedBoxes, stats.boxes)})`],
      ["images without boxes", `${num(stats.imagesWithoutBoxes)}  (${pct(stats.imagesWithoutBoxes, stats.images)})`],
      ["reviewed images", `${num(stats.reviewedImages)}  (${pct(stats.reviewedImages, stats.images)}; ${num(stats.reviewedRecords)} records)`],
      ...(stats.manifestProblems > 0 ? ([["bad manifest lines", num(stats.manifestProblems)]] as [string, string][]) : []),
      ...(stats.unreadableImages > 0 ? ([["unreadable images", num(stats.unreadableImages)]] as [string, string][]) : []),
    ]),
  );

  out.push("", "Categories");
  out.push(
    ...table(
      ["id", "name", "boxes", "%", "images"],
      stats.categories.map((c) => [String(c.id), c.name, num(c.boxes), pct(c.boxes, stats.boxes), num(c.images)]),
      [true, false, true, true, true],
    ),
  );

  out.push("", "Boxes by source");
  const sources = Object.entries(stats.boxesBySource);
  out.push(
    ...(sources.length === 0
      ? ["  (none)"]
      : table(["source", "boxes", "%"], sources.map(([s, n]) => [s, num(n), pct(n, stats.boxes)]), [false, true, true])),
  );

  out.push("", "Confidence");
  const maxBin = Math.max(1, ...stats.confidenceHistogram.map((b) => b.count));
  out.push(
    ...table(
      ["range", "boxes", ""],
      stats.confidenceHistogram.map((b, i, all) => [
        `[${b.from.toFixed(1)}, ${b.to.toFixed(1)}${i === all.length - 1 ? "]" : ")"}`,
        num(b.count),
        "#".repeat(Math.round((30 * b.count) / maxBin)),
      ]),
      [false, true, false],
    ),
  );

  out.push("", "Image sizes");
  const sizes = Object.entries(stats.imageSizes);
  out.push(
    ...(sizes.length === 0
      ? ["  (none)"]
      : table(["size", "images", "%"], sizes.map(([s, n]) => [s, num(n), pct(n, stats.images)]), [false, true, true])),
  );

  return out.map((l) => l.trimEnd()).join("\n");
}

function num(n: number): string {
  return n.toLocaleString("en-US");
}

function keyValues(rows: [string, string][]): string[] {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${`${k}:`.padEnd(w + 1)}  ${v}`);
}

/** Columns padded to their widest cell; `right[i]` right-aligns column i. */
function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    "  " + cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(header), "  " + widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}
