import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

// shims: the CJS build gets `import.meta.url` (migrations/ is found from the module's own location).
export default defineConfig({ ...packageBuild(), shims: true });
