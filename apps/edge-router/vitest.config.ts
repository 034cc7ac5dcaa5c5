import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The router runs in workerd (Miniflare) in front of two real gateways, themselves on the
// real Redis and PostgreSQL behind the local endpoints.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
      fileURLToPath(new URL("./test/bundle.setup.ts", import.meta.url)),
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
