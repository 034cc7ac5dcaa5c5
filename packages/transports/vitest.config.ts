import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Node, against the real Redis through the Upstash endpoint local-services' global setup starts.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
    ],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
