import type { RouteConfig } from "@hono/zod-openapi";
import { ProblemError, storableTime } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { handOut } from "../../sync/hand-out.js";
import { parseWith } from "../../validate.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";

const eventsQuery = z.strictObject({
  since: storableTime,
  after: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});

export const syncEventsRoute = {
  method: "get",
  path: "/sync/events",
  operationId: "listSyncEvents",
  tags: ["sync"],
  summary: "Events published since a time, as this region may hold them",
  security: access.scope("admin"),
  request: { query: eventsQuery },
  responses: {
    200: jsonAnswer(
      "A page; send `next` back as `after`",
      z.object({
        events: z.array(
          z
            .object({
              cursor: z.string(),
              published_at: z.string(),
              event: z.record(z.string(), z.unknown()).nullable(),
              redacted: z.unknown().optional(),
            })
            .catchall(z.unknown()),
        ),
        next: z.string().nullable(),
      }),
    ),
    ...securedProblems(409),
  },
} satisfies RouteConfig;

/**
 * `GET /sync/events`: events published since a time, from the transport (for tools and
 * drills), each as this region may hold it (`handOut`).
 */
export function registerSyncEvents(app: GatewayApp): void {
  defineRoute(app, syncEventsRoute, async (c) => {
    const { transport } = c.get("services");
    if (!transport) throw new ProblemError(409, { detail: "sync is off in this region" });
    const q = parseWith(eventsQuery, c.req.query(), "query");
    const batch = await transport
      .replaySince(Date.parse(q.since), { limit: q.limit, ...(q.after ? { after: q.after } : {}) })
      .catch((error: unknown) => {
        // Each transport refuses a cursor it did not make with a TypeError, before any I/O.
        if (q.after && error instanceof TypeError)
          throw new ProblemError(400, {
            detail: error.message,
            errors: [{ field: "after", message: "not a cursor from this transport" }],
          });
        throw error;
      });
    // The caller holds this region's key: it sees what this region may store, nothing more.
    const region = c.get("services").store.context;
    return json(200, {
      events: batch.messages.map((m) => ({
        cursor: m.cursor,
        published_at: new Date(m.publishedAt).toISOString(),
        ...handOut(m.body, region),
      })),
      next: batch.more ? (batch.messages.at(-1)?.cursor ?? null) : null,
    });
  });
}
