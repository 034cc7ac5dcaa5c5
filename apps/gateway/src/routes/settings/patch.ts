import type { RouteConfig } from "@hono/zod-openapi";
import { ConfigError, patchSettings, settingsView } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { jsonBody } from "../../validate.js";
import {
  access,
  defineRoute,
  jsonAnswer,
  jsonRequest,
  securedProblems,
} from "../openapi/define.js";
import { settingsViewSchema } from "./get.js";
import { rejectedIssues } from "./refusal.js";
import { trialConfig } from "./trial.js";

/**
 * Any JSON here; its shape is the settings reader's to judge (`patchSettings`), which names
 * the key at fault. zod's record would drop a `__proto__` key silently, not refuse it.
 */
const patchBody = z.unknown();

export const patchSettingsRoute = {
  method: "patch",
  path: "/settings",
  operationId: "patchSettings",
  tags: ["settings"],
  summary: "Change settings (tried whole before anything is saved)",
  security: access.scope("admin"),
  request: jsonRequest(
    z
      .record(z.string(), z.unknown())
      .describe(
        'Dotted (`"sync.privacy_floor": 0`), nested or mixed; `null` removes an override, `"***"` keeps a secret',
      ),
  ),
  responses: {
    200: jsonAnswer(
      "Saved; effective on the next request",
      z.object({
        settings: settingsViewSchema,
        overridden: z.array(z.string()),
        redacted: z.number().describe("Stored records redacted by a tightened band"),
      }),
    ),
    ...securedProblems(415),
  },
} satisfies RouteConfig;

/**
 * Settings in any form — dotted (`"sync.privacy_floor": 0`), nested, mixed — read by the
 * one normalization (unknown, fixed, prototype and twice-given keys refused), laid over the
 * stored overrides, then tried before anything is stored: the whole configuration and the
 * services it implies are built (and the sync backend reached when the patch changes how
 * it connects), so a value that cannot work is a 400 naming the key. `null` removes an
 * override (also a stored row the region left out as broken); `***` keeps a secret.
 * Effective on the next request, in every isolate, without a restart.
 */
export function registerPatchSettings(app: GatewayApp): void {
  defineRoute(app, patchSettingsRoute, async (c) => {
    const services = c.get("services");
    const body = await jsonBody(c, patchBody);
    const { next, changed } = readPatch(await services.store.readSettings(), body);
    const bindings = c.env as unknown as Record<string, unknown>;
    const config = await trialConfig(services, bindings, next, changed);
    await services.store.writeSettings(next);
    // A tightened band applies to what is already stored, not only to what arrives next.
    const redacted = await services.store.redactOutsideBand({
      floor: config.sync.privacy_floor,
      ceiling: config.sync.privacy_ceiling,
    });
    return json(200, {
      settings: settingsView(config),
      overridden: Object.keys(next).sort(),
      redacted,
    });
  });
}

function readPatch(stored: Record<string, unknown>, body: unknown) {
  try {
    return patchSettings(stored, body);
  } catch (error) {
    if (error instanceof ConfigError) throw rejectedIssues(error.issues);
    throw error;
  }
}
