/**
 * `GET /status` as data: the one description of what the status page shows, which scripts
 * get as JSON (`Accept: application/json`) and the page renders. Defined once, with zod, as
 * the router's API for scripts; `statusDocument` builds it from the health object's
 * snapshot and the router's region table.
 */

import type { RegionConfig } from "@memoria/sync-core";
import { z } from "zod";
import type { RegionView, StatusSnapshot } from "../snapshot.js";
import { HEADLINE_WINDOW_MS, type Rate, ratePoints, recentRate } from "../sync-rate.js";
import { timelineEntrySchema } from "../timeline.js";

/** One state per region, in the order that matters to someone routing traffic. */
export const HEALTH_STATES = [
  "healthy",
  "half-open",
  "circuit-open",
  "not-ready",
  "unprobed",
  "disabled",
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

const bandSchema = z.object({ floor: z.number(), ceiling: z.number() });

const rateSchema = z.object({
  /** Published plus applied: every event the region moved through sync. */
  events_per_second: z.number(),
  published_per_second: z.number(),
  applied_per_second: z.number(),
});

const syncRateSchema = z.object({
  /** The mean over the last `window_seconds`; null until two probes reported event totals. */
  events_per_second: z.number().nullable(),
  published_per_second: z.number().nullable(),
  applied_per_second: z.number().nullable(),
  window_seconds: z.number(),
  /** Published plus applied per probe interval, oldest first, over the last minutes (bounded: sync-rate.ts). */
  samples: z.array(z.object({ at: z.string(), events_per_second: z.number() })),
});

/**
 * How peers' record content reaches the region: `sealed` for its transit key, `not-sent`
 * (it has no key, so peers send ids and tombstones only), `clear`, or `unknown` (not
 * probed, or a gateway too old to say).
 */
export const TRANSIT_CONTENT = ["sealed", "not-sent", "clear", "unknown"] as const;

export const statusRegionSchema = z.object({
  id: z.string(),
  url: z.string(),
  lat: z.number(),
  lon: z.number(),
  continent: z.string().nullable(),
  enabled: z.boolean(),
  health: z.enum(HEALTH_STATES),
  role: z.enum(["writer", "reader"]),
  /** The writer-lease token it holds, when it holds the lease. */
  writer_token: z.number().int().nullable(),
  circuit: z.enum(["closed", "open", "half-open"]),
  /** When the circuit opened, while it is open or half-open. */
  opened_at: z.string().nullable(),
  last_probe_at: z.string().nullable(),
  last_error: z.string().nullable(),
  /**
   * Whether namespace, band, team spaces and transit are the region's own answer (true) or,
   * before it answered a probe, the router's region table (false; namespace then unknown).
   */
  self_reported: z.boolean(),
  namespace: z.string().nullable(),
  band: bandSchema.nullable(),
  /** `memory.team_spaces`: team names, `*` for every team. */
  team_spaces: z.array(z.string()).nullable(),
  team_namespace_prefix: z.string().nullable(),
  lag: z.object({ events: z.number().nullable(), seconds: z.number().nullable() }),
  sync_rate: syncRateSchema,
  transit: z.object({
    content: z.enum(TRANSIT_CONTENT),
    encryption: z.enum(["sealed", "clear"]).nullable(),
    /** The region's current public transit key (`<keyId>.<point>`), as it reports it. */
    key: z.string().nullable(),
    /** The key the router's region table lists for it (what peers seal for). */
    table_key: z.string().nullable(),
  }),
  /** The scheduler-lease holder this region sees. */
  leader: z.object({ holder: z.string(), token: z.number() }).nullable(),
});

export const statusDocumentSchema = z.object({
  generated_at: z.string(),
  mode: z.enum(["active-passive", "active-active"]),
  /** The region holding the newest writer lease, if known. */
  writer: z.string().nullable(),
  regions: z.array(statusRegionSchema),
  /** Newest first: failovers, writer changes, promotions, health changes. */
  timeline: z.array(timelineEntrySchema),
  /** Older entries the router no longer keeps. */
  timeline_dropped: z.number().int(),
});

export type StatusRegion = z.infer<typeof statusRegionSchema>;
export type StatusDocument = z.infer<typeof statusDocumentSchema>;

export function healthOf(region: RegionView): HealthState {
  if (!region.enabled) return "disabled";
  if (region.circuit === "open") return "circuit-open";
  if (region.circuit === "half-open") return "half-open";
  if (region.healthy) return "healthy";
  return region.lastProbeAt === null ? "unprobed" : "not-ready";
}

export function statusDocument(
  status: StatusSnapshot,
  table: readonly RegionConfig[],
): StatusDocument {
  return {
    generated_at: status.generatedAt,
    mode: status.mode,
    writer: status.writer,
    regions: status.regions.map((region) =>
      statusRegion(
        region,
        status.details[region.id],
        table.find((row) => row.id === region.id),
      ),
    ),
    timeline: status.timeline,
    timeline_dropped: status.timelineDropped,
  };
}

function statusRegion(
  region: RegionView,
  details: StatusSnapshot["details"][string] | undefined,
  row: RegionConfig | undefined,
): StatusRegion {
  const facts = details?.facts ?? null;
  const samples = details?.samples ?? [];
  return {
    id: region.id,
    url: region.url,
    lat: region.lat,
    lon: region.lon,
    continent: region.continent ?? null,
    enabled: region.enabled,
    health: healthOf(region),
    role: region.role,
    writer_token: region.writerToken,
    circuit: region.circuit,
    opened_at: region.openedAt,
    last_probe_at: region.lastProbeAt,
    last_error: region.lastError,
    self_reported: facts !== null,
    namespace: facts?.namespace ?? null,
    band: facts?.band ?? (row ? { floor: row.privacy_floor, ceiling: row.privacy_ceiling } : null),
    team_spaces: facts?.teamSpaces ?? row?.team_spaces ?? null,
    team_namespace_prefix: facts?.teamPrefix ?? null,
    lag: { events: region.lagEvents, seconds: region.lagSeconds },
    sync_rate: {
      ...headline(recentRate(samples)),
      window_seconds: HEADLINE_WINDOW_MS / 1000,
      samples: ratePoints(samples).map((point) => ({
        at: new Date(point.at).toISOString(),
        events_per_second: perSecond(point).events_per_second,
      })),
    },
    transit: transitOf(facts?.transit ?? null, row?.transit_key ?? null),
    leader: region.leader,
  };
}

function perSecond(rate: Rate): z.infer<typeof rateSchema> {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    events_per_second: round(rate.eventsPerSecond),
    published_per_second: round(rate.publishedPerSecond),
    applied_per_second: round(rate.appliedPerSecond),
  };
}

function headline(rate: Rate | null) {
  return rate === null
    ? { events_per_second: null, published_per_second: null, applied_per_second: null }
    : perSecond(rate);
}

function transitOf(
  reported: { encryption: "sealed" | "clear"; key: string | null } | null,
  tableKey: string | null,
): StatusRegion["transit"] {
  const content =
    reported === null
      ? "unknown"
      : reported.encryption === "clear"
        ? "clear"
        : reported.key === null
          ? "not-sent"
          : "sealed";
  return {
    content,
    encryption: reported?.encryption ?? null,
    key: reported?.key ?? null,
    table_key: tableKey,
  };
}
