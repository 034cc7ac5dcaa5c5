import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The smaller suite inside workerd, where the gateway runs the transport: no
// nodejs_compat, only fetch to the endpoint on 127.0.0.1. The global setup runs on the
// Node side and hands the endpoint's URL and token in with provide/inject.
// (workerd logs every failed fetch as an "uncaught exception" even when the caller
// catches it: the unreachable-endpoint test prints two such lines, harmlessly.)
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
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
