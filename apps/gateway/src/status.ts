import type { Lease, TransportHealth } from "@memoria/sync-core";
import type { Services } from "./services.js";

export type Role = "writer" | "reader";

/** What `/health/sync`, `/healthz` and `/metrics` report, gathered in one pass. */
export interface SyncStatus {
  region: string;
  namespace: string;
  backend: "redis" | "postgres" | "none";
  enabled: boolean;
  role: Role;
  band: { floor: number; ceiling: number };
  realtime_replication: boolean;
  signing_key_id: string | null;
  store: { reachable: boolean; error?: string };
  transport: (Omit<TransportHealth, "backend"> & { backend: string }) | null;
  lag: { events: number; seconds: number };
  outbox: { unpublished: number };
  last_event_at: string | null;
  last_cycle: unknown;
  leader: LeaseView | null;
  writer: LeaseView | null;
  scheduler: { enabled: boolean; decrement_tz: string; last_decrement: string | null };
  /**
   * Highest HLC applied here per origin region. A sync token (a write's HLC, origin = its
   * node) at or below `applied[origin]` has been applied in this region.
   */
  applied: Record<string, string>;
}

export interface LeaseView {
  holder: string;
  token: number;
  expires_at: string;
  is_me: boolean;
}

function view(lease: Lease | null, region: string): LeaseView | null {
  return lease
    ? {
        holder: lease.holder,
        token: lease.token,
        expires_at: new Date(lease.expiresAt).toISOString(),
        is_me: lease.holder === region,
      }
    : null;
}

export async function collectStatus(services: Services): Promise<SyncStatus> {
  const { config, store, transport, leases, region } = services;
  const storeState = await store
    .ping()
    .then(() => ({ reachable: true }))
    .catch((error: Error) => ({ reachable: false, error: error.message }));
  const [health, unpublished, leader, writer, lastCycle, lastDecrement, applied] =
    await Promise.all([
      transport ? transport.health() : Promise.resolve(null),
      storeState.reachable ? store.countUnpublished().catch(() => -1) : Promise.resolve(-1),
      leases ? leases.scheduler.current().catch(() => null) : Promise.resolve(null),
      leases ? leases.writer.current().catch(() => null) : Promise.resolve(null),
      storeState.reachable
        ? store.readMetadata("last_sync_cycle").catch(() => null)
        : Promise.resolve(null),
      storeState.reachable
        ? store.readMetadata(`last_decrement:${config.memory.namespace}`).catch(() => null)
        : Promise.resolve(null),
      storeState.reachable ? store.appliedWatermarks().catch(() => ({})) : Promise.resolve({}),
    ]);
  // Writer is whoever was promoted last (holds the writer lease); with none yet, the config says.
  const role: Role = writer ? (writer.holder === region ? "writer" : "reader") : config.region.role;
  const oldest = health?.oldestUnackedAt ?? null;
  return {
    region,
    namespace: config.memory.namespace,
    backend: config.sync.backend,
    enabled: config.sync.enabled,
    role,
    band: { floor: config.sync.privacy_floor, ceiling: config.sync.privacy_ceiling },
    realtime_replication: config.sync.realtime_replication,
    signing_key_id: services.keyring?.current ?? null,
    store: storeState,
    transport: health,
    lag: {
      events: health?.lagEvents ?? 0,
      seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    },
    outbox: { unpublished },
    last_event_at: health?.lastEventAt ? new Date(health.lastEventAt).toISOString() : null,
    last_cycle: lastCycle ?? null,
    leader: view(leader, region),
    writer: view(writer, region),
    scheduler: {
      enabled: config.scheduler.enabled,
      decrement_tz: config.DECREMENT_TZ,
      last_decrement: typeof lastDecrement === "string" ? lastDecrement : null,
    },
    applied,
  };
}

/** Why this region should not take traffic, if it should not. */
export function unreadyReasons(status: SyncStatus, services: Services): string[] {
  const reasons: string[] = [];
  const { config } = services;
  if (!status.store.reachable)
    reasons.push(`store unreachable: ${status.store.error ?? "no answer"}`);
  if (config.sync.enabled && config.sync.backend !== "none") {
    if (!status.transport?.reachable)
      reasons.push(
        `transport (${config.sync.backend}) unreachable: ${status.transport?.error ?? "no answer"}`,
      );
    if (status.signing_key_id === null)
      reasons.push(
        "sync.signing_keys / sync.signing_key_id not set: events can be neither signed nor verified",
      );
    if (status.lag.events > config.sync.max_lag_events)
      reasons.push(
        `lag ${status.lag.events} events > sync.max_lag_events ${config.sync.max_lag_events}`,
      );
    if (status.lag.seconds > config.sync.max_lag_seconds)
      reasons.push(
        `lag ${status.lag.seconds.toFixed(1)} s > sync.max_lag_seconds ${config.sync.max_lag_seconds}`,
      );
  }
  return reasons;
}
