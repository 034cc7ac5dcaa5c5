import { type ApiScope, ProblemError } from "@memoria/sync-core";
import type { Context, MiddlewareHandler } from "hono";
import type { HonoEnv } from "../app.js";
import { loggablePrefix, presentedKey, resolveKey } from "./credential.js";
import { accessFor } from "./policy.js";
import { ANONYMOUS } from "./principal.js";

const CHALLENGE = { "www-authenticate": 'ApiKey header="X-API-Key", Bearer realm="memoria"' };

/**
 * Runs before every route, once services exist: a public route passes as anonymous; any
 * other needs a valid credential (401 otherwise, with a challenge), and the principal is
 * kept for the route group's `requireScope`. Nothing is logged of a credential but the
 * prefix of one of our keys.
 */
export function authenticate(): MiddlewareHandler<HonoEnv> {
  return async function authenticateRequest(c, next) {
    const access = accessFor(c.req.path, c.get("services").config);
    if (access === "public") {
      c.set("principal", ANONYMOUS);
      return next();
    }
    const presented = presentedKey(c.req);
    if (presented === undefined) return refuse(c, "missing", undefined);
    const resolution = await resolveKey(presented, c.get("services"));
    if ("refused" in resolution) return refuse(c, resolution.refused, presented);
    c.set("principal", resolution.principal);
    if (access === "scoped" && resolution.principal.kind === "monitor") {
      throw new ProblemError(403, {
        detail: "the monitor key reads /health/sync and /metrics only",
      });
    }
    return next();
  };
}

async function refuse(
  c: Context<HonoEnv>,
  reason: string,
  presented: string | undefined,
): Promise<never> {
  const prefix = loggablePrefix(presented);
  c.get("services").log.info("auth.refused", {
    method: c.req.method,
    path: c.req.path,
    reason,
    ...(prefix ? { key_prefix: prefix } : {}),
  });
  throw new ProblemError(
    401,
    {
      detail:
        reason === "missing"
          ? "send an API key as X-API-Key or Authorization: Bearer"
          : "the API key is unknown or revoked",
      // The header to fix: the one the key came in (X-API-Key wins, as in `presentedKey`).
      errors: [
        {
          field: c.req.header("x-api-key")?.trim() || !presented ? "X-API-Key" : "Authorization",
          message: reason === "missing" ? "is required" : `${reason} key`,
        },
      ],
    },
    CHALLENGE,
  );
}

/**
 * The scope a route group needs: a function of the method, so one group can split reads
 * from writes. A valid key without it is a 403.
 */
export function requireScope(
  scope: ApiScope | ((method: string) => ApiScope),
): MiddlewareHandler<HonoEnv> {
  return async function scopeCheck(c, next) {
    const needed = typeof scope === "function" ? scope(c.req.method) : scope;
    const principal = c.get("principal");
    if (!principal?.scopes.includes(needed)) {
      throw new ProblemError(403, {
        detail: `this key lacks the "${needed}" scope needed for ${c.req.method} ${c.req.path}`,
      });
    }
    return next();
  };
}
