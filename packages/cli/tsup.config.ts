import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

export default defineConfig([
  packageBuild(),
  { entry: ["src/bin.ts"], format: ["esm"], sourcemap: true, target: "node20", banner: { js: "#!/usr/bin/env node" } },
]);
