import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["integration/**/*.test.ts", "drills/**/*.test.ts", "chaos/**/*.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
      fileURLToPath(new URL("./drills/bundle.setup.ts", import.meta.url)),
    ],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
