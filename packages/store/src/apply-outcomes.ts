import { parseHlc, type SyncEvent } from "@memoria/sync-core";
import { histogramIncrements, type Labels } from "./counters.js";

/** What happened to each event of a batch. */
export type ApplyOutcome =
  | "applied"
  | "unchanged"
  | "duplicate"
  | "echo"
  | "namespace"
  | "redacted"
  | "privacy-filtered"
  | "invalid-payload";

export interface ApplyReport {
  outcomes: Map<string, ApplyOutcome>;
  counts: Record<ApplyOutcome, number>;
}

export type Increment = { name: string; labels?: Labels; by?: number };

/**
 * Counts and counter increments per delivery: the first delivery of an id claimed here
 * has its outcome, every other delivery (in this batch or seen before) is a duplicate.
 */
export function countDeliveries(
  events: readonly SyncEvent[],
  fresh: ReadonlySet<string>,
  outcomes: ReadonlyMap<string, ApplyOutcome>,
  receivedAt: number,
): { counts: ApplyReport["counts"]; increments: Increment[] } {
  const counts: Record<ApplyOutcome, number> = {
    applied: 0,
    unchanged: 0,
    duplicate: 0,
    echo: 0,
    namespace: 0,
    redacted: 0,
    "privacy-filtered": 0,
    "invalid-payload": 0,
  };
  const increments: Increment[] = [];
  const counted = new Set<string>();
  for (const event of events) {
    const outcome: ApplyOutcome =
      fresh.has(event.id) && !counted.has(event.id)
        ? (outcomes.get(event.id) ?? "unchanged")
        : "duplicate";
    counted.add(event.id);
    counts[outcome] += 1;
    increments.push(...incrementsFor(outcome, event, receivedAt));
  }
  return { counts, increments };
}

function incrementsFor(outcome: ApplyOutcome, event: SyncEvent, receivedAt: number): Increment[] {
  const origin = { origin: event.origin };
  switch (outcome) {
    case "duplicate":
      return [{ name: "sync_duplicate_events_total", labels: origin }];
    case "namespace":
      return [{ name: "namespace_mismatch_drops_total", labels: origin }];
    case "privacy-filtered":
      return [
        { name: "privacy_filtered_events_total", labels: { ...origin, direction: "inbound" } },
      ];
    case "invalid-payload":
      return [{ name: "sync_invalid_events_total", labels: { ...origin, reason: "payload" } }];
    case "echo":
      return [];
    default:
      return [
        { name: "sync_events_applied_total", labels: origin },
        ...histogramIncrements(
          "sync_subscription_latency_seconds",
          origin,
          (receivedAt - parseHlc(event.hlc).wall) / 1000,
        ),
      ];
  }
}
