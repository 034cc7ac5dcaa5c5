import { z } from "zod";
import { backendCapabilitiesSchema } from "../backend.js";
import { isHlcString } from "../hlc.js";

/**
 * The body of a gateway's `GET /health/sync`: what operators read, what `memoria smoke`
 * checks and what the edge router probes for readiness, role, writer lease, lag and
 * applied watermarks. The gateway builds it against this type; the router parses it with
 * this schema (unknown keys are dropped, so either side may gain a field first).
 */

const leaseViewSchema = z.object({
  holder: z.string(),
  /** Fencing token: grows with every new holder. */
  token: z.number().int(),
  expires_at: z.string(),
  is_me: z.boolean(),
});
export type LeaseView = z.infer<typeof leaseViewSchema>;

/** The transport's own health: these fields from every backend, plus its own extras (kept). */
const transportHealthSchema = z.looseObject({
  backend: z.string(),
  reachable: z.boolean(),
  latencyMs: z.number(),
  lagEvents: z.number(),
  oldestUnackedAt: z.number().nullable(),
  lastEventAt: z.number().nullable(),
  error: z.string().optional(),
});

const hlcSchema = z.string().refine(isHlcString, { error: "must be an HLC" });

const transitViewSchema = z.object({
  encryption: z.enum(["sealed", "clear"]),
  key: z.string().nullable(),
});
export type TransitView = z.infer<typeof transitViewSchema>;

const eventTotalsSchema = z.object({
  published: z.number(),
  applied: z.number(),
});
export type EventTotals = z.infer<typeof eventTotalsSchema>;

export const syncHealthSchema = z.object({
  region: z.string(),
  namespace: z.string(),
  backend: z.string(),
  enabled: z.boolean(),
  /** Whoever holds the writer lease is `writer`; with none held, the configured role. */
  role: z.enum(["writer", "reader"]),
  band: z.object({ floor: z.number(), ceiling: z.number() }),
  realtime_replication: z.boolean(),
  signing_key_id: z.string().nullable(),
  store: z.object({ reachable: z.boolean(), error: z.string().optional() }),
  transport: transportHealthSchema.nullable(),
  /** The backend's declared capabilities, from the registry; null when sync is off. */
  capabilities: backendCapabilitiesSchema.nullable().default(null),
  lag: z.object({ events: z.number(), seconds: z.number() }),
  outbox: z.object({ unpublished: z.number() }),
  last_event_at: z.string().nullable(),
  /** The puller's last sync cycle report, as the gateway stored it. */
  last_cycle: z.unknown(),
  /** Scheduler-lease holder (the one region running the daily decrement). */
  leader: leaseViewSchema.nullable(),
  writer: leaseViewSchema.nullable(),
  scheduler: z.object({
    enabled: z.boolean(),
    decrement_tz: z.string(),
    last_decrement: z.string().nullable(),
  }),
  /**
   * Highest HLC applied here per origin region. A sync token (a write's HLC, origin = its
   * node) at or below `applied[origin]` has been applied in this region.
   */
  applied: z.record(z.string(), hlcSchema),
  /** Takes traffic: store and transport answer, events are signed, lag is bounded. */
  ready: z.boolean(),
  /**
   * What the config loader warned about (unknown keys, ignored names). Defaults to none
   * when absent, so a router keeps probing a gateway deployed before the field existed.
   */
  config_warnings: z.array(z.string()).default([]),
  /**
   * Stored settings (`PATCH /settings`) left out because they cannot work (written by an
   * older version, say): the region serves without them until `null` clears them. Defaults
   * to none when absent, for gateways deployed before the field existed.
   */
  settings_errors: z.array(z.object({ key: z.string(), message: z.string() })).default([]),
  /**
   * Verified peer events that could not be applied here and wait in quarantine for an
   * operator (`GET /admin/dead-letters`): how many (-1 when the store did not answer), and
   * since when. A warning, not a reason to stop taking traffic: the stream goes on around
   * them. Defaults to none when absent, for gateways deployed before the field existed.
   */
  dead_letters: z
    .object({ count: z.number(), oldest_at: z.string().nullable() })
    .default({ count: 0, oldest_at: null }),
  /**
   * Team spaces this region serves (`memory.team_spaces`: team names, `*` for every team).
   * Defaults to every team for gateways deployed before the field existed, which served
   * every team space.
   */
  team_spaces: z.array(z.string()).default(["*"]),
  /** `memory.team_namespace_prefix`: team `alpha`'s space is `<prefix>-alpha`. @default "team" */
  team_namespace_prefix: z.string().default("team"),
  /**
   * Whether record content crosses the transport sealed (`sync.transit_encryption`) and the
   * public half of this region's current transit key (`<keyId>.<point>`, what peers seal
   * for; null when it has none, so peers send it ids and tombstones only). Null from a
   * gateway deployed before the field existed: unknown.
   */
  transit: transitViewSchema.nullable().default(null),
  /**
   * Cumulative event counts from the store's counters (`sync_events_published_total`,
   * `sync_events_applied_total`): the router derives events/s from successive probes. They
   * only grow, except when the store is replaced (a reader treats a drop as a reset). Null
   * when the store did not answer, or from a gateway deployed before the field existed.
   */
  events: eventTotalsSchema.nullable().default(null),
});
export type SyncHealth = z.infer<typeof syncHealthSchema>;
