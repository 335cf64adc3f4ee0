import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./exit-codes.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** The parsed values of an option spec (spelled out: node's own result type cannot be named in .d.ts files). */
export type OptionValues<T extends OptionSpec> = {
  [K in keyof T]?: T[K] extends { type: "boolean" } ? boolean : T[K] extends { multiple: true } ? string[] : string;
} & { help?: boolean };

/** parseArgs with usage errors that name the command and point at --help. */
export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T): { values: OptionValues<T>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: parsed.values as OptionValues<T>, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(`${usageProblem(e as Error, argv)}; see 'qontinui-export ${command} --help'`);
  }
}

/** node's parseArgs error as one line; its three-line "ambiguous" message (`--concurrency -1`) says what to write instead. */
function usageProblem(e: Error, argv: string[]): string {
  const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(e.message);
  if (ambiguous) {
    const option = ambiguous[1]!;
    const value = argv[argv.indexOf(option) + 1] ?? "";
    return `${option} ${value}: a value starting with "-" reads as an option; write ${option}=${value}`;
  }
  return e.message.replace(/\.?\s*To specify.*$/s, "").replace(/\s*\n\s*/g, " ").replace(/\.$/, "");
}

export function numberOption(command: string, name: string, value: string | undefined, check?: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (check && !check(n))) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a valid value; see 'qontinui-export ${command} --help'`);
  }
  return n;
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(`expected one ${what}, got ${positionals.length === 0 ? "none" : positionals.join(" ")}; see 'qontinui-export ${command} --help'`);
  }
  return positionals[0]!;
}
