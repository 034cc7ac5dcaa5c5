import { settingsView } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";

/** The effective configuration as dotted keys (secrets masked) and which keys are overridden. */
export function registerGetSettings(app: Hono<HonoEnv>): void {
  app.get("/settings", async (c) => {
    const { config, store } = c.get("services");
    const overrides = await store.readSettings();
    return json(
      200,
      { settings: settingsView(config), overridden: Object.keys(overrides).sort() },
      { "cache-control": "no-store" },
    );
  });
}
