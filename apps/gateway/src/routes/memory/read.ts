import type { RouteConfig } from "@hono/zod-openapi";
import { ProblemError } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { parseWith } from "../../validate.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";
import { presentedMemorySchema, presentMemory } from "./present.js";
import { listMemoryQuery, memoryIdParam, readHeaders } from "./schema.js";

export const readMemoryRoute = {
  method: "get",
  path: "/memory/{id}",
  operationId: "getMemory",
  tags: ["memory"],
  summary: "Read a memory",
  security: access.scope("read"),
  request: { params: memoryIdParam, headers: readHeaders },
  responses: {
    200: jsonAnswer("Found", z.object({ memory: presentedMemorySchema })),
    ...securedProblems(421, 404),
  },
} satisfies RouteConfig;

export const listMemoryRoute = {
  method: "get",
  path: "/memory",
  operationId: "listMemories",
  tags: ["memory"],
  summary: "List memories, newest first",
  description: "Keyset-paginated: send `next` back as `after`.",
  security: access.scope("read"),
  request: { query: listMemoryQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer(
      "A page",
      z.object({ items: z.array(presentedMemorySchema), next: z.string().nullable() }),
    ),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerReadMemory(app: GatewayApp): void {
  defineRoute(app, readMemoryRoute, async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const services = c.get("services");
    const memory = await services.store.getMemory(id);
    if (!memory)
      throw new ProblemError(404, {
        detail: `memory ${id} not found in this region`,
        errors: [{ field: "id", message: "no such memory" }],
      });
    return json(200, { memory: presentMemory(memory, services.config) });
  });

  defineRoute(app, listMemoryRoute, async (c) => {
    const q = parseWith(listMemoryQuery, c.req.query(), "query");
    const page = await c
      .get("services")
      .store.listMemories({
        limit: q.limit,
        ...(q.team !== undefined ? { team: q.team } : {}),
        ...(q.x_min !== undefined ? { xMin: q.x_min } : {}),
        ...(q.x_max !== undefined ? { xMax: q.x_max } : {}),
        ...(q.y_min !== undefined ? { yMin: q.y_min } : {}),
        ...(q.y_max !== undefined ? { yMax: q.y_max } : {}),
        ...(q.z_min !== undefined ? { zMin: q.z_min } : {}),
        ...(q.z_max !== undefined ? { zMax: q.z_max } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.until !== undefined ? { until: q.until } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
      })
      .catch((error: Error) => {
        if (error instanceof RangeError)
          throw new ProblemError(400, {
            detail: error.message,
            errors: [{ field: "after", message: "invalid page cursor" }],
          });
        throw error;
      });
    const { config } = c.get("services");
    return json(200, { ...page, items: page.items.map((memory) => presentMemory(memory, config)) });
  });
}
