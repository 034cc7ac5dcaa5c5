import type { RouteConfig } from "@hono/zod-openapi";
import type { ApiScope } from "@memoria/sync-core";
import { PROBLEM_CONTENT_TYPE, problemDetailsSchema } from "@memoria/sync-core";
import type { Handler } from "hono";
import type { z } from "zod";
import type { GatewayApp, HonoEnv } from "../../app.js";

/**
 * One definition per route, for the router and the OpenAPI document alike: `config` holds
 * the zod schemas the handler itself validates with (`parseWith`, `jsonBody`, the upstream
 * resolver), so the document cannot describe checks the route does not make. The handler
 * keeps its own validation rather than the stock validator's: ours holds every string to
 * the store's text rule, reads upstream's queries as Flask does, and answers a wrong
 * content type with a 415, each a problem naming the field.
 */
export function defineRoute(app: GatewayApp, config: RouteConfig, handler: Handler<HonoEnv>): void {
  app.openAPIRegistry.registerPath(config);
  app.on(config.method.toUpperCase(), config.path.replace(/\{([^}]+)\}/g, ":$1"), handler);
}

/** The security schemes `auth/credential.ts` reads: a key as `X-API-Key` or as a bearer token. */
export const SECURITY_SCHEMES = {
  ApiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description:
      "A key made with POST /admin/keys (or the root/monitor key of the deployment). Scopes (read, write, admin) are named per operation.",
  },
  Bearer: {
    type: "http",
    scheme: "bearer",
    description: "The same key as `Authorization: Bearer <key>`.",
  },
} as const;

/** What a route needs (`auth/policy.ts` and the route group's `requireScope`), as OpenAPI security. */
type Security = Array<Record<string, string[]>>;

export const access = {
  /** No credential at all (`security: []`). */
  public: [] as Security,
  /** Any valid key of the namespace, the monitor key included; none with `auth.public_health`. */
  monitor: [{ ApiKey: [] }, { Bearer: [] }] as Security,
  scope: (scope: ApiScope): Security => [{ ApiKey: [scope] }, { Bearer: [scope] }],
};

/** The one error shape (RFC 9457): `errors[]` names each field at fault. */
export const problemSchema = problemDetailsSchema.meta({
  id: "Problem",
  description:
    "application/problem+json (RFC 9457); every 4xx names the field at fault in `errors`",
});

const PROBLEM_TEXT: Record<number, string> = {
  400: "Invalid input: `errors[]` names each field and what would work.",
  401: "No credential, or an unknown or revoked one (with a `WWW-Authenticate` challenge).",
  403: "The credential lacks the scope this operation needs.",
  404: "No such record here (or no route).",
  409: "Conflicts with the region's state (e.g. sync is off, an idempotency key names a deleted memory).",
  413: "The body is larger than 256 KiB.",
  415: "The body is not application/json.",
  421: "Misdirected: this region does not serve the team space the request is for (memory.team_spaces); another region may. The edge router tries the next region.",
  422: "Well-formed but refused by this deployment's rules (e.g. below memory.privacy_floor).",
  503: "The region or its sync transport did not answer; retry (see `Retry-After`).",
};

/** Problem answers for these statuses, plus the ones every route can give (framing, size). */
export function problems(...statuses: number[]): RouteConfig["responses"] {
  const all = [...new Set([400, 413, ...statuses, 503])].sort();
  return Object.fromEntries(
    all.map((status) => [
      String(status),
      {
        description: PROBLEM_TEXT[status] ?? "A problem",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
      },
    ]),
  );
}

/** Problem answers of a route that needs a credential: those of `problems`, 401 and 403. */
export function securedProblems(...statuses: number[]): RouteConfig["responses"] {
  return problems(401, 403, ...statuses);
}

/** A JSON answer. */
export function jsonAnswer(description: string, schema: z.ZodType, headers?: z.ZodObject) {
  return {
    description,
    content: { "application/json": { schema } },
    ...(headers ? { headers } : {}),
  };
}

/** A JSON request body, required. */
export function jsonRequest(schema: z.ZodType, description?: string) {
  return {
    body: {
      required: true,
      ...(description ? { description } : {}),
      content: { "application/json": { schema } },
    },
  };
}
