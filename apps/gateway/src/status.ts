import type { Lease, LeaseView, SyncHealth, TransportHealth } from "@memoria/sync-core";
import { syncBackends } from "@memoria/transports";
import type { Services } from "./services.js";

export type Role = SyncHealth["role"];

/**
 * The `/health/sync` body (sync-core's contract, which the router parses), gathered in
 * one pass; `/healthz` and `/metrics` read it too.
 */
export async function collectStatus(services: Services): Promise<SyncHealth> {
  const { config, region } = services;
  const seen = await observe(services);
  // Writer is whoever was promoted last (holds the writer lease); with none yet, the config says.
  const role: Role = seen.writer
    ? seen.writer.holder === region
      ? "writer"
      : "reader"
    : config.region.role;
  const oldest = seen.transport?.oldestUnackedAt ?? null;
  const lastEventAt = seen.transport?.lastEventAt ?? null;
  const status: Omit<SyncHealth, "ready"> = {
    region,
    namespace: config.memory.namespace,
    backend: config.sync.backend,
    enabled: config.sync.enabled,
    role,
    band: { floor: config.sync.privacy_floor, ceiling: config.sync.privacy_ceiling },
    realtime_replication: config.sync.realtime_replication,
    signing_key_id: services.keyring?.current ?? null,
    store: seen.store,
    transport: seen.transport ? { ...seen.transport } : null,
    capabilities:
      config.sync.backend === "none" ? null : syncBackends[config.sync.backend].capabilities,
    lag: {
      events: seen.transport?.lagEvents ?? 0,
      seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    },
    outbox: { unpublished: seen.unpublished },
    last_event_at: lastEventAt ? new Date(lastEventAt).toISOString() : null,
    last_cycle: seen.lastCycle ?? null,
    leader: view(seen.leader, region),
    writer: view(seen.writer, region),
    scheduler: {
      enabled: config.scheduler.enabled,
      decrement_tz: config.DECREMENT_TZ,
      last_decrement: typeof seen.lastDecrement === "string" ? seen.lastDecrement : null,
    },
    applied: seen.applied,
    config_warnings: services.configWarnings,
    settings_errors: services.settingsErrors,
    // Only shown: the stream goes on around them, so they do not make the region unready.
    dead_letters: seen.deadLetters,
    team_spaces: [...config.memory.team_spaces],
    team_namespace_prefix: config.memory.team_namespace_prefix,
    transit: {
      encryption: config.sync.transit_encryption,
      key: services.transitKeyring?.publicKey ?? null,
    },
    events: seen.events,
  };
  return { ...status, ready: unreadyReasons(status, services).length === 0 };
}

/** Store, transport and leases, asked at once; whatever does not answer reads as unknown. */
async function observe(services: Services) {
  const { config, store, transport, leases } = services;
  const storeState: SyncHealth["store"] = await store
    .ping()
    .then(() => ({ reachable: true }))
    .catch((error: Error) => ({ reachable: false, error: error.message }));
  const fromStore = <T>(read: () => Promise<T>, fallback: T): Promise<T> =>
    storeState.reachable ? read().catch(() => fallback) : Promise.resolve(fallback);
  const [
    health,
    unpublished,
    leader,
    writer,
    lastCycle,
    lastDecrement,
    applied,
    deadLetters,
    events,
  ] = await Promise.all([
    transport ? transport.health() : Promise.resolve<TransportHealth | null>(null),
    fromStore(() => store.countUnpublished(), -1),
    leases ? leases.scheduler.current().catch(() => null) : Promise.resolve(null),
    leases ? leases.writer.current().catch(() => null) : Promise.resolve(null),
    fromStore<unknown>(() => store.readMetadata("last_sync_cycle"), null),
    fromStore<unknown>(() => store.readMetadata(`last_decrement:${config.memory.namespace}`), null),
    fromStore<Record<string, string>>(() => store.appliedWatermarks(), {}),
    fromStore<SyncHealth["dead_letters"]>(() => store.countDeadLetters(), {
      count: -1,
      oldest_at: null,
    }),
    fromStore<SyncHealth["events"]>(() => store.eventTotals(), null),
  ]);
  return {
    store: storeState,
    transport: health,
    unpublished,
    leader,
    writer,
    lastCycle,
    lastDecrement,
    applied,
    deadLetters,
    events,
  };
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

/** Why this region should not take traffic, if it should not. */
export function unreadyReasons(status: Omit<SyncHealth, "ready">, services: Services): string[] {
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
