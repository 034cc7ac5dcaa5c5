import type { RouteConfig } from "@hono/zod-openapi";
import { IdempotencyConflictError } from "@memoria/store";
import {
  formatSyncToken,
  IDEMPOTENCY_KEY_HEADER,
  ProblemError,
  SYNC_TOKEN_HEADER,
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
import { presentMemory, upstreamFields, writeAnswerSchema } from "./present.js";
import { createMemoryBody, readHeaders, writeAnswerHeaders } from "./schema.js";
import { entryContext, resolveEntry, upstreamBody } from "./upstream-entry.js";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const createHeaders = readHeaders.extend({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .regex(IDEMPOTENCY_KEY)
    .optional()
    .describe(
      "Idempotency-Key: 1-255 visible ASCII characters; the same key again answers the first create (200, Idempotent-Replayed: true), and lets the router retry the write in another region",
    ),
});

export const createMemoryRoute = {
  method: "post",
  path: "/memory",
  operationId: "createMemory",
  tags: ["memory"],
  summary: "Store a memory",
  description:
    "Upstream Memoria's MemoryEntry (`x_coord`, `y_coord`, `z_coord`, `team_id`/`workspace_id`, `namespace`) or this API's own names (`x`, `y`, `z`, `team`); docs/api.md lists the rules of each form.",
  security: access.scope("write"),
  request: { headers: createHeaders, ...jsonRequest(upstreamBody) },
  responses: {
    201: jsonAnswer("Stored", writeAnswerSchema, writeAnswerHeaders),
    200: jsonAnswer("Replayed: the Idempotency-Key named an earlier create", writeAnswerSchema),
    ...securedProblems(409, 415, 422),
  },
} satisfies RouteConfig;

export function registerCreateMemory(app: GatewayApp): void {
  defineRoute(app, createMemoryRoute, async (c) => {
    const services = c.get("services");
    const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ProblemError(400, {
        detail: "Idempotency-Key must be 1-255 visible ASCII characters",
        errors: [{ field: "Idempotency-Key", message: "invalid" }],
      });
    }
    const raw = await jsonBody(c, z.unknown());
    const entry = resolveEntry(raw, "create", entryContext(services.config));
    const body = parseWith(createMemoryBody, entry.fields, "body");
    const floor = services.config.memory.privacy_floor;
    if (body.y < floor) {
      throw new ProblemError(422, {
        detail: `${entry.yName} ${body.y} is below this deployment's memory.privacy_floor (${floor})`,
        errors: [{ field: entry.yName, message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store
      .createMemory(body, key === undefined ? {} : { idempotencyKey: key })
      .catch((error: unknown) => {
        if (error instanceof IdempotencyConflictError)
          throw new ProblemError(409, {
            detail: error.message,
            errors: [{ field: "Idempotency-Key", message: "names a memory since deleted" }],
          });
        throw error;
      });
    kickSync(c, result.events.length > 0);
    const headers: Record<string, string> = {
      [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc),
      location: `/memory/${result.memory.id}`,
    };
    if (result.replayed) headers["idempotent-replayed"] = "true";
    const memory = presentMemory(result.memory, services.config);
    return json(
      result.replayed ? 200 : 201,
      { status: "stored", ...upstreamFields(memory), memory, sync_token: result.hlc },
      headers,
    );
  });
}
