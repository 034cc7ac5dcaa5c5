import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { localServicesSetup } from "./vitest.config";

// The smaller suite inside workerd, where the gateway runs the transport: no
// nodejs_compat, only fetch to the endpoint on 127.0.0.1.
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
    globalSetup: [localServicesSetup],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
