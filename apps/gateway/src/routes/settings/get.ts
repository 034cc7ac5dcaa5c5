import type { RouteConfig } from "@hono/zod-openapi";
import { settingsView } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";

/** The effective settings as dotted keys (`sync.privacy_floor`), secrets shown as `***`. */
export const settingsViewSchema = z.record(z.string(), z.unknown()).meta({ id: "SettingsView" });

export const getSettingsRoute = {
  method: "get",
  path: "/settings",
  operationId: "getSettings",
  tags: ["settings"],
  summary: "The region's effective settings",
  security: access.scope("admin"),
  responses: {
    200: jsonAnswer(
      "Settings, the overridden keys, and stored keys left out because they cannot work",
      z.object({
        settings: settingsViewSchema,
        overridden: z.array(z.string()),
        settings_errors: z.array(z.object({ field: z.string(), message: z.string() })),
      }),
    ),
    ...securedProblems(),
  },
} satisfies RouteConfig;

/**
 * The effective configuration as dotted keys (secrets masked), which keys are overridden,
 * and which stored keys the region left out because they cannot work (clear one with
 * `PATCH /settings {"key": null}`).
 */
export function registerGetSettings(app: GatewayApp): void {
  defineRoute(app, getSettingsRoute, async (c) => {
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
