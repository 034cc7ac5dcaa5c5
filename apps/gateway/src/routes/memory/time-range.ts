import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";
import { presentedMemorySchema, presentMemory } from "./present.js";
import { readHeaders } from "./schema.js";
import {
  boundedList,
  floatParam,
  limitParam,
  type MemoryApp,
  parseUpstreamQuery,
  requestedTeam,
  teamParams,
  timeParam,
} from "./upstream-query.js";

/**
 * Upstream's `GET /memory/time-range`: records with `start_timestamp <= timestamp <=
 * end_timestamp` and `start_x <= x <= end_x` (x decremented), every bound optional;
 * a list, oldest first.
 */
export const timeRangeQuery = z
  .strictObject({
    start_timestamp: timeParam.optional(),
    end_timestamp: timeParam.optional(),
    start_x: floatParam.optional(),
    end_x: floatParam.optional(),
    ...teamParams,
    /** Ours: upstream answers every match. */
    limit: limitParam(100),
  })
  .superRefine((q, ctx) => {
    if (q.start_timestamp && q.end_timestamp && q.start_timestamp > q.end_timestamp)
      ctx.addIssue({
        code: "custom",
        path: ["end_timestamp"],
        message: "must be >= start_timestamp",
      });
    if (q.start_x !== undefined && q.end_x !== undefined && q.start_x > q.end_x)
      ctx.addIssue({ code: "custom", path: ["end_x"], message: "must be >= start_x" });
  });

export const timeRangeMemoriesRoute = {
  method: "get",
  path: "/memory/time-range",
  operationId: "timeRangeMemories",
  tags: ["memory (upstream)"],
  summary: "Memories in a time and x range (upstream)",
  security: access.scope("read"),
  request: { query: timeRangeQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer(
      "A list (`x-memoria-truncated: true` when more matched)",
      z.array(presentedMemorySchema),
    ),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerTimeRangeMemories(app: MemoryApp): void {
  defineRoute(app, timeRangeMemoriesRoute, async (c) => {
    const q = parseUpstreamQuery(c, timeRangeQuery);
    const { store, config } = c.get("services");
    const team = requestedTeam(q, config);
    if (team === null) return json(200, []);
    const found = await store.queryMemories({
      ...team,
      ...(q.start_timestamp !== undefined ? { since: q.start_timestamp } : {}),
      ...(q.end_timestamp !== undefined ? { until: q.end_timestamp } : {}),
      ...(q.start_x !== undefined ? { xMin: q.start_x } : {}),
      ...(q.end_x !== undefined ? { xMax: q.end_x } : {}),
      order: "chronological",
      limit: q.limit + 1,
    });
    return boundedList(found, q.limit, (m) => presentMemory(m, config));
  });
}
