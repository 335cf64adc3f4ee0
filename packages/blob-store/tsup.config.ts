import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.package";

// Three entries: the main one never loads the S3 client, nor vitest and sharp (./testing/vitest).
// splitting: the CommonJS build shares one copy of the error classes between entries too, so
// `instanceof BlobNotFoundError` holds for an error S3BlobStore throws.
export default defineConfig({
  ...packageBuild({ index: "src/index.ts", s3: "src/s3.ts", "testing/vitest": "src/testing/vitest.ts" }),
  splitting: true,
});
