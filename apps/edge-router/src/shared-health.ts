import type { RouterBindings } from "./config.js";
import { NOT_READY } from "./region-state.js";
import type { Circuit, RoutingSnapshot } from "./snapshot.js";

/** A copy younger than this is used as is. */
export const SNAPSHOT_TTL_MS = 500;
/**
 * A copy older than the TTL but younger than this is still used, while one refresh runs
 * after the response; older still (an isolate that sat idle), the request waits for a
 * fresh one. So a busy isolate is at most the TTL plus one round trip behind the object.
 */
export const SNAPSHOT_MAX_AGE_MS = 2_000;

/** The one health object every router isolate shares. */
export function healthObject(env: RouterBindings) {
  return env.HEALTH.get(env.HEALTH.idFromName("global"));
}

type Background = (promise: Promise<unknown>) => void;

/**
 * An isolate's copy of the health object's snapshot, so a request does not wait on the
 * object (one global Durable Object, a round trip away). Regions this isolate charged, or
 * saw answer again, are marked in the copy at once; a mark is laid again over a refreshed
 * copy until its report has reached the object before that refresh began, so a refresh
 * already on its way cannot undo it.
 */
export class SnapshotCache {
  private copy: { snapshot: RoutingSnapshot; at: number } | undefined;
  /** When the background refresh in flight began (a refresh whose request died is forgotten after the max age). */
  private refreshingSince: number | undefined;
  private readonly marks = new Map<string, { circuit: Circuit; at: number; settledAt?: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(
    load: () => Promise<RoutingSnapshot>,
    background: Background,
  ): Promise<RoutingSnapshot> {
    const at = this.now();
    const age = this.copy === undefined ? Number.POSITIVE_INFINITY : at - this.copy.at;
    if (this.copy === undefined || age >= SNAPSHOT_MAX_AGE_MS) return this.refresh(load);
    if (age >= SNAPSHOT_TTL_MS && !this.refreshing(at)) {
      this.refreshingSince = at;
      background(
        this.refresh(load)
          // The copy in hand serves; the next request past the TTL tries again.
          .catch(() => undefined)
          .finally(() => {
            this.refreshingSince = undefined;
          }),
      );
    }
    return this.copy.snapshot;
  }

  /** Marks `regionId`'s circuit in the copy until `report` has told the object and a later refresh shows it. */
  mark(regionId: string, circuit: Circuit, report: Promise<unknown>): void {
    const mark: { circuit: Circuit; at: number; settledAt?: number } = { circuit, at: this.now() };
    this.marks.set(regionId, mark);
    const settle = () => {
      mark.settledAt = this.now();
    };
    report.then(settle, settle);
    if (this.copy) applyMark(this.copy.snapshot, regionId, circuit);
  }

  private refreshing(at: number): boolean {
    return this.refreshingSince !== undefined && at - this.refreshingSince < SNAPSHOT_MAX_AGE_MS;
  }

  private async refresh(load: () => Promise<RoutingSnapshot>): Promise<RoutingSnapshot> {
    const startedAt = this.now();
    const snapshot = await load();
    for (const [regionId, mark] of this.marks) {
      // The object had the report before this copy was read: the copy says it (or newer).
      if (mark.settledAt !== undefined && mark.settledAt <= startedAt) this.marks.delete(regionId);
      else applyMark(snapshot, regionId, mark.circuit);
    }
    this.copy = { snapshot, at: this.now() };
    return snapshot;
  }
}

/** A request's outcome in the copy, as the object will record it (region-state.ts). */
function applyMark(snapshot: RoutingSnapshot, regionId: string, circuit: Circuit): void {
  const region = snapshot.regions.find((r) => r.id === regionId);
  if (!region) return;
  region.circuit = circuit;
  // An answer proves the region reachable, not ready: readiness stays the probe's.
  region.healthy = circuit === "closed" && region.lastError !== NOT_READY;
}

/** This isolate's copy. */
const isolateCopy = new SnapshotCache();

/** The shared snapshot, without a round trip to the object on most requests (SnapshotCache). */
export function currentSnapshot(
  env: RouterBindings,
  background: Background,
): Promise<RoutingSnapshot> {
  return isolateCopy.get(() => healthObject(env).snapshot(), background);
}

/** This isolate stops using a failed region at once (or uses a recovered one), before the shared state catches up. */
export function markLocally(regionId: string, circuit: Circuit, report: Promise<unknown>): void {
  isolateCopy.mark(regionId, circuit, report);
}
