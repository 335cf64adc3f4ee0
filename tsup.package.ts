import path from "node:path";
import type { Options } from "tsup";

/**
 * The build of one package, for its tsup.config.ts (run from the package's folder, two levels
 * below the root). JS: esbuild, ESM + CJS. Declarations: `tsc -b` (the root "build:types" task,
 * which turbo runs before this build; see tsconfig.build.base.json) wrote the package's .d.ts
 * files under <repo>/dist/tsc/<package path>/src; `dts` only rolls each entry's into
 * dist/<entry>.d.ts and .d.cts (from .d.ts entries tsup's bundler creates no TypeScript program).
 */
export function packageBuild(entries?: Record<string, string>): Options {
  const types = path.join("../../dist/tsc", path.relative("../..", "."));
  const named = entries ?? { index: "src/index.ts" };
  const dts = Object.fromEntries(Object.entries(named).map(([name, source]) => [name, path.join(types, source.replace(/\.ts$/, ".d.ts"))]));
  // The one-entry form stays an array: esbuild names the bundled module after it (same output as before).
  return { entry: entries ?? ["src/index.ts"], format: ["esm", "cjs"], dts: { entry: dts }, sourcemap: true, clean: true, target: "node20" };
}
