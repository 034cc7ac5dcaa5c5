import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Node: every suite against the real PostgreSQL, through the Neon WebSocket proxy that
// local-services' global setup starts (and one `pg` suite straight over TCP).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    exclude: ["src/**/*.workers.test.ts"],
    globalSetup: [
      fileURLToPath(import.meta.resolve("@memoria/local-services/testing/global-setup")),
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
