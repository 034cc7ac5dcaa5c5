import type { MetricHelp, MetricSample } from "@memoria/sync-core";

/**
 * The router's metrics. Where they live: a request counts into this isolate's memory
 * (no round trip on the request's path), and the counts are added to the RegionHealth
 * Durable Object after a response, in `waitUntil`: at most once per
 * METRICS_HANDOVER_MS per isolate (`handOverIfDue`), and before a scrape this isolate
 * answers (metrics-route.ts). The object keeps the totals in its storage, so they are
 * shared by every isolate, survive isolate restarts and evictions, and only ever grow;
 * `/metrics` reads them there. A busy isolate's counts arrive at most METRICS_HANDOVER_MS
 * late; those of its last interval before it went quiet, with its next request. What an
 * isolate counted but had not yet handed over when it was evicted is lost (at most one
 * interval's worth), never counted twice except when a hand-over fails after the object
 * applied it (then retried with the next).
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

/** Adds `samples` into `totals` (by series). `totals` owns its entries: they are added to in place. */
export function addSamples(totals: Map<string, MetricSample>, samples: readonly MetricSample[]) {
  for (const sample of samples) {
    if (sample.value === 0) continue;
    const key = knownSeriesKey(sample);
    const known = totals.get(key);
    if (known) known.value += sample.value;
    else totals.set(key, { ...sample, labels: { ...sample.labels } });
  }
}

/**
 * `seriesKey`, remembered by the labels in the order given: every request counts the same
 * few series, and sorting and serializing each one's labels was most of a request's CPU
 * in the router. Bounded, as label values come from configuration and status classes.
 */
const seriesKeys = new Map<string, string>();
const MAX_REMEMBERED_SERIES = 10_000;

function knownSeriesKey(sample: Pick<MetricSample, "name" | "labels">): string {
  let quick = sample.name;
  for (const name in sample.labels) quick += `\u0000${name}\u0000${sample.labels[name]}`;
  let key = seriesKeys.get(quick);
  if (key === undefined) {
    key = seriesKey(sample);
    if (seriesKeys.size < MAX_REMEMBERED_SERIES) seriesKeys.set(quick, key);
  }
  return key;
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
    try {
      await send(batch);
    } catch {
      // Also a `send` that throws before it returns a promise (no health object bound).
      countLocally(batch);
    }
  });
  flushing = next;
  void next.finally(() => {
    if (flushing === next) flushing = undefined;
  });
  return next;
}

/** An isolate hands its counts to the health object at most once per this interval. */
export const METRICS_HANDOVER_MS = 1_000;
let lastHandoverAt = Number.NEGATIVE_INFINITY;

/**
 * After a request: hands this isolate's counts over (in `waitUntil`) unless it did less
 * than METRICS_HANDOVER_MS ago, so a busy isolate calls the health object once per
 * interval, not once per request. No timer waits out the interval: a request context kept
 * alive for a second by one (`waitUntil`) handed connections a region had meanwhile
 * closed back to the runtime's pool late, and a keyless write then met two dead
 * connections (stale-connection.test.ts failed with a timer, passes without). So the
 * counts of an isolate's last interval before it goes quiet go with its next request.
 */
export function handOverIfDue(
  waitUntil: (promise: Promise<unknown>) => void,
  send: (samples: MetricSample[]) => Promise<void>,
  now = Date.now(),
): void {
  if (now - lastHandoverAt < METRICS_HANDOVER_MS) return;
  lastHandoverAt = now;
  waitUntil(flushMetrics(send));
}
