/**
 * A fixed palette of 20 distinct colours (Sasha Trubetskoy's list, strong
 * tones first), so a category keeps its colour across images and runs.
 */
export const PALETTE: readonly string[] = [
  "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231",
  "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4",
  "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000",
  "#aaffc3", "#808000", "#ffd8b1", "#000075", "#a9a9a9",
];

/** The colour for a 0-based category id (wraps around the palette; negative ids allowed). */
export function categoryColor(categoryId: number): string {
  const n = PALETTE.length;
  const i = ((Math.trunc(categoryId) % n) + n) % n;
  return PALETTE[i] ?? "#ff0000";
}

/** Black or white, whichever reads better on `hex` (#rrggbb). */
export function textColorOn(hex: string): string {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  const luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  return luminance > 0.6 ? "#000000" : "#ffffff";
}
