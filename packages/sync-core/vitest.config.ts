import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    exclude: ["src/**/*.workerd.test.ts"],
    // The property tests are CPU-bound: on a shared 2-core machine running the whole suite,
    // vitest's 5 s default cut a passing run short.
    testTimeout: 30_000,
  },
});
