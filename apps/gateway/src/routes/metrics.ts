import type { CounterRow } from "@memoria/store";
import {
  expositionResponse,
  familyOf,
  type MetricHelp,
  type SyncHealth,
  teamNamespace,
} from "@memoria/sync-core";
import type { Hono } from "hono";
import type { HonoEnv } from "../app.js";
import type { Services } from "../services.js";
import { collectStatus } from "../status.js";

export const METRIC_HELP: MetricHelp = {
  sync_events_published_total: ["counter", "Events this region published to the transport."],
  sync_events_applied_total: ["counter", "Peer events applied here, by origin region."],
  sync_duplicate_events_total: [
    "counter",
    "Redelivered events skipped by the applied-event ledger.",
  ],
  sync_subscription_latency_seconds: [
    "histogram",
    "From the event's HLC time at the origin to its apply here, by origin.",
  ],
  privacy_filtered_events_total: [
    "counter",
    "Content a privacy band kept back, by side: publisher (a write outside this region's band, published as a redaction) or subscriber (a peer's event stored as a redaction).",
  ],
  namespace_mismatch_drops_total: [
    "counter",
    'Events dropped unseen: of another tenant (scope="tenant") or of a team space this region does not serve (scope="team-space").',
  ],
  sync_bad_signature_total: [
    "counter",
    "Events rejected for a missing, unknown or wrong signature.",
  ],
  sync_invalid_events_total: ["counter", "Events rejected as malformed."],
  sync_dead_letters_total: [
    "counter",
    "Verified events that could not be applied, quarantined as dead letters, by origin.",
  ],
  sync_cycles_total: [
    "counter",
    "Sync cycles (relay + consume) this region's puller and cron ran.",
  ],
  sync_cycle_stage_seconds_total: [
    "counter",
    "Wall seconds sync cycles spent per stage: relay (outbox to transport), wake (hints to peers), consume (pull, verify, apply, ack).",
  ],
  sync_lag_events: ["gauge", "Events published by peers and not yet applied here."],
  sync_lag_seconds: ["gauge", "Age of the oldest event not yet applied here."],
  sync_outbox_pending: ["gauge", "Local events not yet published."],
  sync_dead_letters_pending: [
    "gauge",
    "Dead letters waiting for an operator (GET /admin/dead-letters: retry or discard).",
  ],
  leader_is_holder: ["gauge", "1 when this region holds the scheduler lease."],
  writer_is_holder: ["gauge", "1 when this region holds the writer role."],
  sync_privacy_floor: [
    "gauge",
    "sync.privacy_floor: the lowest y (privacy) this region publishes or stores from peers.",
  ],
  sync_privacy_ceiling: [
    "gauge",
    "sync.privacy_ceiling: the highest y (privacy) this region publishes or stores from peers.",
  ],
  sync_namespace_info: [
    "gauge",
    "Always 1: the tenant namespace this region serves and its team-space prefix (memory.team_namespace_prefix).",
  ],
  sync_namespace_records: [
    "gauge",
    "Live records per team space of this region's namespace ((none): outside any team space; (other): past the 50 largest).",
  ],
};

/** Prometheus text exposition. Counters come from the store, so they survive isolate restarts. */
export function registerMetricsRoute(app: Hono<HonoEnv>): void {
  app.get("/metrics", async (c) => {
    const services = c.get("services");
    const [counters, status, teams] = await Promise.all([
      services.store.counters(),
      collectStatus(services),
      services.store.countLiveByTeam().catch(() => null),
    ]);
    const region = { region: status.region };
    // A counter that has never moved is still reported, at 0, so dashboards and alerts see it.
    // Every sample carries the region, so rules can join a region's counters and gauges.
    const seen = new Set(counters.map((row) => familyOf(row.name)));
    const zeros: CounterRow[] = Object.entries(METRIC_HELP)
      .filter(([name, [type]]) => type === "counter" && !seen.has(name))
      .map(
        ([name]): CounterRow => ({
          name,
          labels: name === "sync_events_published_total" ? { backend: status.backend } : {},
          value: 0,
        }),
      );
    return expositionResponse(
      [
        ...[...counters, ...zeros].map(
          (row): CounterRow => ({ ...row, labels: { ...row.labels, ...region } }),
        ),
        ...gauges(status),
        ...namespaceGauges(services, status, teams),
      ],
      METRIC_HELP,
    );
  });
}

function gauges(status: SyncHealth): CounterRow[] {
  const region = { region: status.region };
  return [
    { name: "sync_lag_events", labels: region, value: status.lag.events },
    { name: "sync_lag_seconds", labels: region, value: status.lag.seconds },
    { name: "sync_outbox_pending", labels: region, value: Math.max(0, status.outbox.unpublished) },
    {
      name: "sync_dead_letters_pending",
      labels: region,
      value: Math.max(0, status.dead_letters.count),
    },
    { name: "leader_is_holder", labels: region, value: status.leader?.is_me ? 1 : 0 },
    { name: "writer_is_holder", labels: region, value: status.role === "writer" ? 1 : 0 },
    { name: "sync_privacy_floor", labels: region, value: status.band.floor },
    { name: "sync_privacy_ceiling", labels: region, value: status.band.ceiling },
  ];
}

/** The namespace and its team spaces; no record counts when the store could not count in time. */
function namespaceGauges(
  services: Services,
  status: SyncHealth,
  teams: Awaited<ReturnType<Services["store"]["countLiveByTeam"]>> | null,
): CounterRow[] {
  const prefix = services.config.memory.team_namespace_prefix;
  const labels = { region: status.region, namespace: status.namespace };
  const space = (team: string | null) =>
    team === null ? "(none)" : team === "*" ? "(other)" : teamNamespace(prefix, team);
  return [
    { name: "sync_namespace_info", labels: { ...labels, team_prefix: prefix }, value: 1 },
    ...(teams ?? []).map(
      (count): CounterRow => ({
        name: "sync_namespace_records",
        labels: { ...labels, team_namespace: space(count.team) },
        value: count.records,
      }),
    ),
  ];
}
