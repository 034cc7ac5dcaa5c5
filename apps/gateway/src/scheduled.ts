import { WRITER_LEASE_TTL_MS } from "./routes/admin/promote.js";
import type { Services } from "./services.js";
import { runSyncCycle } from "./sync/cycle.js";

/**
 * Every cron the gateway declares, and the one place wrangler.jsonc is checked against
 * (a test reads the config). One trigger a minute drives everything: the sync safety net
 * (outbox sweep, catch-up, re-arming the puller) and the decrement check, which acts at
 * most once per local date.
 */
export const CRONS = {
  /** Outbox sweep, consumer catch-up, lease renewal and the daily decrement check. */
  minute: "* * * * *",
} as const;

/** Catching up more days than this means a clock or config problem; stop and say so. */
const MAX_CATCH_UP_DAYS = 400;

/**
 * This tick's view of the scheduler lease: the fencing token when this region leads,
 * else who does. "off" without leases (no sync backend): the one region acts alone;
 * "disabled" when `scheduler.enabled` is false (a standby region).
 */
export type SchedulerLead = { token: number } | { holder: string | null } | "off" | "disabled";

/**
 * Takes or renews the scheduler lease. Called first on every tick, before the sync cycle
 * (whose length varies), so the holder renews at a steady pace and the lease, which
 * outlives one interval (`scheduler.lease_ttl_ms` > `scheduler.interval_ms`), never lapses
 * between two renewals of a healthy leader; a non-holder gets it only once it expired.
 */
export async function leadScheduler(services: Services): Promise<SchedulerLead> {
  const { config, leases, region } = services;
  if (!config.scheduler.enabled) return "disabled";
  if (!leases) return "off";
  const lease = await leases.scheduler.acquire(region, config.scheduler.lease_ttl_ms);
  if (lease) return { token: lease.token };
  return { holder: (await leases.scheduler.current())?.holder ?? null };
}

export type DecrementRun =
  | { outcome: "disabled" }
  | { outcome: "not-leader"; holder: string | null }
  | { outcome: "initialized"; baseline: string }
  | { outcome: "done"; dates: string[]; skipped: string[]; fenced: boolean; token: number };

/** `YYYY-MM-DD` of `at` in `timeZone`: the date whose midnight starts a decrement day. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}

function nextDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * The daily x decrement, leader-gated: only the holder of the scheduler lease acts, and
 * with its fencing token, so two regions that both believe they lead still decrement each
 * (namespace, date) once (the store's mark is the compare-and-set). Missed days since the
 * last mark (or since the region's first run) are caught up in order; the first run only
 * records today as the baseline.
 */
export async function runDailyDecrement(
  services: Services,
  now = new Date(),
  lead?: SchedulerLead,
): Promise<DecrementRun> {
  const { config, store } = services;
  const held = lead ?? (await leadScheduler(services));
  if (held === "disabled") return { outcome: "disabled" };
  const today = localDate(now, config.DECREMENT_TZ);
  // Every region records the first day it ran, leader or not, so a region promoted later
  // knows from when to catch up (dates a peer already did are no-ops: the marks dedupe).
  const baselineKey = `decrement_baseline:${config.memory.namespace}`;
  const baseline = (await store.readMetadata(baselineKey)) as string | undefined;
  if (baseline === undefined) await store.writeMetadata(baselineKey, today);
  if (held !== "off" && "holder" in held) return { outcome: "not-leader", holder: held.holder };
  const token = held === "off" ? 0 : held.token;
  const marked = await store.latestDecrementDate();
  const last = [marked, baseline ?? today]
    .filter((d): d is string => d !== null)
    .sort()
    .at(-1) as string;
  if (baseline === undefined && marked === null) return { outcome: "initialized", baseline: today };
  const dates: string[] = [];
  const skipped: string[] = [];
  let fenced = false;
  for (
    let date = nextDate(last), n = 0;
    date <= today && n < MAX_CATCH_UP_DAYS;
    date = nextDate(date), n++
  ) {
    const result = await store.runDecrement(date, token);
    if (result.outcome === "fenced") {
      fenced = true;
      break;
    }
    (result.outcome === "applied" ? dates : skipped).push(date);
  }
  return { outcome: "done", dates, skipped, fenced, token };
}

export interface ScheduledReport {
  cron: string;
  /** Whether this region led the scheduler on this tick. */
  scheduler: "leader" | "follower" | "off" | "disabled" | { error: string };
  sync: Awaited<ReturnType<typeof runSyncCycle>> | { error: string };
  decrement: DecrementRun | { error: string };
  writer: "renewed" | "not-holder" | "off" | { error: string };
  maintenance: string | { error: string } | null;
}

export async function runScheduled(
  services: Services,
  cron: string,
  now = new Date(),
): Promise<ScheduledReport> {
  const lead = await leadScheduler(services).catch((error: Error) => ({ error: error.message }));
  const sync = await runSyncCycle(services).catch((error: Error) => ({ error: error.message }));
  const decrement =
    typeof lead === "object" && "error" in lead
      ? lead
      : await runDailyDecrement(services, now, lead).catch((error: Error) => ({
          error: error.message,
        }));
  const writer = await renewWriter(services).catch((error: Error) => ({ error: error.message }));
  // The band may have been tightened by a redeploy (env) as well as by PATCH /settings.
  await services.store
    .redactOutsideBand()
    .catch((error: Error) => services.log.warn("band.enforcement_failed", { error }));
  const maintenance = services.transport?.maintain
    ? await services.transport.maintain().catch((error: Error) => ({ error: error.message }))
    : null;
  const scheduler =
    typeof lead === "string" || "error" in lead ? lead : "token" in lead ? "leader" : "follower";
  return { cron, scheduler, sync, decrement, writer, maintenance };
}

/** The promoted writer keeps its role alive; a region configured as writer claims a free role. */
async function renewWriter(services: Services): Promise<ScheduledReport["writer"]> {
  const { leases, region, config } = services;
  if (!leases) return "off";
  const current = await leases.writer.current();
  if (current && current.holder !== region) return "not-holder";
  if (!current && config.region.role !== "writer") return "not-holder";
  const lease = await leases.writer.acquire(region, WRITER_LEASE_TTL_MS);
  return lease ? "renewed" : "not-holder";
}
