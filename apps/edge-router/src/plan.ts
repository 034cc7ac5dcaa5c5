import {
  hasApplied,
  IDEMPOTENCY_KEY_HEADER,
  ProblemError,
  readSyncToken,
} from "@memoria/sync-core";
import { type ClientPlace, rankRegions } from "./geo.js";
import { NOT_READY } from "./region-state.js";
import type { RegionView, RoutingSnapshot } from "./snapshot.js";

/**
 * How the router picks regions for a request: pure (the snapshot, the request's method and
 * headers and the client's place in, the order of regions out), so every rule is tested
 * in-process. The request handler only follows the plan.
 */
export interface Plan {
  /** Regions to try, in order; those with an open circuit last, as a last resort. */
  candidates: RegionView[];
  /**
   * Regions with an open circuit that the client would have preferred to the first
   * candidate: the response names them in X-Memoria-Failover, like regions that fail now.
   */
  passedOver: string[];
  /** A failure may be retried at the next candidate (the request is safe to send twice). */
  retriable: boolean;
}

export interface PlannedRequest {
  method: string;
  headers: Headers;
}

/** Requests the router may send again to another region after a failure. */
export function isRetriable({ method, headers }: PlannedRequest): boolean {
  return !isWrite(method) || headers.has(IDEMPOTENCY_KEY_HEADER);
}

/**
 * Requests the router may send to the same region again after its connection failed,
 * whether or not the first one arrived: those it may retry elsewhere, and PUT and DELETE,
 * which RFC 9110 (§9.2.2) defines as idempotent (sent twice, the region ends in the same
 * state; a DELETE that did land answers the second time 404). Any other write is sent again
 * only with proof that the region never had all of it (attempt.ts).
 */
export function isReplayable(request: PlannedRequest): boolean {
  return isRetriable(request) || request.method === "PUT" || request.method === "DELETE";
}

function isWrite(method: string): boolean {
  return !(method === "GET" || method === "HEAD" || method === "OPTIONS");
}

/**
 * Which regions may serve this request, best first:
 * - a read carrying a sync token: only regions that have applied it (the origin always has);
 * - a write in active/passive mode: the writer (the region promoted last), and only if
 *   the write may be retried (Idempotency-Key) the others after it, by distance;
 * - anything else: nearest first.
 * Regions whose circuit is open come last, as a last resort.
 */
export function planRoute(
  snapshot: RoutingSnapshot,
  request: PlannedRequest,
  place: ClientPlace,
): Plan {
  const ranked = rankRegions(
    snapshot.regions.filter((region) => region.enabled),
    place,
  );
  const retriable = isRetriable(request);
  const eligible = eligibleRegions(snapshot, request, ranked, retriable);
  // Nearest *healthy* first: a region that answers but says it is not ready (its /healthz)
  // still beats one whose circuit is open, but comes after every ready one.
  const ready = eligible.filter((region) => region.circuit !== "open" && !saysNotReady(region));
  const notReady = eligible.filter((region) => region.circuit !== "open" && saysNotReady(region));
  const open = eligible.filter((region) => region.circuit === "open");
  const candidates = [...ready, ...notReady, ...open];
  const first = ready[0] ?? notReady[0];
  const passedOver = (
    first
      ? eligible.filter((r) => r !== first && ranksBefore(eligible, r, first) && skipsOver(r))
      : open
  ).map((region) => region.id);
  return { candidates, passedOver, retriable };
}

/** A region the client would have preferred but that the plan put after another. */
function skipsOver(region: RegionView): boolean {
  return region.circuit === "open" || saysNotReady(region);
}

/**
 * The region answers, but its last probe found it not ready. A region unhealthy because a
 * request failed is not demoted here: its circuit says when to try it (the half-open trial).
 */
function saysNotReady(region: RegionView): boolean {
  return !region.healthy && region.lastError === NOT_READY;
}

/** The regions allowed to serve the request, in the client's order, before circuits count. */
function eligibleRegions(
  snapshot: RoutingSnapshot,
  request: PlannedRequest,
  ranked: RegionView[],
  retriable: boolean,
): RegionView[] {
  if (!isWrite(request.method)) {
    // A token from a region that does not exist is the client's mistake: a 400, not a 503.
    const token = readSyncToken(
      request.headers,
      snapshot.regions.map((region) => region.id),
    );
    if (token === null) return ranked;
    const applied = ranked.filter((region) => hasApplied(region, token));
    if (applied.length === 0) {
      throw new ProblemError(
        503,
        { detail: `no known region has applied sync token ${token.hlc}` },
        { "retry-after": "1" },
      );
    }
    return applied;
  }
  if (snapshot.mode !== "active-passive" || snapshot.writer === null) return ranked;
  const writer = ranked.find((region) => region.id === snapshot.writer);
  if (!writer) return ranked;
  // Only a write that may be retried goes anywhere but the writer (it names the same
  // record wherever it lands); any other write waits for the writer or a promotion.
  return retriable ? [writer, ...ranked.filter((region) => region !== writer)] : [writer];
}

function ranksBefore(order: RegionView[], region: RegionView, other: RegionView): boolean {
  return order.indexOf(region) < order.indexOf(other);
}
