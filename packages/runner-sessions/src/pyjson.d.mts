// Types of ./pyjson.mjs: JSON text as Python's json module writes it.
export class PyFloat {
  constructor(value: number);
  value: number;
}
export function pyFloat(value: number): PyFloat;
export function pyDumps(value: unknown, options?: { indent?: number; separators?: [string, string]; ensureAscii?: boolean }): string;
/** Python datetime.isoformat() of a time in microseconds; `tz` ("+00:00") is appended as is. */
export function isoFromMicros(micros: number, tz?: string): string;
export function epochSeconds(micros: number): PyFloat;
