import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The same client suites inside workerd, where the gateway runs. The endpoints
// are Node servers, started by the global setup on the Node side; the tests
// reach them over 127.0.0.1 with fetch and WebSocket.
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
    globalSetup: ["src/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
