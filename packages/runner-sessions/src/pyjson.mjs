// JSON text the way Python's json module writes it, so the files look like the runner's own:
// floats keep their ".0", NaN/Infinity are written bare, separators and ensure_ascii follow
// json.dumps. JavaScript numbers do not know whether they were floats, so floats are wrapped.

/** A number Python holds as a float: written `1.0`, not `1`. */
export class PyFloat {
  /** @param {number} value */
  constructor(value) {
    this.value = value;
  }
}

/** @param {number} value */
export const pyFloat = (value) => new PyFloat(value);

function floatRepr(v) {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  const abs = Math.abs(v);
  if (v !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // repr() switches to an exponent below 1e-4 and from 1e16, with at least two digits.
    return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  if (Number.isInteger(v)) return `${v}.0`;
  return String(v);
}

function stringRepr(s, ensureAscii) {
  const json = JSON.stringify(s);
  if (!ensureAscii) return json;
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * json.dumps(value, indent=indent, separators=separators, ensure_ascii=ensureAscii).
 * Keys whose value is `undefined` are left out (as JSON.stringify does); `null` is written.
 * @param {unknown} value
 * @param {{ indent?: number, separators?: [string, string], ensureAscii?: boolean }} [options]
 */
export function pyDumps(value, options = {}) {
  const indent = options.indent;
  const [itemSep, keySep] = options.separators ?? (indent === undefined ? [", ", ": "] : [",", ": "]);
  const ensureAscii = options.ensureAscii ?? true;

  const write = (v, depth) => {
    if (v === null) return "null";
    if (v instanceof PyFloat) return floatRepr(v.value);
    switch (typeof v) {
      case "boolean":
        return v ? "true" : "false";
      case "number":
        if (!Number.isFinite(v)) return floatRepr(v);
        if (!Number.isInteger(v)) return floatRepr(v);
        return String(v);
      case "string":
        return stringRepr(v, ensureAscii);
      case "object":
        break;
      default:
        throw new TypeError(`cannot write ${typeof v} as JSON`);
    }
    const pad = indent === undefined ? "" : "\n" + " ".repeat(indent * (depth + 1));
    const end = indent === undefined ? "" : "\n" + " ".repeat(indent * depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return "[" + pad + v.map((x) => write(x, depth + 1)).join(itemSep + pad) + end + "]";
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return "{}";
    return "{" + pad + entries.map(([k, x]) => stringRepr(k, ensureAscii) + keySep + write(x, depth + 1)).join(itemSep + pad) + end + "}";
  };
  return write(value, 0);
}

/** Python datetime.isoformat(): microseconds only when they are not 0. `tz` is appended as is. */
export function isoFromMicros(micros, tz = "") {
  const ms = Math.floor(micros / 1000);
  const us = micros - Math.floor(micros / 1_000_000) * 1_000_000;
  const base = new Date(ms).toISOString().slice(0, 19);
  return (us === 0 ? base : `${base}.${String(us).padStart(6, "0")}`) + tz;
}

/** time.time() as Python prints it: seconds with the microseconds as decimals. */
export const epochSeconds = (micros) => pyFloat(micros / 1_000_000);
