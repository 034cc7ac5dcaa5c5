import { defineConfig } from "vitest/config";

// Node: the endpoints' own tests, the launcher's, and the client suites through
// @upstash/redis and @neondatabase/serverless. The global setup starts the
// endpoints in front of the real servers.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    exclude: ["src/**/*.workers.test.ts"],
    globalSetup: ["src/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
