import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";
import { presentedMemorySchema, presentMemory } from "./present.js";
import { readHeaders } from "./schema.js";
import {
  anchorsParam,
  floatParam,
  limitParam,
  type MemoryApp,
  parseUpstreamQuery,
  requestedTeam,
  teamParams,
} from "./upstream-query.js";

/**
 * Upstream's `GET /memory/spatial`: records within `max_distance` (Euclidean) of a point,
 * nearest first, each with its `distance`. `mode=3d` (default) measures over x (decremented),
 * y and z and needs all three; `mode=2d` over y and z (z defaulting to 0), ignoring x.
 */
export const spatialQuery = z
  .strictObject({
    mode: z
      .string()
      .transform((m) => m.toLowerCase())
      .pipe(z.enum(["3d", "2d"], { error: "mode must be '3d' or '2d'" }))
      .default("3d"),
    limit: limitParam(10),
    x: floatParam.optional(),
    y: floatParam,
    z: floatParam.optional(),
    max_distance: floatParam.min(0, { error: "must be >= 0" }).default(5),
    anchor: anchorsParam,
    ...teamParams,
  })
  .superRefine((q, ctx) => {
    if (q.mode !== "3d") return;
    for (const axis of ["x", "z"] as const)
      if (q[axis] === undefined)
        ctx.addIssue({ code: "custom", path: [axis], message: `Parameter '${axis}' is required` });
  });

export const spatialMemoriesRoute = {
  method: "get",
  path: "/memory/spatial",
  operationId: "spatialMemories",
  tags: ["memory (upstream)"],
  summary: "Memories near a point (upstream)",
  security: access.scope("read"),
  request: { query: spatialQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer("Nearest first, each with its `distance`", z.array(presentedMemorySchema)),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerSpatialMemories(app: MemoryApp): void {
  defineRoute(app, spatialMemoriesRoute, async (c) => {
    const q = parseUpstreamQuery(c, spatialQuery);
    const { store, config } = c.get("services");
    const team = requestedTeam(q, config);
    if (team === null) return json(200, []);
    const point = q.mode === "3d" ? { x: q.x, y: q.y, z: q.z } : { y: q.y, z: q.z ?? 0 };
    const found = await store.queryMemories({
      ...team,
      ...(q.anchor.length ? { anchors: q.anchor } : {}),
      near: { point, maxDistance: q.max_distance },
      order: "distance",
      limit: q.limit,
    });
    return json(
      200,
      found.map((m) => presentMemory(m, config)),
    );
  });
}
