import type { RouteConfig } from "@hono/zod-openapi";
import {
  apiKeyStateSchema,
  apiScopesSchema,
  apiTeamsSchema,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  nameSchema,
  ProblemError,
} from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody, parseWith } from "../../validate.js";
import {
  access,
  defineRoute,
  jsonAnswer,
  jsonRequest,
  securedProblems,
} from "../openapi/define.js";

export const createKeyBody = z
  .strictObject({
    scopes: apiScopesSchema,
    /** Omitted: every team. */
    teams: apiTeamsSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    /** Defaults to this region's `memory.namespace`, the only one it may make keys for. */
    namespace: nameSchema.optional(),
  })
  .superRefine((body, ctx) => {
    // Admin routes reach every team's data (settings, the event stream): a team bound would be a lie.
    if (body.teams !== undefined && body.scopes.includes("admin"))
      ctx.addIssue({
        code: "custom",
        path: ["teams"],
        message: "must be absent for an admin key: admin routes reach every team",
      });
  });

const keyIdParam = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/, { error: "must be a key id" }),
});

/** A key as answered: its replicated state without the hash, and when it was last used here. */
const keyInfoSchema = apiKeyStateSchema
  .omit({ hash: true })
  .extend({ last_used_at: z.string().nullable() })
  .meta({ id: "ApiKey" });

export const createKeyRoute = {
  method: "post",
  path: "/admin/keys",
  operationId: "createKey",
  tags: ["admin"],
  summary: "Make an API key (the secret is in this answer only)",
  security: access.scope("admin"),
  request: jsonRequest(createKeyBody),
  responses: {
    201: jsonAnswer("Made", z.object({ key: keyInfoSchema, secret: z.string() })),
    ...securedProblems(415),
  },
} satisfies RouteConfig;

export const listKeysRoute = {
  method: "get",
  path: "/admin/keys",
  operationId: "listKeys",
  tags: ["admin"],
  summary: "The namespace's keys (never a secret)",
  security: access.scope("admin"),
  responses: {
    200: jsonAnswer("Every key, revoked ones too", z.object({ keys: z.array(keyInfoSchema) })),
    ...securedProblems(),
  },
} satisfies RouteConfig;

export const revokeKeyRoute = {
  method: "delete",
  path: "/admin/keys/{id}",
  operationId: "revokeKey",
  tags: ["admin"],
  summary: "Revoke a key, here and one sync cycle later everywhere",
  security: access.scope("admin"),
  request: { params: keyIdParam },
  responses: {
    200: jsonAnswer(
      "Revoked (again is fine)",
      z.object({ key: keyInfoSchema, status: z.literal("revoked") }),
    ),
    ...securedProblems(404),
  },
} satisfies RouteConfig;

export function registerKeyRoutes(app: GatewayApp): void {
  /** Makes a key; the secret is in this answer and nowhere else, ever. */
  defineRoute(app, createKeyRoute, async (c) => {
    const services = c.get("services");
    const body = await jsonBody(c, createKeyBody);
    const namespace = services.config.memory.namespace;
    if (body.namespace !== undefined && body.namespace !== namespace) {
      throw new ProblemError(400, {
        detail: `this region serves namespace ${namespace}; make the key in a region of ${body.namespace}`,
        errors: [{ field: "namespace", message: `must be ${namespace}` }],
      });
    }
    const secret = generateApiKey();
    const key = await services.store.createApiKey({
      hash: await hashApiKey(secret),
      prefix: displayPrefix(secret),
      name: body.name ?? null,
      scopes: body.scopes,
      teams: body.teams ?? null,
    });
    const { hash: _stored, ...info } = key;
    services.log.info("apikey.created", {
      key_id: key.id,
      key_prefix: key.prefix,
      scopes: key.scopes,
    });
    kickSync(c, true);
    return json(
      201,
      { key: info, secret },
      { location: `/admin/keys/${key.id}`, "cache-control": "no-store" },
    );
  });

  defineRoute(app, listKeysRoute, async (c) => {
    return json(
      200,
      { keys: await c.get("services").store.listApiKeys() },
      { "cache-control": "no-store" },
    );
  });

  /** Revokes a key here and, one sync cycle later, in every region; revoking twice is fine. */
  defineRoute(app, revokeKeyRoute, async (c) => {
    const { id } = parseWith(keyIdParam, c.req.param(), "path");
    const services = c.get("services");
    const key = await services.store.revokeApiKey(id);
    if (!key)
      throw new ProblemError(404, {
        detail: `no key ${id} in namespace ${services.config.memory.namespace}`,
      });
    const { hash: _stored, ...info } = key;
    services.log.info("apikey.revoked", { key_id: key.id, key_prefix: key.prefix });
    kickSync(c, true);
    return json(200, { key: info, status: "revoked" });
  });
}
