import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

// The worker thread's script is an entry of its own, beside index.js / index.cjs; shims give each format the
// module's own path (click-analyser.ts finds the worker with it).
export default defineConfig({ ...packageBuild({ index: "src/index.ts", "analysis-worker": "src/analysis-worker.ts" }), shims: true });
