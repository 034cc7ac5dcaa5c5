import { formatHlc } from "../hlc.js";
import type { SyncHealth } from "./health.js";

/**
 * Test-only: a whole `/health/sync` body as a ready gateway answers it, with `changes`
 * laid over it. One fixture for every package's tests, so a field added to the contract
 * is added here once.
 */
export function syncHealthBody(changes: Partial<SyncHealth> = {}): SyncHealth {
  return {
    region: "region-b",
    namespace: "prod-shared",
    backend: "redis",
    enabled: true,
    role: "reader",
    band: { floor: 0, ceiling: 12 },
    realtime_replication: false,
    signing_key_id: "k1",
    store: { reachable: true },
    transport: {
      backend: "redis",
      reachable: true,
      latencyMs: 2,
      lagEvents: 0,
      oldestUnackedAt: null,
      lastEventAt: 1_000,
    },
    capabilities: { delivery: "pull", leases: true, wakeHints: true },
    lag: { events: 0, seconds: 0 },
    outbox: { unpublished: 0 },
    last_event_at: null,
    last_cycle: { published: 0 },
    leader: { holder: "region-a", token: 3, expires_at: "2026-01-01T00:00:00.000Z", is_me: false },
    writer: null,
    scheduler: { enabled: true, decrement_tz: "UTC", last_decrement: null },
    applied: { "region-a": formatHlc({ wall: 1_000, counter: 0, node: "region-a" }) },
    ready: true,
    config_warnings: [],
    settings_errors: [],
    dead_letters: { count: 0, oldest_at: null },
    team_spaces: ["alpha", "bravo"],
    team_namespace_prefix: "team",
    transit: { encryption: "sealed", key: null },
    events: { published: 0, applied: 12 },
    ...changes,
  };
}
