import { parseHlc, type SyncEvent } from "@memoria/sync-core";
import { histogramIncrements, type Labels, privacyFiltered } from "./counters.js";

/** What happened to each event of a batch. */
export const APPLY_OUTCOMES = [
  "applied",
  "unchanged",
  "duplicate",
  "echo",
  "namespace",
  "redacted",
  "privacy-filtered",
  "invalid-payload",
  /** Verified, but failed to apply on its own: kept in `dead_letters` (see `apply-isolate.ts`). */
  "quarantined",
] as const;
export type ApplyOutcome = (typeof APPLY_OUTCOMES)[number];

export interface ApplyReport {
  outcomes: Map<string, ApplyOutcome>;
  counts: Record<ApplyOutcome, number>;
}

export type Increment = { name: string; labels?: Labels; by?: number };

/** Outcomes counted as applied (`sync_events_applied_total`, the latency histogram): the event was taken, winning or not. */
const APPLIED: ReadonlySet<ApplyOutcome> = new Set(["applied", "unchanged", "redacted"]);

/**
 * Counts and counter increments per delivery: the first delivery of an id claimed here
 * has its outcome, every other delivery (in this batch or seen before) is a duplicate.
 */
export function countDeliveries(
  events: readonly SyncEvent[],
  fresh: ReadonlySet<string>,
  outcomes: ReadonlyMap<string, ApplyOutcome>,
  receivedAt: number,
  namespace: string,
): { counts: ApplyReport["counts"]; increments: Increment[] } {
  const counts = zeroCounts();
  const increments: Increment[] = [];
  // Seconds from write to apply, per origin: one histogram update per origin, not per event.
  const latencies = new Map<string, number[]>();
  const counted = new Set<string>();
  for (const event of events) {
    const outcome: ApplyOutcome =
      fresh.has(event.id) && !counted.has(event.id)
        ? (outcomes.get(event.id) ?? "unchanged")
        : "duplicate";
    counted.add(event.id);
    counts[outcome] += 1;
    const increment = incrementFor(outcome, event, namespace);
    if (increment) increments.push(increment);
    if (APPLIED.has(outcome)) {
      const seen = latencies.get(event.origin) ?? [];
      seen.push((receivedAt - parseHlc(event.hlc).wall) / 1000);
      latencies.set(event.origin, seen);
    }
  }
  for (const [origin, seconds] of latencies)
    increments.push(
      ...histogramIncrements("sync_subscription_latency_seconds", { origin }, seconds),
    );
  return { counts, increments };
}

export function zeroCounts(): Record<ApplyOutcome, number> {
  return Object.fromEntries(APPLY_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    ApplyOutcome,
    number
  >;
}

/**
 * Reports of consecutive parts of one batch as one: counts add up, and an id's outcome is
 * its first delivery's (a later part sees it as a duplicate of its own earlier claim).
 */
export function mergeReports(reports: readonly ApplyReport[]): ApplyReport {
  const merged: ApplyReport = { outcomes: new Map(), counts: zeroCounts() };
  for (const report of reports) {
    for (const [id, outcome] of report.outcomes)
      if (!merged.outcomes.has(id) || merged.outcomes.get(id) === "duplicate")
        merged.outcomes.set(id, outcome);
    for (const outcome of APPLY_OUTCOMES) merged.counts[outcome] += report.counts[outcome];
  }
  return merged;
}

function incrementFor(
  outcome: ApplyOutcome,
  event: SyncEvent,
  namespace: string,
): Increment | undefined {
  const origin = { origin: event.origin };
  if (APPLIED.has(outcome)) return { name: "sync_events_applied_total", labels: origin };
  switch (outcome) {
    case "duplicate":
      return { name: "sync_duplicate_events_total", labels: origin };
    case "namespace":
      // A team space this region does not serve is routine; another tenant's is an alert.
      return {
        name: "namespace_mismatch_drops_total",
        labels: { ...origin, scope: spaceScope(event.namespace, namespace) },
      };
    case "privacy-filtered":
      return privacyFiltered("subscriber", "inbound", event.origin);
    case "invalid-payload":
      return { name: "sync_invalid_events_total", labels: { ...origin, reason: "payload" } };
    case "quarantined":
      return { name: "sync_dead_letters_total", labels: origin };
    default:
      // An echo of our own write: nothing happened here.
      return undefined;
  }
}

/** `team-space`: a team space of this deployment's namespace; `tenant`: another namespace. */
function spaceScope(space: string, namespace: string): "team-space" | "tenant" {
  return space.startsWith(`${namespace}:`) ? "team-space" : "tenant";
}
