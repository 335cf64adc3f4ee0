import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "./errors.js";
import { type Problem, ProblemReason } from "./problems.js";

/**
 * Default longest line read: 16 MiB. Longer ones are skipped as `line_too_long` without being held
 * in memory (a record, an event or a manifest entry is a few KB; a line of 16 MiB is already garbage
 * or a runaway writer), so memory stays bounded by this whatever the file holds.
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface JsonLinesOptions {
  signal?: AbortSignal;
  /** Who reads (a source's name), for problems. */
  plugin?: string;
  /** Lines longer than this are skipped (`line_too_long`) without being held in memory. Default 16 MiB. */
  maxLineBytes?: number;
}

/** One line of a JSON-lines file: its value, or the problem that replaced it; `offset` is the byte where the line starts. */
export type JsonLine = { line: number; offset: number; value: unknown } | { line: number; offset: number; problem: Problem };

/**
 * Reads a JSON-lines file one line at a time (memory does not grow with the
 * file): each line yields its parsed value, or a problem with a named reason
 * and the 1-based line number. Python's bare NaN / Infinity are read as null;
 * blank lines are skipped; CRLF, a leading BOM and a last line without a
 * newline are read; a last line that is not JSON and has no newline is
 * `torn_line` (its writer was interrupted). A missing file throws a
 * ConfigError on the first iteration. After an abort, reading stops at the
 * next line quietly.
 */
export async function* readJsonLines(file: string, options: JsonLinesOptions = {}): AsyncGenerator<JsonLine> {
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(
      e.code === "ENOENT" || e.code === "ENOTDIR" ? `${file} does not exist` : `cannot read ${file}: ${e.message}`,
      { cause: e },
    );
  });
  if (!info.isFile()) throw new ConfigError(`${file} is not a file: it must hold one JSON value a line`);
  if (options.signal?.aborted) return;
  const name = path.basename(file);
  const plugin = options.plugin !== undefined ? { plugin: options.plugin } : {};
  const problem = (line: number, offset: number, reason: string, message: string): JsonLine => ({
    line,
    offset,
    problem: { reason, severity: "skipped", message: `${name} line ${line}: ${message}`, line, ...plugin },
  });
  // An abort is seen at the next line: destroying the stream instead would make a read in progress
  // fail (ERR_STREAM_PREMATURE_CLOSE) rather than end the lines quietly.
  const stream = createReadStream(file);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!(maxLineBytes > 0)) throw new RangeError(`maxLineBytes must be a positive number, got ${maxLineBytes}`);
  let lineNumber = 0;
  try {
    for await (const raw of linesOf(stream, maxLineBytes)) {
      lineNumber++;
      if (options.signal?.aborted) return;
      const { offset } = raw;
      if (raw.tooLong !== undefined) {
        yield problem(lineNumber, offset, ProblemReason.LineTooLong, `${raw.tooLong} bytes${raw.newline ? "" : " without a newline"}, over the limit of ${maxLineBytes}: skipped`);
        continue;
      }
      // A BOM from an editor on Windows is not part of the first value.
      const text = lineNumber === 1 && raw.text.charCodeAt(0) === 0xfeff ? raw.text.slice(1) : raw.text;
      if (text.trim() === "") continue;
      const parsed = parseJsonLine(text);
      if (parsed.ok) yield { line: lineNumber, offset, value: parsed.value };
      else if (raw.last && !raw.newline) yield problem(lineNumber, offset, ProblemReason.TornLine, `the last line ends without a newline and is not whole JSON (its writer was interrupted): ${parsed.message}`);
      else yield problem(lineNumber, offset, ProblemReason.MalformedJson, `not valid JSON: ${parsed.message}`);
    }
  } finally {
    stream.destroy();
  }
}

/** Lines longer than this are checked for nesting before JSON.parse (which takes ~0.6 µs a level: a 16 MiB line of "[" took 12 s). */
const NESTING_CHECK_FROM = 64 * 1024;
/** Deeper than any record, event or entry nests; a line nested deeper is garbage. */
const MAX_NESTING = 10_000;

/** JSON.parse that reads Python's bare NaN / Infinity / -Infinity as null. Never throws; linear in the line's length. */
export function parseJsonLine(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.length > NESTING_CHECK_FROM && nestedDeeperThan(text, MAX_NESTING)) {
    return { ok: false, message: `nested deeper than ${MAX_NESTING} levels (${text.length} characters): not a record` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const tolerant = replacePythonNonFinite(text);
    if (tolerant !== text) {
      try {
        return { ok: true, value: JSON.parse(tolerant) };
      } catch {
        // The original error says more.
      }
    }
    return { ok: false, message: (e as Error).message };
  }
}

