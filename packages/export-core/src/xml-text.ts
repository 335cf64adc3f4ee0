/**
 * Characters XML 1.0 does not allow anywhere (not even as character
 * references): C0 controls other than tab, LF and CR, U+FFFE, U+FFFF and lone
 * surrogates.
 */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface XmlText {
  /** The escaped text, ready to put between tags. */
  text: string;
  /** How many invalid characters were removed. */
  stripped: number;
}

/**
 * Escapes text for element content: &, <, >, ", ' become entities, CR becomes
 * `&#13;` (a parser would otherwise normalise it away), and characters XML 1.0
 * cannot hold are removed and counted. Everything else (spaces, slashes,
 * non-ASCII) is kept as is, so names read back exactly.
 */
export function xmlText(value: string): XmlText {
  let stripped = 0;
  const clean = value.replace(INVALID_XML_CHARS, () => {
    stripped++;
    return "";
  });
  const text = clean.replace(/[&<>"'\r]/g, (c) => XML_ENTITIES[c]!);
  return { text, stripped };
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#13;",
};

/** `xmlText(value).text`: for SVG/XML text and attribute values where the count of removed characters does not matter. */
export function escapeXml(value: string): string {
  return xmlText(value).text;
}
