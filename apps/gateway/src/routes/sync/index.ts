import { ProblemError, parseEvent, verifyEvent } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { requireApiKey } from "../../auth.js";
import { kickSync } from "../../sync/kick.js";
import { verifySignature, WAKE_MAX_AGE_MS, WAKE_SIGNATURE_HEADER } from "../../sync/wake.js";
import { jsonBody, parseWith } from "../../validate.js";

const wakeBody = z.strictObject({ from: z.string().min(1).max(63), at: z.number().int() });
const catchUpBody = z.strictObject({
  since: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }),
  limit: z.number().int().min(1).max(10_000).default(5_000),
});
const eventsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }),
  after: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
});

export function registerSyncRoutes(app: Hono<HonoEnv>): void {
  /** A peer's signed "I just published": poll now. */
  app.post("/sync/wake", async (c) => {
    const { keyring } = c.get("services");
    const text = await c.req.text();
    if (!keyring || !(await verifySignature(keyring, text, c.req.header(WAKE_SIGNATURE_HEADER)))) {
      throw new ProblemError(401, { detail: "wake-up hint without a valid signature" });
    }
    let hint: unknown;
    try {
      hint = JSON.parse(text);
    } catch {
      throw new ProblemError(400, { detail: "wake-up hint is not JSON" });
    }
    const { at } = parseWith(wakeBody, hint, "body");
    if (Math.abs(Date.now() - at) > WAKE_MAX_AGE_MS)
      throw new ProblemError(400, { detail: "wake-up hint is stale" });
    kickSync(c, true);
    return new Response(null, { status: 202 });
  });

  /** Events published since a time, straight from the transport (for tools and drills). */
  app.get("/sync/events", requireApiKey(), async (c) => {
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

  /**
   * `memoria sync catch-up --since T`: re-read everything published since T and apply it
   * here. The ledger makes it safe to overlap what was already applied.
   */
  app.post("/sync/catch-up", requireApiKey(), async (c) => {
    const { transport, keyring, store } = c.get("services");
    if (!transport || !keyring)
      throw new ProblemError(409, { detail: "sync is off or unsigned in this region" });
    const body = await jsonBody(c, catchUpBody);
    let after: string | undefined;
    const totals = { read: 0, rejected: 0, applied: 0, duplicate: 0, filtered: 0 };
    while (totals.read < body.limit) {
      const batch = await transport.replaySince(Date.parse(body.since), {
        limit: Math.min(500, body.limit - totals.read),
        ...(after ? { after } : {}),
      });
      const events = [];
      for (const message of batch.messages) {
        const parsed = parseEvent(message.body);
        const event = parsed.success ? parsed.data : undefined;
        if (!event || !(await verifyEvent(event, keyring)).ok) {
          totals.rejected += 1;
          continue;
        }
        events.push(event);
      }
      const report = await store.applyEvents(events);
      totals.read += batch.messages.length;
      totals.applied += report.counts.applied;
      totals.duplicate += report.counts.duplicate;
      totals.filtered += report.counts["privacy-filtered"] + report.counts.namespace;
      after = batch.messages.at(-1)?.cursor;
      if (!batch.more || !after) break;
    }
    return json(200, totals);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
