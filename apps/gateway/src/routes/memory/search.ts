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
  timeParam,
} from "./upstream-query.js";

/**
 * Upstream's `GET /memory/search`: `{ memories, applied_filters }`. `query` (or `q`) is a
 * case-insensitive substring of text or anchor (no embeddings, no ranking); any `keyword`
 * likewise; any `anchor` among the symbolic anchors; timestamps inclusive; with x, y or z,
 * within `max_distance` (default 5) of that point, nearest first. `category` and
 * `min_importance` are accepted and ignored: records here have neither.
 */
export const searchQuery = z.strictObject({
  query: z.string().max(1000).optional(),
  q: z.string().max(1000).optional(),
  limit: limitParam(10),
  keyword: z.array(z.string().max(1000)).max(50).default([]),
  category: z.array(z.string()).max(50).default([]),
  anchor: anchorsParam,
  start_timestamp: timeParam.optional(),
  end_timestamp: timeParam.optional(),
  min_importance: floatParam.optional(),
  x: floatParam.optional(),
  y: floatParam.optional(),
  z: floatParam.optional(),
  max_distance: floatParam.min(0, { error: "must be >= 0" }).optional(),
  ...teamParams,
});
type SearchQuery = z.infer<typeof searchQuery>;

function point(q: SearchQuery): { x?: number; y?: number; z?: number } | undefined {
  const given = Object.entries({ x: q.x, y: q.y, z: q.z }).filter(([, v]) => v !== undefined);
  return given.length ? Object.fromEntries(given) : undefined;
}

/** What upstream echoes: every filter sent, `query` always. */
function appliedFilters(q: SearchQuery, text: string): Record<string, unknown> {
  const filters: Record<string, unknown> = {
    query: text,
    limit: q.limit,
    keywords: q.keyword.length ? q.keyword : undefined,
    category: q.category.length ? q.category : undefined,
    anchors: q.anchor.length ? q.anchor : undefined,
    start_timestamp: q.start_timestamp,
    end_timestamp: q.end_timestamp,
    min_importance: q.min_importance,
    x: q.x,
    y: q.y,
    z: q.z,
    max_distance: q.max_distance,
  };
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
}

export const searchMemoriesRoute = {
  method: "get",
  path: "/memory/search",
  operationId: "searchMemories",
  tags: ["memory (upstream)"],
  summary: "Search memories (upstream)",
  security: access.scope("read"),
  request: { query: searchQuery, headers: readHeaders },
  responses: {
    200: jsonAnswer(
      "Matches, with the filters applied",
      z.object({
        memories: z.array(presentedMemorySchema),
        applied_filters: z.record(z.string(), z.unknown()),
        ignored_filters: z.array(z.enum(["category", "min_importance"])).optional(),
      }),
    ),
    ...securedProblems(421),
  },
} satisfies RouteConfig;

export function registerSearchMemories(app: MemoryApp): void {
  defineRoute(app, searchMemoriesRoute, async (c) => {
    const q = parseUpstreamQuery(c, searchQuery);
    const { store, config } = c.get("services");
    const text = q.query ?? q.q ?? "";
    const team = requestedTeam(q, config);
    const near = point(q);
    const found =
      team === null
        ? []
        : await store.queryMemories({
            ...team,
            text,
            keywords: q.keyword,
            anchors: q.anchor,
            ...(q.start_timestamp !== undefined ? { since: q.start_timestamp } : {}),
            ...(q.end_timestamp !== undefined ? { until: q.end_timestamp } : {}),
            ...(near ? { near: { point: near, maxDistance: q.max_distance ?? 5 } } : {}),
            order: near ? "distance" : "recent",
            limit: q.limit,
          });
    const ignored = (["category", "min_importance"] as const).filter((name) =>
      name === "category" ? q.category.length > 0 : q.min_importance !== undefined,
    );
    return json(200, {
      memories: found.map((m) => presentMemory(m, config)),
      applied_filters: appliedFilters(q, text),
      ...(ignored.length ? { ignored_filters: ignored } : {}),
    });
  });
}
