/**
 * Advance widths in em of printable ASCII (U+0020 to U+007E), each the wider of DejaVu Sans
 * and Arial: the preview's font list starts with DejaVu Sans, and Arial stands for the metric
 * of the usual fallbacks (Liberation Sans, Helvetica). Measured, not averaged, so a label of
 * capitals or "mmm" gets a tag as wide as its glyphs.
 */
const ASCII_EM: readonly number[] = [
  0.318, 0.401, 0.461, 0.838, 0.637, 0.951, 0.780, 0.276, 0.391, 0.391, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337, //  !"#$%&'()*+,-./
  0.637, 0.637, 0.637, 0.637, 0.637, 0.637, 0.637, 0.637, 0.637, 0.637, 0.337, 0.337, 0.838, 0.838, 0.838, 0.556, // 0-9 :;<=>?
  1.015, 0.711, 0.686, 0.722, 0.771, 0.667, 0.611, 0.778, 0.752, 0.296, 0.500, 0.667, 0.557, 0.863, 0.748, 0.787, // @A-O
  0.667, 0.787, 0.722, 0.667, 0.611, 0.732, 0.684, 0.989, 0.686, 0.667, 0.686, 0.391, 0.337, 0.391, 0.838, 0.556, // P-Z [\]^_
  0.500, 0.613, 0.635, 0.550, 0.635, 0.616, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.975, 0.634, 0.612, // `a-o
  0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.526, 0.637, 0.337, 0.637, 0.838, //        p-z {|}~
];

/** Any other character of the Basic Multilingual Plane: wider than most Latin, Greek and Cyrillic letters, and than CJK (1 em). */
const OTHER_EM = 1.1;
/** Outside the BMP (emoji, rare CJK): colour emoji fonts draw up to ~1.3 em. */
const ASTRAL_EM = 1.3;
/** Rounding, hinting and an unknown fallback font. */
const MARGIN = 1.05;

const COMBINING_MARK = /\p{M}/u;

/**
 * A width in px that `text`, drawn in the preview's sans-serif font at `fontSize` px, does not
 * exceed. Deliberately generous: a tag wider than its text costs a few pixels, text spilling out
 * of its tag is unreadable over a screenshot.
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) em += ASCII_EM[code - 0x20] ?? OTHER_EM;
    else if (code > 0xffff) em += ASTRAL_EM;
    else if (!COMBINING_MARK.test(ch)) em += OTHER_EM;
  }
  return Math.ceil(em * fontSize * MARGIN);
}

/**
 * `text`, or its longest prefix followed by "…" whose `textWidth` is at most `maxWidth`;
 * "" when not even "…" fits.
 */
export function fitText(text: string, fontSize: number, maxWidth: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  for (let n = chars.length - 1; n >= 0; n--) {
    const shorter = `${chars.slice(0, n).join("").trimEnd()}…`;
    if (textWidth(shorter, fontSize) <= maxWidth) return shorter;
  }
  return "";
}
