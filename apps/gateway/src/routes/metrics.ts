import type { CounterRow } from "@memoria/store";
import type { Hono } from "hono";
import type { HonoEnv } from "../app.js";
import { collectStatus } from "../status.js";

export const METRIC_HELP: Record<string, [type: "counter" | "gauge" | "histogram", help: string]> =
  {
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
      "Events whose privacy lay outside this region's band: stored as redactions, without content.",
    ],
    namespace_mismatch_drops_total: ["counter", "Events of another namespace, dropped."],
    sync_bad_signature_total: [
      "counter",
      "Events rejected for a missing, unknown or wrong signature.",
    ],
    sync_invalid_events_total: ["counter", "Events rejected as malformed."],
    sync_dead_letters_total: [
      "counter",
      "Verified events that could not be applied, quarantined as dead letters, by origin.",
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
  };

/** Prometheus text exposition. Counters come from the store, so they survive isolate restarts. */
export function registerMetricsRoute(app: Hono<HonoEnv>): void {
  app.get("/metrics", async (c) => {
    const services = c.get("services");
    const [counters, status] = await Promise.all([
      services.store.counters(),
      collectStatus(services),
    ]);
    const region = { region: status.region };
    const gauges: CounterRow[] = [
      { name: "sync_lag_events", labels: region, value: status.lag.events },
      { name: "sync_lag_seconds", labels: region, value: status.lag.seconds },
      {
        name: "sync_outbox_pending",
        labels: region,
        value: Math.max(0, status.outbox.unpublished),
      },
      {
        name: "sync_dead_letters_pending",
        labels: region,
        value: Math.max(0, status.dead_letters.count),
      },
      { name: "leader_is_holder", labels: region, value: status.leader?.is_me ? 1 : 0 },
      { name: "writer_is_holder", labels: region, value: status.role === "writer" ? 1 : 0 },
    ];
    // A counter that has never moved is still reported, at 0, so dashboards and alerts see it.
    // Every sample carries the region, so rules can join a region's counters and gauges.
    const seen = new Set(counters.map((row) => baseName(row.name)));
    const zeros: CounterRow[] = Object.entries(METRIC_HELP)
      .filter(([name, [type]]) => type === "counter" && !seen.has(name))
      .map(
        ([name]): CounterRow => ({
          name,
          labels: name === "sync_events_published_total" ? { backend: status.backend } : {},
          value: 0,
        }),
      );
    return new Response(
      render([
        ...[...counters, ...zeros].map(
          (row): CounterRow => ({ ...row, labels: { ...row.labels, ...region } }),
        ),
        ...gauges,
      ]),
      {
        headers: {
          "content-type": "text/plain; version=0.0.4; charset=utf-8",
          "cache-control": "no-store",
        },
      },
    );
  });
}

function baseName(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, "");
}

export function render(rows: CounterRow[]): string {
  const byFamily = new Map<string, CounterRow[]>();
  for (const row of rows) {
    const family = METRIC_HELP[row.name] ? row.name : baseName(row.name);
    byFamily.set(family, [...(byFamily.get(family) ?? []), row]);
  }
  const lines: string[] = [];
  for (const [family, members] of [...byFamily].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [type, help] = METRIC_HELP[family] ?? ["untyped", ""];
    if (help) lines.push(`# HELP ${family} ${help}`);
    lines.push(`# TYPE ${family} ${type}`);
    for (const row of sortBuckets(members))
      lines.push(`${row.name}${labels(row.labels)} ${formatValue(row.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

function sortBuckets(rows: CounterRow[]): CounterRow[] {
  const le = (row: CounterRow) =>
    row.labels.le === undefined
      ? 0
      : row.labels.le === "+Inf"
        ? Number.POSITIVE_INFINITY
        : Number(row.labels.le);
  return [...rows].sort((a, b) => {
    const key = (row: CounterRow) =>
      `${row.name.endsWith("_bucket") ? 0 : 1}${JSON.stringify({ ...row.labels, le: undefined })}`;
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : le(a) - le(b);
  });
}

function labels(values: Record<string, string>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Number.isFinite(value)
    ? value.toPrecision(12).replace(/\.?0+$/, "")
    : value > 0
      ? "+Inf"
      : "-Inf";
}
