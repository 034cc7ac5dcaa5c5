/**
 * The router's timeline: what happened to the fleet, newest first — failovers of requests,
 * writer changes and promotions, regions becoming unhealthy or recovering. Pure: the health
 * object decides nothing here, it hands over the states before and after a change and
 * stores the bounded list this returns. The entries' schemas are part of `GET /status`'s
 * JSON (status/document.ts).
 */

import { z } from "zod";

const at = z.string().meta({ description: "When (ISO 8601)" });

/** A request served by `to` after the regions in `from` (comma-separated) failed (proxy.ts). */
export const failoverEntrySchema = z.object({
  kind: z.literal("failover"),
  at,
  from: z.string(),
  to: z.string(),
  method: z.string(),
  path: z.string(),
  reason: z.string(),
});

/** The writer the probes report changed (`null`: none known). */
export const writerChangeEntrySchema = z.object({
  kind: z.literal("writer-change"),
  at,
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** The new writer's lease token, when it holds the lease. */
  token: z.number().int().nullable(),
});

/**
 * A region took the writer lease with a new token: a `POST /admin/promote` the router
 * proxied (`via: "router"`), or one the probes revealed (`via: "probe"`: the token rose).
 */
export const promotionEntrySchema = z.object({
  kind: z.literal("promotion"),
  at,
  region: z.string(),
  token: z.number().int().nullable(),
  via: z.enum(["router", "probe"]),
});

/** A region became unhealthy (with why) or recovered. */
export const healthEntrySchema = z.object({
  kind: z.literal("health"),
  at,
  region: z.string(),
  healthy: z.boolean(),
  error: z.string().nullable(),
});

export const timelineEntrySchema = z.discriminatedUnion("kind", [
  failoverEntrySchema,
  writerChangeEntrySchema,
  promotionEntrySchema,
  healthEntrySchema,
]);

export type FailoverEntry = z.infer<typeof failoverEntrySchema>;
export type WriterChangeEntry = z.infer<typeof writerChangeEntrySchema>;
export type PromotionEntry = z.infer<typeof promotionEntrySchema>;
export type HealthEntry = z.infer<typeof healthEntrySchema>;
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export interface Timeline {
  /** Newest first. */
  entries: TimelineEntry[];
  /** Entries pushed out of the bounded list, counted. */
  dropped: number;
}

/** How many entries the health object keeps; older ones are only counted. */
export const TIMELINE_CAPACITY = 100;

export const EMPTY_TIMELINE: Timeline = { entries: [], dropped: 0 };

/**
 * The timeline with `added` recorded (given oldest first), newest first and bounded. A
 * promotion already recorded for the same region and token is not recorded twice: the
 * router's own record of it wins over what a probe revealed.
 */
export function record(
  timeline: Timeline,
  added: readonly TimelineEntry[],
  capacity = TIMELINE_CAPACITY,
): Timeline {
  let entries = timeline.entries;
  for (const entry of added) {
    const twin = entry.kind === "promotion" ? sameGrant(entries, entry) : -1;
    if (twin < 0) entries = [entry, ...entries];
    else if (entry.kind === "promotion" && entry.via === "router")
      entries = entries.map((e, i) => (i === twin ? entry : e));
  }
  const dropped = Math.max(0, entries.length - capacity);
  return { entries: entries.slice(0, capacity), dropped: timeline.dropped + dropped };
}

function sameGrant(entries: readonly TimelineEntry[], promotion: PromotionEntry): number {
  if (promotion.token === null) return -1;
  return entries.findIndex(
    (e) => e.kind === "promotion" && e.region === promotion.region && e.token === promotion.token,
  );
}

/** Who the probes say is the writer, and the lease token it holds. */
export interface WriterSeen {
  id: string | null;
  token: number | null;
}

/**
 * What a change of the probed writer means. `before` is the last writer known, null when
 * none was known yet (the first probes only learn the writer; they record nothing). No
 * writer at all (`after.id` null) is no news either: it is seen for a moment when the
 * probes of one round straddle a promotion (the old writer already says reader, the new
 * one not yet writer). A token that rose is a promotion, unless the same writer merely
 * took the lease it was configured for (no token before: a fresh deployment's writer
 * claiming its free role).
 */
export function writerEvents(
  before: WriterSeen | null,
  after: WriterSeen,
  at: string,
): TimelineEntry[] {
  if (before === null || after.id === null) return [];
  const events: TimelineEntry[] = [];
  if (after.id !== before.id)
    events.push({ kind: "writer-change", at, from: before.id, to: after.id, token: after.token });
  const { id, token } = after;
  if (id === null || token === null) return events;
  const rose = before.token === null ? id !== before.id : token > before.token;
  if (rose) events.push({ kind: "promotion", at, region: id, token, via: "probe" });
  return events;
}

/** A region's health as the timeline tells it: a change of `healthy`, with the error that came with it. */
export function healthEvents(
  region: string,
  before: { healthy: boolean },
  after: { healthy: boolean; lastError: string | null },
  at: string,
): TimelineEntry[] {
  if (before.healthy === after.healthy) return [];
  return [
    {
      kind: "health",
      at,
      region,
      healthy: after.healthy,
      error: after.healthy ? null : after.lastError,
    },
  ];
}
