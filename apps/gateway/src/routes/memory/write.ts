import type { RouteConfig } from "@hono/zod-openapi";
import { MemoryNotFoundError } from "@memoria/store";
import { formatSyncToken, ProblemError, SYNC_TOKEN_HEADER } from "@memoria/sync-core";
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
import { memoryIdParam, updateMemoryBody, writeAnswerHeaders } from "./schema.js";
import { entryContext, resolveEntry, upstreamBody } from "./upstream-entry.js";

function notFound(error: unknown): never {
  if (error instanceof MemoryNotFoundError)
    throw new ProblemError(404, {
      detail: error.message,
      errors: [{ field: "id", message: "no such memory" }],
    });
  throw error;
}

export const updateMemoryRoute = {
  method: "put",
  path: "/memory/{id}",
  operationId: "updateMemory",
  tags: ["memory"],
  summary: "Change a memory",
  description: "Only the fields sent change; either spelling of POST /memory.",
  security: access.scope("write"),
  request: { params: memoryIdParam, ...jsonRequest(upstreamBody) },
  responses: {
    200: jsonAnswer("Updated", writeAnswerSchema, writeAnswerHeaders),
    ...securedProblems(404, 415, 422),
  },
} satisfies RouteConfig;

export const deleteMemoryRoute = {
  method: "delete",
  path: "/memory/{id}",
  operationId: "deleteMemory",
  tags: ["memory"],
  summary: "Delete a memory",
  security: access.scope("write"),
  request: { params: memoryIdParam },
  responses: {
    200: jsonAnswer(
      "Deleted",
      z.object({ status: z.literal("deleted"), memory_id: z.string(), sync_token: z.string() }),
      writeAnswerHeaders,
    ),
    ...securedProblems(404, 422),
  },
} satisfies RouteConfig;

/**
 * PUT and DELETE answer as upstream Memoria does (`{"status": "updated" | "deleted",
 * "memory_id"}`), plus this API's own members (`memory`, `sync_token`).
 */
export function registerWriteMemory(app: GatewayApp): void {
  defineRoute(app, updateMemoryRoute, async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const services = c.get("services");
    const raw = await jsonBody(c, z.unknown());
    const entry = resolveEntry(raw, "update", entryContext(services.config));
    const patch = parseWith(updateMemoryBody, entry.fields, "body");
    const floor = services.config.memory.privacy_floor;
    if (patch.y !== undefined && patch.y < floor) {
      throw new ProblemError(422, {
        detail: `${entry.yName} ${patch.y} is below memory.privacy_floor (${floor})`,
        errors: [{ field: entry.yName, message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store.updateMemory(id, patch).catch(notFound);
    kickSync(c, result.events.length > 0);
    const memory = presentMemory(result.memory, services.config);
    return json(
      200,
      { status: "updated", ...upstreamFields(memory), memory, sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    );
  });

  defineRoute(app, deleteMemoryRoute, async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const result = await c.get("services").store.deleteMemory(id).catch(notFound);
    kickSync(c, result.events.length > 0);
    return json(
      200,
      { status: "deleted", memory_id: id, sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    );
  });
}
