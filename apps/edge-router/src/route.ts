import { compareHlc, isHlcString, ProblemError, parseHlc } from "@memoria/sync-core";
import { type ClientPlace, rankRegions } from "./geo.js";
import type { RegionView, RouterSnapshot } from "./snapshot.js";

export const SYNC_TOKEN_HEADER = "memoria-sync-token";

/** Requests the router may send again to another region after a failure. */
export function isRetriable(method: string, headers: Headers): boolean {
  return (
    method === "GET" || method === "HEAD" || method === "OPTIONS" || headers.has("idempotency-key")
  );
}

export function isWrite(method: string): boolean {
  return !(method === "GET" || method === "HEAD" || method === "OPTIONS");
}

/** True when `region` has applied the write behind `token` (its own writes always). */
export function hasApplied(region: Pick<RegionView, "id" | "applied">, token: string): boolean {
  const origin = parseHlc(token).node;
  if (region.id === origin) return true;
  const mark = region.applied[origin];
  return mark !== undefined && compareHlc(mark, token) >= 0;
}

export interface Plan {
  /** Regions to try, in order. */
  candidates: RegionView[];
  /** Region ids in the client's preference order before health was considered. */
  order: string[];
  why: string;
}

/**
 * Which regions may serve this request, best first:
 * - a read carrying a sync token: only regions that have applied it (the origin always has);
 * - a write in active/passive mode: the writer (the region promoted last), and only if
 *   the write may be retried (Idempotency-Key) the others after it, by distance;
 * - anything else: nearest first.
 * Regions whose circuit is open come last, as a last resort.
 */
export function plan(
  snapshot: RouterSnapshot,
  method: string,
  headers: Headers,
  place: ClientPlace,
): Plan {
  const ranked = rankRegions(
    snapshot.regions.filter((r) => r.enabled),
    place,
  );
  const token = headers.get(SYNC_TOKEN_HEADER);
  let candidates: RegionView[];
  let why: string;
  if (!isWrite(method) && token !== null) {
    if (!isHlcString(token)) {
      throw new ProblemError(400, {
        detail: "Memoria-Sync-Token is not a sync token from a write",
        errors: [{ field: "Memoria-Sync-Token", message: "must be wallMs:counter:region" }],
      });
    }
    candidates = ranked.filter((region) => hasApplied(region, token));
    why = "read-your-writes";
    if (candidates.length === 0) {
      throw new ProblemError(
        503,
        { detail: `no known region has applied sync token ${token}` },
        { "retry-after": "1" },
      );
    }
  } else if (isWrite(method) && snapshot.mode === "active-passive" && snapshot.writer !== null) {
    const writer = ranked.find((region) => region.id === snapshot.writer);
    // Only a write that may be retried goes anywhere but the writer (it names the same
    // record wherever it lands); any other write waits for the writer or a promotion.
    const others = isRetriable(method, headers) ? ranked.filter((region) => region !== writer) : [];
    candidates = writer ? [writer, ...others] : ranked;
    why = "writer";
  } else {
    candidates = ranked;
    why = "nearest";
  }
  const open = candidates.filter((region) => region.circuit === "open");
  return {
    candidates: [...candidates.filter((region) => region.circuit !== "open"), ...open],
    order: candidates.map((region) => region.id),
    why,
  };
}
