import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

// shims: each format finds its own file (import.meta.url in CommonJS, __dirname in ESM), and the page's assets/ beside dist/.
export default defineConfig({ ...packageBuild(), shims: true });
