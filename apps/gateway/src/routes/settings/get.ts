import { settingsView } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";

/**
 * The effective configuration as dotted keys (secrets masked), which keys are overridden,
 * and which stored keys the region left out because they cannot work (clear one with
 * `PATCH /settings {"key": null}`).
 */
export function registerGetSettings(app: Hono<HonoEnv>): void {
  app.get("/settings", async (c) => {
    const { config, store, settingsErrors } = c.get("services");
    const overrides = await store.readSettings();
    return json(
      200,
      {
        settings: settingsView(config),
        overridden: Object.keys(overrides).sort(),
        settings_errors: settingsErrors,
      },
      { "cache-control": "no-store" },
    );
  });
}
