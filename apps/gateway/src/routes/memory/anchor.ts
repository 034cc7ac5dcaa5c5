import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";
import { presentedMemorySchema, presentMemory } from "./present.js";
import { readHeaders } from "./schema.js";
import {
  anchorsParam,
  boundedList,
  limitParam,
  type MemoryApp,
  parseUpstreamQuery,
  requestedTeam,
  teamParams,
} from "./upstream-query.js";

/** Upstream's `GET /memory/anchor?anchor=…`: a list of the records carrying any anchor. */
export const anchorQuery = z.strictObject({
  anchor: anchorsParam,
  ...teamParams,
  /** Ours: upstream answers every match. */
  limit: limitParam(100),
});

export const anchorMemoriesRoute = {
  method: "get",
  path: "/memory/anchor",
  operationId: "anchorMemories",
  tags: ["memory (upstream)"],
  summary: "Memories carrying an anchor (upstream)",
  security: access.scope("read"),
  request: { query: anchorQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer(
      "A list (`x-memoria-truncated: true` when more matched)",
      z.array(presentedMemorySchema),
    ),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerAnchorMemories(app: MemoryApp): void {
  defineRoute(app, anchorMemoriesRoute, async (c) => {
    const q = parseUpstreamQuery(c, anchorQuery);
    const { store, config } = c.get("services");
    const team = requestedTeam(q, config);
    if (team === null || q.anchor.length === 0) return json(200, []);
    const found = await store.queryMemories({
      ...team,
      anchors: q.anchor,
      order: "recent",
      limit: q.limit + 1,
    });
    return boundedList(found, q.limit, (m) => presentMemory(m, config));
  });
}
