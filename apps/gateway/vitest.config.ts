import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The gateway runs in workerd (Miniflare), two regions at once, against the real Redis
// and PostgreSQL behind the local Upstash and Neon endpoints.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
      fileURLToPath(new URL("./test/bundle.setup.ts", import.meta.url)),
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file starts its own regions; running them one at a time keeps the 2-core machine honest.
    fileParallelism: false,
  },
});
