import { defineConfig } from "vitest/config";

// One root config: every package's tests run from here (`pnpm test`), and each
// package can still run its own with `pnpm --filter <name> test`.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples/custom-writer", "examples/custom-source"],
    globalSetup: ["./vitest.global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
