import { z } from "zod";
import { SYNC_BACKENDS } from "../backend.js";
import { PRIVACY_MAX, PRIVACY_MIN, regionIdSchema } from "../event.js";
import { LOG_LEVELS } from "../log.js";
import { TEAM_PATTERN } from "../routing.js";
import {
  isTransitPrivateKeyText,
  isTransitPublicKeyText,
  TRANSIT_KEY_ID_PATTERN,
} from "../transit/keys.js";
import { flag, int, num, scalarMap, toJson, toList, toNumber } from "./coerce.js";

const between = `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}`;
const privacyBound = () =>
  z.preprocess(
    toNumber,
    z
      .number({ error: "must be a number" })
      .min(PRIVACY_MIN, { error: between })
      .max(PRIVACY_MAX, { error: between }),
  );

/** `memoria_sync_events` or `infra.memoria_sync_events`: plain identifiers only, so it can be quoted safely. */
// The table part stops at 55 characters so the names derived from it (`_cursors`,
// `_leases`, `_pos_idx`) still fit Postgres' 63 and are never silently truncated.
export const TABLE_PATTERN = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,54}$/;

/** A real IANA zone name (`UTC`, `America/New_York`), not an offset like `+02:00`. */
export function isIanaTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const backendChoices = ["none", ...SYNC_BACKENDS];
/** `must be none, redis or postgres`; the Python original's in-process backend gets a reason. */
function backendError(issue: { input?: unknown }): string {
  const choices = `${backendChoices.slice(0, -1).join(", ")} or ${backendChoices.at(-1)}`;
  if (issue.input === "memory") {
    return `"memory" (the original's in-process backend) has no edge equivalent: regions share no process; must be ${choices}`;
  }
  return `must be ${choices}`;
}

/**
 * The team spaces a region serves: team names (`alpha` serves `<namespace>:<prefix>-alpha`),
 * `*` for every team, `[]` for none (only the records without a team). A list in TOML, JSON
 * or `alpha,bravo` in env.
 */
export const teamSpacesSchema = z.preprocess(
  toList,
  z.array(
    z.union([
      z.literal("*"),
      z.string().regex(TEAM_PATTERN, {
        error: "must be \"*\" or a team name (lowercase letters, digits, '-')",
      }),
    ]),
    { error: 'must be a list of team names, or ["*"] for every team' },
  ),
);

const bandOrder = (
  band: { privacy_floor: number; privacy_ceiling: number },
  ctx: z.RefinementCtx,
  where: string,
) => {
  if (band.privacy_ceiling < band.privacy_floor)
    ctx.addIssue({
      code: "custom",
      path: ["privacy_ceiling"],
      message: `must be >= ${where}privacy_floor (${band.privacy_floor})`,
    });
};

export const regionSchema = z
  .strictObject({
    id: regionIdSchema,
    /** Base URL of the region's gateway. */
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    /** Name of a service binding to the region's gateway (instead of a URL). */
    service: z.string().min(1).optional(),
    lat: z.preprocess(
      toNumber,
      z
        .number({ error: "must be a number" })
        .min(-90, { error: "must be between -90 and 90" })
        .max(90, { error: "must be between -90 and 90" }),
    ),
    lon: z.preprocess(
      toNumber,
      z
        .number({ error: "must be a number" })
        .min(-180, { error: "must be between -180 and 180" })
        .max(180, { error: "must be between -180 and 180" }),
    ),
    /** Two-letter continent code as in `request.cf.continent` (fallback when a client has no coordinates). */
    continent: z
      .enum(["AF", "AN", "AS", "EU", "NA", "OC", "SA"], {
        error: "must be one of AF AN AS EU NA OC SA",
      })
      .optional(),
    role: z.enum(["writer", "reader"], { error: "must be writer or reader" }).default("reader"),
    enabled: flag().default(true),
    /** The region's sync band as its peers seal for it (its own `sync.privacy_floor`). @default -15 */
    privacy_floor: privacyBound().default(PRIVACY_MIN),
    /** @default 15 */
    privacy_ceiling: privacyBound().default(PRIVACY_MAX),
    /** Team spaces the region serves (its own `memory.team_spaces`). @default ["*"] */
    team_spaces: teamSpacesSchema.default(["*"]),
    /** `<keyId>.<point>`: the public half of the region's current transit key; no key, no content. */
    transit_key: z
      .string({ error: "must be a string" })
      .refine(isTransitPublicKeyText, {
        error: "must be <keyId>.<base64url P-256 point>, as `memoria keys transit` prints it",
      })
      .optional(),
  })
  .superRefine((region, ctx) => {
    if (region.url === undefined && region.service === undefined)
      ctx.addIssue({ code: "custom", path: ["url"], message: "needs a url or a service binding" });
    bandOrder(region, ctx, "");
  });
