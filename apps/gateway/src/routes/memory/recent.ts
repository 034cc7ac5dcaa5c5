import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";
import { presentedMemorySchema, presentMemory } from "./present.js";
import { readHeaders } from "./schema.js";
import { limitParam, type MemoryApp, offsetParam, parseUpstreamQuery } from "./upstream-query.js";

/** Upstream's `GET /memory/recent?limit=&offset=`: `{ memories }`, newest first. */
export const recentQuery = z.strictObject({ limit: limitParam(10), offset: offsetParam });

export const recentMemoriesRoute = {
  method: "get",
  path: "/memory/recent",
  operationId: "recentMemories",
  tags: ["memory (upstream)"],
  summary: "Most recent memories (upstream)",
  security: access.scope("read"),
  request: { query: recentQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer("Newest first", z.object({ memories: z.array(presentedMemorySchema) })),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerRecentMemories(app: MemoryApp): void {
  defineRoute(app, recentMemoriesRoute, async (c) => {
    const q = parseUpstreamQuery(c, recentQuery);
    const { store, config } = c.get("services");
    const found = await store.queryMemories({ order: "recent", limit: q.limit, offset: q.offset });
    return json(200, { memories: found.map((m) => presentMemory(m, config)) });
  });
}
