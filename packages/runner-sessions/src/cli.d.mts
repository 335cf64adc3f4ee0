// Types of ./cli.mjs.
import type { SessionOptions } from "./index.js";
export function parseArgs(argv: string[]): { dir: string; options: SessionOptions; hostile: boolean } | { help: true };
