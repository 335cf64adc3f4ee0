import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "./errors.js";
import { type Problem, ProblemReason } from "./problems.js";

/** Default longest line read: longer ones are skipped as `line_too_long` without being held whole in memory. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface JsonLinesOptions {
  signal?: AbortSignal;
  /** Who reads (a source's name), for problems. */
  plugin?: string;
  /** Lines longer than this are skipped (`line_too_long`). Default 64 MiB. */
  maxLineBytes?: number;
}

/** One line of a JSON-lines file: its value, or the problem that replaced it. */
export type JsonLine = { line: number; value: unknown } | { line: number; problem: Problem };

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
  const problem = (line: number, reason: string, message: string): JsonLine => ({
    line,
    problem: { reason, severity: "skipped", message: `${name} line ${line}: ${message}`, line, ...plugin },
  });
  // An abort is seen at the next line: destroying the stream instead would make a read in progress
  // fail (ERR_STREAM_PREMATURE_CLOSE) rather than end the lines quietly.
  const stream = createReadStream(file);
  let lineNumber = 0;
  try {
    for await (const raw of linesOf(stream, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)) {
      lineNumber++;
      if (options.signal?.aborted) return;
      if (raw.tooLong !== undefined) {
        yield problem(lineNumber, ProblemReason.LineTooLong, `${raw.tooLong} bytes, over the limit of ${options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES}: skipped`);
        continue;
      }
      // A BOM from an editor on Windows is not part of the first value.
      const text = lineNumber === 1 && raw.text.charCodeAt(0) === 0xfeff ? raw.text.slice(1) : raw.text;
      if (text.trim() === "") continue;
      const parsed = parseJsonLine(text);
      if (parsed.ok) yield { line: lineNumber, value: parsed.value };
      else if (raw.last && !raw.newline) yield problem(lineNumber, ProblemReason.TornLine, `the last line ends without a newline and is not whole JSON (its writer was interrupted): ${parsed.message}`);
      else yield problem(lineNumber, ProblemReason.MalformedJson, `not valid JSON: ${parsed.message}`);
    }
  } finally {
    stream.destroy();
  }
}

/** JSON.parse that reads Python's bare NaN / Infinity / -Infinity as null. Never throws. */
export function parseJsonLine(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
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

interface RawLine {
  text: string;
  /** Set instead of text for a line over the limit: its length in bytes. */
  tooLong?: number;
  last: boolean;
  newline: boolean;
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
      return { text: "", tooLong: total, last, newline };
    }
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    return { text: decodeLine(line, 0, line.length), last, newline };
  };
  for await (const chunk of stream) {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (pendingBytes > 0 || dropping) {
      if (nl < 0) {
        keep(chunk);
        continue;
      }
      yield take(chunk.subarray(0, nl), true, false);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    for (; nl >= 0; nl = chunk.indexOf(10, start)) {
      if (nl - start > maxBytes) yield { text: "", tooLong: nl - start, last: false, newline: true };
      else yield { text: decodeLine(chunk, start, nl), last: false, newline: true };
      start = nl + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
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
 * Replaces bare NaN / Infinity / -Infinity tokens outside strings with null.
 * Text without those words comes back as it is; otherwise the copy is made of
 * slices, not one character at a time (a garbage line may be megabytes long).
 */
export function replacePythonNonFinite(text: string): string {
  if (!text.includes("NaN") && !text.includes("Infinity")) return text;
  const parts: string[] = [];
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const token = c === 0x4e && text.startsWith("NaN", i) ? 3 : c === 0x49 && text.startsWith("Infinity", i) ? 8 : c === 0x2d && text.startsWith("-Infinity", i) ? 9 : 0;
    if (token > 0) {
      parts.push(text.slice(from, i), "null");
      i += token - 1;
      from = i + 1;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(from));
  return parts.join("");
}
