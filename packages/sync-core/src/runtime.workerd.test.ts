import { expect, it } from "vitest";
import { loadConfig, newEventId, parseEvent } from "./index.js";

// Runs only under vitest.workers.config.ts: proves the suite beside it ran inside workerd.
it("runs inside workerd, where sync-core works without Node built-ins", () => {
  expect(navigator.userAgent).toBe("Cloudflare-Workers");
  expect(
    loadConfig({ env: { MEMORIA_SYNC__PRIVACY_FLOOR: "0", DECREMENT_TZ: "Europe/Paris" } }).config
      .sync.privacy_floor,
  ).toBe(0);
  expect(parseEvent({ v: 1, id: newEventId() }).success).toBe(false);
});