export type RegionConfig = z.infer<typeof regionSchema>;

export const memorySchema = z.strictObject({
  /**
   * Tenant namespace of this deployment; only events of this namespace (and the team spaces
   * served under it) are published or applied. No `:`, which separates a team space
   * (`prod-shared:team-alpha`). @default "default"
   */
  namespace: z
    .string({ error: "must be a string" })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
      error:
        "must be letters, digits, . _ - (1-128, not starting with a symbol); ':' is reserved: it separates a team space (prod-shared:team-alpha)",
    })
    .default("default"),
  /** Team spaces are `<prefix>-<team>`. @default "team" */
  team_namespace_prefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, { error: "must be lowercase letters, digits, '-'" })
    .default("team"),
  /** Lowest y this deployment accepts in writes at all. @default -15 */
  privacy_floor: privacyBound().default(PRIVACY_MIN),
  /**
   * Team spaces this region serves: peers' records of other teams are dropped
   * (`namespace_mismatch_drops_total`), and writes to them refused here. @default ["*"]
   */
  team_spaces: teamSpacesSchema.default(["*"]),
});

export const syncSchema = z
  .strictObject({
    /** @default false */
    enabled: flag().default(false),
    /** `none` turns sync off, else one of `SYNC_BACKENDS`. @default "none" */
    backend: z
      .preprocess(
        (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
        z.enum(["none", ...SYNC_BACKENDS], { error: backendError }),
      )
      .default("none"),
    /** Redis: the Upstash REST URL; Postgres: a postgres:// URL. Secret. */
    connection_url: z.string().trim().min(1, { error: "must not be empty" }).optional(),
    /** Upstash REST token (Redis backend). Secret. */
    token: z.string().min(1).optional(),
    /** Redis stream key / Postgres NOTIFY channel. @default "memoria-sync" */
    channel: z
      .string()
      .trim()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9_.:-]+$/, { error: "must be letters, digits, _ . : -" })
      .default("memoria-sync"),
    /** Journal table for the Postgres backend, optionally schema-qualified. @default "memoria_sync_events" */
    table: z
      .string()
      .trim()
      .regex(TABLE_PATTERN, {
        error: "must be table or schema.table (lowercase letters, digits, _)",
      })
      .default("memoria_sync_events"),
    /** Send full payloads (not just ids) to peers whose band allows them. @default false */
    realtime_replication: flag().default(false),
    /** Lowest y that crosses to peers (inclusive). @default -15 */
    privacy_floor: privacyBound().default(PRIVACY_MIN),
    /** Highest y that crosses to peers (inclusive). @default 15 */
    privacy_ceiling: privacyBound().default(PRIVACY_MAX),
    /** Backend client options, keys kept as written (`ssl`, `socket_timeout`). */
    options: scalarMap().default({}),
    /** Postgres connection keywords, keys kept as written (`sslmode`, `application_name`). */
    connect_kwargs: scalarMap().default({}),
    /** Approximate number of events a Redis stream keeps (`XADD MAXLEN ~`). @default 1000000 */
    retention_events: int((n) => n.min(1000, { error: "must be at least 1000" })).default(
      1_000_000,
    ),
    /** Remote clocks further ahead than this are rejected. @default 60000 */
    max_clock_drift_ms: int((n) => n.min(1000, { error: "must be at least 1000" })).default(60_000),
    /** Key id → HMAC secret. Secret. */
    signing_keys: scalarMap().default({}),
    /** Key id used to sign new events; must be in `signing_keys`. */
    signing_key_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: "must be 1-32 of A-Z a-z 0-9 _ -" })
      .optional(),
    /**
     * `sealed`: record content leaves only encrypted for the peers (region table, with a
     * `transit_key`) whose band and team spaces admit it; `clear`: content crosses the
     * transport readable by whoever can read the transport. @default "sealed"
     */
    transit_encryption: z
      .enum(["sealed", "clear"], { error: "must be sealed or clear" })
      .default("sealed"),
    /** Key id → this region's transit private key (base64url PKCS#8). Secret. */
    transit_keys: scalarMap().default({}),
    /** Key id of the current transit key (its public half is in the region table); must be in `transit_keys`. */
    transit_key_id: z
      .string()
      .regex(TRANSIT_KEY_ID_PATTERN, { error: "must be 1-32 of A-Z a-z 0-9 _ -" })
      .optional(),
    /** `/healthz` answers 503 when more events than this wait. @default 10000 */
    max_lag_events: int((n) => n.min(0, { error: "must be >= 0" })).default(10_000),
    /** `/healthz` answers 503 when the oldest waiting event is older than this. @default 300 */
    max_lag_seconds: num((n) => n.min(0, { error: "must be >= 0" })).default(300),
  })
  .superRefine((sync, ctx) => {
    if (sync.privacy_ceiling < sync.privacy_floor) {
      ctx.addIssue({
        code: "custom",
        path: ["privacy_ceiling"],
        message: `must be >= sync.privacy_floor (${sync.privacy_floor})`,
      });
    }
    if (sync.enabled && sync.backend !== "none" && sync.connection_url === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["connection_url"],
        message: `is required when sync is enabled with backend ${sync.backend}`,
      });
    }
    if (sync.signing_key_id !== undefined && !(sync.signing_key_id in sync.signing_keys)) {
      ctx.addIssue({
        code: "custom",
        path: ["signing_key_id"],
        message: "must name a key in sync.signing_keys",
      });
    }
    transitKeyIssues(sync, ctx);
    for (const [id, secret] of Object.entries(sync.signing_keys)) {
      if (typeof secret !== "string" || secret.length < 32) {
        ctx.addIssue({
          code: "custom",
          path: ["signing_keys", id],
          message: "must be a secret of at least 32 characters",
        });
      }
    }
  });

