import { ProblemError } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { parseWith } from "../../validate.js";

const eventsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }),
  after: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});

/** `GET /sync/events`: events published since a time, straight from the transport (for tools and drills). */
export function registerSyncEvents(app: Hono<HonoEnv>): void {
  app.get("/sync/events", async (c) => {
    const { transport } = c.get("services");
    if (!transport) throw new ProblemError(409, { detail: "sync is off in this region" });
    const q = parseWith(eventsQuery, c.req.query(), "query");
    const batch = await transport.replaySince(Date.parse(q.since), {
      limit: q.limit,
      ...(q.after ? { after: q.after } : {}),
    });
    return json(200, {
      events: batch.messages.map((m) => ({
        cursor: m.cursor,
        published_at: new Date(m.publishedAt).toISOString(),
        event: safeJson(m.body),
      })),
      next: batch.more ? (batch.messages.at(-1)?.cursor ?? null) : null,
    });
  });
}

/** An entry as published; one that is not JSON is shown as its text (it is counted, not hidden). */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
