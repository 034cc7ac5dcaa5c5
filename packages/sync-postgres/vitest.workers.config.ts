import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The transport and the lease inside workerd, where the gateway runs them: workerd's own
// WebSocket carries the Neon driver to the endpoint the (Node-side) global setup starts.
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-26",
      },
    }),
  ],
  test: {
    include: ["src/**/*.workers.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
