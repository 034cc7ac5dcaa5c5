import {
  ConfigError,
  isSecretKey,
  loadConfig,
  type MemoriaConfig,
  ProblemError,
  settingsView,
  withoutMaskedSecrets,
} from "@memoria/sync-core";
import { validateSyncConfig } from "@memoria/transports";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { stringVars } from "../../env.js";
import { jsonBody } from "../../validate.js";

/** Keys that name the deployment itself; changing them at run time would orphan its data. */
const FIXED_KEYS = new Set(["region.id", "memory.namespace"]);

const patchBody = z.record(z.string().min(1).max(128), z.unknown(), {
  error: "must be an object of dotted keys",
});

/**
 * Dotted keys (`"sync.privacy_floor": 0`), validated against the whole configuration
 * before anything is stored; `null` removes an override; `***` keeps a secret. Effective
 * on the next request, in every isolate, without a restart.
 */
export function registerPatchSettings(app: Hono<HonoEnv>): void {
  app.patch("/settings", async (c) => {
    const services = c.get("services");
    const patch = withoutMaskedSecrets(await jsonBody(c, patchBody));
    refuseFixedKeys(patch);
    const next = applyPatch(await services.store.readSettings(), patch);
    const config = validated(c, next);
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

/**
 * The whole configuration these overrides would give, or a 400 naming every bad key: the
 * schema's rules first, then the sync backend's (a `redis://` URL where the edge needs the
 * REST URL, an unknown client option), so a configuration that cannot work is never saved.
 */
function validated(c: Context<HonoEnv>, overrides: Record<string, unknown>): MemoriaConfig {
  const { env } = c.get("services");
  try {
    const { config } = loadConfig({
      ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
      env: stringVars(c.env as unknown as Record<string, unknown>),
      overrides,
    });
    const { issues } = config.sync.enabled ? validateSyncConfig(config) : { issues: [] };
    if (issues.length > 0) throw new ConfigError(issues);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ProblemError(400, {
      detail: "settings rejected; nothing was changed",
      errors: error.issues.map((issue) => ({
        field: issue.key,
        message: isSecretKey(issue.key)
          ? issue.message
          : `${issue.message} (got ${JSON.stringify(issue.origin?.raw)})`,
      })),
    });
  }
}
