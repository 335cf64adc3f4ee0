import type { FormatDescriptor } from "@qontinui/export-core";
import type { OptionSpec } from "../args.js";
import { UsageError } from "../exit-codes.js";

/** parseArgs entries for the flags of these formats (a flag shared by two formats is one entry). */
export function formatFlagSpec(formats: readonly FormatDescriptor<any>[]): OptionSpec {
  const spec: OptionSpec = {};
  for (const f of formats) for (const flag of f.flags) spec[flag.flag] = { type: flag.kind };
  return spec;
}

/** The flags' lines for --help, aligned like the rest of the help; `skip`: flags the command has of its own. */
export function formatFlagHelp(formats: readonly FormatDescriptor<any>[], width = 26, only = false, skip: readonly string[] = []): string[] {
  const lines: string[] = [];
  const seen = new Set<string>(skip);
  for (const f of formats) {
    for (const flag of f.flags) {
      if (seen.has(flag.flag)) continue;
      seen.add(flag.flag);
      const left = `      --${flag.flag}${flag.kind === "string" ? " <v>" : ""}`;
      lines.push(`${left.padEnd(Math.max(width, left.length + 1))}${only ? "" : `${f.name}: `}${flag.help}`);
    }
  }
  return lines;
}

/**
 * A format's own options from the parsed command line, validated (and
 * coerced) by its schema. A flag of this format given with a bad value is a
 * usage error naming the flag.
 */
export function formatOptions<O>(command: string, format: FormatDescriptor<O>, values: Record<string, unknown>): O {
  const raw: Record<string, unknown> = {};
  for (const flag of format.flags) if (values[flag.flag] !== undefined) raw[flag.key] = values[flag.flag];
  const parsed = format.options.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = format.flags.find((f) => f.key === issue?.path[0]);
  throw new UsageError(`${command}: --${flag?.flag ?? String(issue?.path[0] ?? "?")} ${JSON.stringify(values[flag?.flag ?? ""])}: ${issue?.message ?? "invalid"}; see 'qontinui-export ${command} --help'`);
}

/** Flags given that none of `formats` takes (they belong to another format); `own`: the command's own flags, never foreign. */
export function foreignFlags(all: readonly FormatDescriptor<any>[], formats: readonly FormatDescriptor<any>[], values: Record<string, unknown>, own: readonly string[] = []): string[] {
  const mine = new Set([...own, ...formats.flatMap((f) => f.flags.map((x) => x.flag))]);
  return [...new Set(all.flatMap((f) => f.flags.map((x) => x.flag)))].filter((flag) => !mine.has(flag) && values[flag] !== undefined);
}
