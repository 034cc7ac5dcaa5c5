import type { MetricHelp, MetricSample } from "@memoria/sync-core";

/**
 * The router's metrics. Where they live: a request counts into this isolate's memory
 * (no round trip on the request's path), and the counts are added to the RegionHealth
 * Durable Object after the response, in `waitUntil` (`flushMetrics`). The object keeps
 * the totals in its storage, so they are shared by every isolate, survive isolate
 * restarts and evictions, and only ever grow; `/metrics` reads them there. What an
 * isolate counted but had not yet handed over when it died is lost (one request's worth,
 * as the hand-over follows each response), never counted twice except when a hand-over
 * fails after the object applied it (then retried with the next).
 */
export const ROUTER_METRIC_HELP: MetricHelp = {
  router_requests_total: [
    "counter",
    "Proxied requests by the region that answered (none: no region did), outcome (served, failed_over, refused, unavailable, rejected, error) and code (status class).",
  ],
  router_failovers_total: [
    "counter",
    "Requests served by region `to` after the regions in `from` failed during the request.",
  ],
  router_added_latency_seconds: [
    "histogram",
    "Time the router adds to a proxied request (its own work and health-object calls), the regions' time to answer excluded.",
  ],
  router_circuit_opened_total: [
    "counter",
    "Times a region's circuit went from closed to open (a request or a probe found it failing).",
  ],
  router_circuit_state: ["gauge", "Each region's circuit: 0 closed, 1 half-open, 2 open."],
  router_region_healthy: [
    "gauge",
    "1 when the router's last probe found the region ready and its circuit is not open.",
  ],
  router_region_is_writer: [
    "gauge",
    "1 for the region the router takes for the writer (the newest writer lease).",
  ],
};

/** Upper bounds (seconds) of the added-latency histogram: the router should add milliseconds. */
export const ADDED_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

export type Outcome = "served" | "failed_over" | "refused" | "unavailable" | "rejected" | "error";

/** One series' identity: its name and its labels in a fixed order. */
export function seriesKey(sample: Pick<MetricSample, "name" | "labels">): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((k) => [k, sample.labels[k]]);
  return JSON.stringify([sample.name, labels]);
}

/** Adds `samples` into `totals` (by series). */
export function addSamples(totals: Map<string, MetricSample>, samples: readonly MetricSample[]) {
  for (const sample of samples) {
    if (sample.value === 0) continue;
    const key = seriesKey(sample);
    const known = totals.get(key);
    totals.set(key, { ...sample, value: (known?.value ?? 0) + sample.value });
  }
}

/** A histogram observation as counter increments: every bucket it falls in, sum and count. */
export function observation(name: string, seconds: number): MetricSample[] {
  const value = Math.max(0, seconds);
  return [
    ...ADDED_LATENCY_BUCKETS.filter((le) => value <= le).map((le) => ({
      name: `${name}_bucket`,
      labels: { le: String(le) },
      value: 1,
    })),
    { name: `${name}_bucket`, labels: { le: "+Inf" }, value: 1 },
    { name: `${name}_sum`, labels: {}, value },
    { name: `${name}_count`, labels: {}, value: 1 },
  ];
}

/** Counts this isolate made and has not handed to the health object yet. */
const pending = new Map<string, MetricSample>();
let flushing: Promise<void> | undefined;

export function countLocally(samples: readonly MetricSample[]): void {
  addSamples(pending, samples);
}

/**
 * Hands this isolate's counts to the health object: one hand-over at a time, each taking
 * all that is pending, so a busy isolate makes one call per round trip, not per request.
 * A failed hand-over puts its counts back for the next. Never rejects.
 */
export function flushMetrics(send: (samples: MetricSample[]) => Promise<void>): Promise<void> {
  const next = (flushing ?? Promise.resolve()).then(async () => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending.clear();
    await send(batch).catch(() => countLocally(batch));
  });
  flushing = next;
  void next.finally(() => {
    if (flushing === next) flushing = undefined;
  });
  return next;
}