function transitKeyIssues(
  sync: { transit_keys: Record<string, unknown>; transit_key_id?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const ids = Object.keys(sync.transit_keys);
  for (const id of ids) {
    if (!TRANSIT_KEY_ID_PATTERN.test(id))
      ctx.addIssue({
        code: "custom",
        path: ["transit_keys", id],
        message: "key id must be 1-32 of A-Z a-z 0-9 _ -",
      });
    else if (!isTransitPrivateKeyText(sync.transit_keys[id]))
      ctx.addIssue({
        code: "custom",
        path: ["transit_keys", id],
        message:
          "must be a P-256 private key, base64url PKCS#8, as `memoria keys transit` prints it",
      });
  }
  if (sync.transit_key_id !== undefined && !ids.includes(sync.transit_key_id))
    ctx.addIssue({
      code: "custom",
      path: ["transit_key_id"],
      message: "must name a key in sync.transit_keys",
    });
  if (sync.transit_key_id === undefined && ids.length > 1)
    ctx.addIssue({
      code: "custom",
      path: ["transit_key_id"],
      message: `must name the current key when sync.transit_keys holds several (${ids.join(", ")})`,
    });
}

/** How often the gateway's cron fires: its one trigger (`CRONS` in apps/gateway) is every minute. */
export const CRON_INTERVAL_MS = 60_000;

/**
 * The leader renews the scheduler lease on every cron tick, so the lease must outlive one
 * interval (or it lapses between ticks and the leader changes while healthy) and end
 * within two (so a dead leader's lease is gone by the second tick after its last renewal:
 * the lead moves within one interval of the tick it missed). 1.5 intervals leaves half an
 * interval for ticks that fire or renew late.
 */
export const schedulerSchema = z
  .strictObject({
    /** Run the cron jobs in this region (off in a standby region). @default true */
    enabled: flag().default(true),
    /** How often the cron fires; set it only where ticks are driven otherwise (tests). @default 60000 */
    interval_ms: int((n) => n.min(100, { error: "must be at least 100" })).default(
      CRON_INTERVAL_MS,
    ),
    /** Leader lease lifetime, renewed every tick: more than one interval, less than two. @default 90000 */
    lease_ttl_ms: int((n) => n.min(1000, { error: "must be at least 1000" })).default(
      (CRON_INTERVAL_MS * 3) / 2,
    ),
  })
  .superRefine((scheduler, ctx) => {
    const { interval_ms: interval, lease_ttl_ms: ttl } = scheduler;
    if (ttl > interval && ttl < 2 * interval) return;
    const why =
      ttl <= interval
        ? "so the leader's lease would lapse between its renewals and leadership would change while it is healthy"
        : "so a dead leader's lease would keep others out for more than one further interval";
    ctx.addIssue({
      code: "custom",
      path: ["lease_ttl_ms"],
      message: `must be longer than scheduler.interval_ms (${interval}) and shorter than twice it, ${why}: use ${(interval * 3) / 2}`,
    });
  });

export const regionSelfSchema = z.strictObject({
  /** This deployment's region id (event origin, echo suppression, HLC node). @default "local" */
  id: regionIdSchema.default("local"),
  /** Role at start; `/admin/promote` changes it at run time. @default "writer" */
  role: z.enum(["writer", "reader"], { error: "must be writer or reader" }).default("writer"),
});

export const loggingSchema = z.strictObject({
  level: z
    .preprocess(
      (v) => (typeof v === "string" ? v.trim().toUpperCase() : v),
      z.enum(LOG_LEVELS, {
        error: "must be DEBUG, INFO, WARNING, ERROR or CRITICAL",
      }),
    )
    .default("INFO"),
});

export const routerSchema = z.strictObject({
  /** `active-passive`: writes go to the writer region; `active-active`: to the nearest. @default "active-passive" */
  mode: z
    .enum(["active-passive", "active-active"], { error: "must be active-passive or active-active" })
    .default("active-passive"),
  /** Largest request body forwarded. @default 262144 */
  max_body_bytes: int((n) =>
    n
      .min(1024, { error: "must be at least 1024" })
      .max(100 * 1024 * 1024, { error: "must be at most 104857600" }),
  ).default(256 * 1024),
  /** A region that has not answered within this is treated as failed for the request. @default 5000 */
  request_timeout_ms: int((n) => n.min(100, { error: "must be at least 100" })).default(5_000),
  /** How long a failed region's circuit stays open before one trial request. @default 10000 */
  breaker_cooldown_ms: int((n) => n.min(100, { error: "must be at least 100" })).default(10_000),
  /** How often the health Durable Object probes every region. @default 5000 */
  probe_interval_ms: int((n) => n.min(500, { error: "must be at least 500" })).default(5_000),
});

export const authSchema = z.strictObject({
  /**
   * Let anyone read `/health/sync` and `/metrics` (the namespace, the band, the peer
   * regions, the counters). Off, they need any valid key or `auth.monitor_key`. @default false
   */
  public_health: flag().default(false),
  /**
   * A secret that reads only `/health/sync` and `/metrics`: the router sends it with its
   * probes (set the same value on the router) and a Prometheus scraper as its bearer token.
   * Secret.
   */
  monitor_key: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
});

/** The whole configuration: `memoria.toml` < `MEMORIA_…` env < `PATCH /settings`. */
export const configSchema = z.strictObject({
  memory: memorySchema.prefault({}),
  sync: syncSchema.prefault({}),
  scheduler: schedulerSchema.prefault({}),
  region: regionSelfSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  router: routerSchema.prefault({}),
  auth: authSchema.prefault({}),
  /** Regions the router knows (JSON array in env: `MEMORIA_REGIONS='[…]'`). */
  regions: z
    .preprocess(toJson, z.array(regionSchema, { error: "must be a list of regions" }))
    .default([])
    .superRefine((regions, ctx) => {
      const seen = new Set<string>();
      regions.forEach((region, i) => {
        if (seen.has(region.id))
          ctx.addIssue({
            code: "custom",
            path: [i, "id"],
            message: `duplicate region id "${region.id}"`,
          });
        seen.add(region.id);
      });
    }),
  /** Time zone whose midnight starts a decrement day. @default "UTC" */
  DECREMENT_TZ: z
    .string()
    .trim()
    .refine(isIanaTimeZone, { error: "must be an IANA time zone such as UTC or America/New_York" })
    .default("UTC"),
  /**
   * The root admin key (`MEMORIA_API_KEY`, as upstream): every scope, every team. Other
   * keys are made with `POST /admin/keys`. Secret.
   */
  api_key: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
});

export type MemoriaConfig = z.infer<typeof configSchema>;
export type MemoriaConfigInput = z.input<typeof configSchema>;

/** Dotted keys whose values are never shown (`***`) and are kept when `***` is sent back. */
export const SECRET_KEYS = [
  "sync.connection_url",
  "sync.token",
  "sync.signing_keys",
  "sync.transit_keys",
  "api_key",
  "auth.monitor_key",
] as const;

/**
 * Dotted keys that name the deployment itself (the store's schema and every peer know a
 * region by them): set by toml/env when it is deployed, never by `PATCH /settings`.
 */
export const FIXED_KEYS = ["region.id", "memory.namespace"] as const;

/** Free-form tables whose own keys keep their case (`MEMORIA_SYNC__OPTIONS__ssl`). */
export const FREE_FORM_KEYS = [
  "sync.options",
  "sync.connect_kwargs",
  "sync.signing_keys",
  "sync.transit_keys",
] as const;
