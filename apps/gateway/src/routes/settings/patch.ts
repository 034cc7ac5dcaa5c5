import { ProblemError, settingsView, withoutMaskedSecrets } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { jsonBody } from "../../validate.js";
import { trialConfig } from "./trial.js";

/** Keys that name the deployment itself; changing them at run time would orphan its data. */
const FIXED_KEYS = new Set(["region.id", "memory.namespace"]);

const patchBody = z.record(z.string().min(1).max(128), z.unknown(), {
  error: "must be an object of dotted keys",
});

/**
 * Dotted keys (`"sync.privacy_floor": 0`), tried before anything is stored: the whole
 * configuration and the services it implies are built (and the sync backend reached when
 * the patch changes how it connects), so a value that cannot work is a 400 naming the key.
 * `null` removes an override (also one the region left out as broken); `***` keeps a
 * secret. Effective on the next request, in every isolate, without a restart.
 */
export function registerPatchSettings(app: Hono<HonoEnv>): void {
  app.patch("/settings", async (c) => {
    const services = c.get("services");
    const patch = withoutMaskedSecrets(await jsonBody(c, patchBody));
    refuseFixedKeys(patch);
    const next = applyPatch(await services.store.readSettings(), patch);
    const bindings = c.env as unknown as Record<string, unknown>;
    const config = await trialConfig(services, bindings, next, Object.keys(patch));
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

function refuseFixedKeys(patch: Record<string, unknown>): void {
  const fixed = Object.keys(patch).filter((key) => FIXED_KEYS.has(key));
  if (fixed.length === 0) return;
  throw new ProblemError(400, {
    detail: "these keys cannot change at run time",
    errors: fixed.map((field) => ({ field, message: "is fixed for the life of a deployment" })),
  });
}

/** The stored overrides with the patch laid over them (`null` removes a key). */
function applyPatch(
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
