import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The same suite again, inside workerd: proof that sync-core needs nothing
// but the Workers runtime (no nodejs_compat flag, no Node built-ins).
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-26",
      },
    }),
  ],
  test: {
    include: ["src/**/*.test.ts"],
  },
});
