import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Node: the whole suite against the real Redis at 127.0.0.1:6379, through the Upstash
// REST endpoint that @memoria/local-services' global setup starts in front of it.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    exclude: ["src/**/*.workers.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
    ],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