// Scanning is done by regular expressions that jump to the next character that matters (irregexp
// runs them as native code): a loop over every character in JS took ~150 ns a character.
const NEXT_OUTSIDE_STRING = /["NI]/g;
const NEXT_IN_STRING = /["\\]/g;
const NEXT_BRACKET = /["[\]{}]/g;

/** Where the string starting at `quote` (a '"') ends: the index after its closing quote, or the text's end. */
function endOfString(text: string, quote: number): number {
  let at = quote + 1;
  for (;;) {
    NEXT_IN_STRING.lastIndex = at;
    const m = NEXT_IN_STRING.exec(text);
    if (!m) return text.length;
    if (text.charCodeAt(m.index) === 0x5c) {
      at = m.index + 2;
      continue;
    }
    return m.index + 1;
  }
}

/** Whether brackets outside strings nest deeper than `limit`. */
function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let at = 0;
  for (;;) {
    NEXT_BRACKET.lastIndex = at;
    const m = NEXT_BRACKET.exec(text);
    if (!m) return false;
    const c = text.charCodeAt(m.index);
    if (c === 0x22) {
      at = endOfString(text, m.index);
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else {
      depth--;
    }
    at = m.index + 1;
  }
}

interface RawLine {
  text: string;
  /** Set instead of text for a line over the limit: its length in bytes. */
  tooLong?: number;
  last: boolean;
  newline: boolean;
  /** Where the line starts in the stream, in bytes. */
  offset: number;
}

/**
 * The lines of a UTF-8 byte stream (LF or CRLF; a last line without a newline too), one chunk at a
 * time as the consumer asks. Lines are split in the bytes and each is decoded on its own, so no
 * chunk-sized string lives in the JS heap while its lines wait their turn. A line over `maxBytes`
 * is not kept: its bytes are counted and dropped until its newline.
 */
export async function* linesOf(stream: AsyncIterable<Buffer>, maxBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<RawLine> {
  // The bytes of the line begun in earlier chunks, joined once its end comes.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dropping = false;
  // Stream offsets: of the current chunk's first byte, and of the line being gathered.
  let base = 0;
  let lineStart = 0;
  const take = (tail: Buffer | undefined, newline: boolean, last: boolean): RawLine => {
    if (tail) {
      pending.push(tail);
      pendingBytes += tail.length;
    }
    const total = pendingBytes;
    const parts = pending;
    pending = [];
    pendingBytes = 0;
    if (dropping || total > maxBytes) {
      dropping = false;
      return { text: "", tooLong: total, last, newline, offset: lineStart };
    }
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    return { text: decodeLine(line, 0, line.length), last, newline, offset: lineStart };
  };
  for await (const chunk of stream) {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (pendingBytes > 0 || dropping) {
      if (nl < 0) {
        keep(chunk);
        base += chunk.length;
        continue;
      }
      yield take(chunk.subarray(0, nl), true, false);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    for (; nl >= 0; nl = chunk.indexOf(10, start)) {
      const offset = base + start;
      if (nl - start > maxBytes) yield { text: "", tooLong: nl - start, last: false, newline: true, offset };
      else yield { text: decodeLine(chunk, start, nl), last: false, newline: true, offset };
      start = nl + 1;
    }
    if (start < chunk.length) {
      lineStart = base + start;
      keep(chunk.subarray(start));
    }
    base += chunk.length;
  }
  if (pendingBytes > 0 || dropping) yield take(undefined, false, true);

  function keep(bytes: Buffer): void {
    if (dropping) {
      pendingBytes += bytes.length;
      return;
    }
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (pendingBytes > maxBytes) {
      // Too long to keep: count the rest of it, hold none of it.
      pending = [];
      dropping = true;
    }
  }
}

/** bytes[start, end) as text, without the CR of a CRLF ending. */
function decodeLine(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end > start && bytes[end - 1] === 13 ? end - 1 : end);
}

/**
 * Replaces bare NaN / Infinity / -Infinity tokens outside strings with null, in one pass (linear in
 * the text's length, whatever it holds). Text without those words comes back as it is; otherwise the
 * copy is made of slices, not one character at a time (a garbage line may be megabytes long).
 */
export function replacePythonNonFinite(text: string): string {
  if (!text.includes("NaN") && !text.includes("Infinity")) return text;
  const parts: string[] = [];
  let from = 0;
  let at = 0;
  for (;;) {
    NEXT_OUTSIDE_STRING.lastIndex = at;
    const m = NEXT_OUTSIDE_STRING.exec(text);
    if (!m) break;
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      at = endOfString(text, i);
    } else if (c === 0x4e && text.startsWith("NaN", i)) {
      parts.push(text.slice(from, i), "null");
      from = at = i + 3;
    } else if (c === 0x49 && text.startsWith("Infinity", i)) {
      // -Infinity: the minus goes too.
      const start = i > from && text.charCodeAt(i - 1) === 0x2d ? i - 1 : i;
      parts.push(text.slice(from, start), "null");
      from = at = i + 8;
    } else {
      at = i + 1;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(from));
  return parts.join("");
}
