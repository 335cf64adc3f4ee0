import path from "node:path";
import { defineConfig } from "tsup";

// JS: esbuild. Declarations: `tsc -b` (the root "build:types" task, which turbo runs before
// this build; see tsconfig.build.base.json) wrote this package's .d.ts files under
// <repo>/dist/tsc/<package path>/src; `dts` only rolls them into dist/index.d.ts and
// dist/index.d.cts (from .d.ts entries tsup's bundler creates no TypeScript program).
const types = path.join("../../dist/tsc", path.relative("../..", "."), "src");

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: { entry: { index: `${types}/index.d.ts` } },
  sourcemap: true,
  clean: true,
  target: "node20",
});
