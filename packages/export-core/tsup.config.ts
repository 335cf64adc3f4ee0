import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

// shims: the CommonJS build gets import.meta.url (src/schemas.ts requires ajv lazily from it).
export default defineConfig({ ...packageBuild({ index: "src/index.ts", "testing/index": "src/testing/index.ts", "testing/vitest": "src/testing/vitest.ts" }), shims: true });
