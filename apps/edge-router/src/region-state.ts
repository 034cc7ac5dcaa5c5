import { compareHlc, type RegionConfig, type SyncHealth } from "@memoria/sync-core";
import { afterProbeFailure, afterSuccess, type Breaker, CLOSED, circuitAt } from "./breaker.js";
import type { RegionFacts, RegionView } from "./snapshot.js";

/** What the health object keeps per region: its breaker and what the last probe said. */
export interface RegionState extends Breaker {
  healthy: boolean;
  lastProbeAt: number | null;
  lastError: string | null;
  role: "writer" | "reader";
  /** This region's writer-lease fencing token, when it holds the lease. */
  writerToken: number | null;
  lagEvents: number | null;
  lagSeconds: number | null;
  leader: { holder: string; token: number } | null;
  applied: Record<string, string>;
  /** What the last answered probe said about the region beyond routing; null before one. */
  facts: RegionFacts | null;
}

/** What a probe that found the region answering but not ready leaves as its error. */
export const NOT_READY = "not ready (see its /healthz)";

export function initialState(region: RegionConfig): RegionState {
  return {
    ...CLOSED,
    healthy: true,
    lastProbeAt: null,
    lastError: null,
    role: region.role,
    writerToken: null,
    lagEvents: null,
    lagSeconds: null,
    leader: null,
    applied: {},
    facts: null,
  };
}

/** A probe's outcome: the region's `/health/sync` body, or why there was none. */
export type ProbeOutcome = { ok: true; health: SyncHealth } | { ok: false; error: string };

/** The state after a probe at `now`. A ready region's circuit closes without waiting for a trial. */
export function afterProbe(
  state: RegionState,
  regionId: string,
  outcome: ProbeOutcome,
  now: number,
): RegionState {
  if (!outcome.ok) {
    return {
      ...state,
      ...afterProbeFailure(state, now),
      lastProbeAt: now,
      healthy: false,
      lastError: `probe failed: ${outcome.error}`,
    };
  }
  const { health } = outcome;
  const seen: RegionState = {
    ...state,
    lastProbeAt: now,
    role: health.role,
    writerToken: health.writer?.holder === regionId ? health.writer.token : null,
    lagEvents: health.lag.events,
    lagSeconds: health.lag.seconds,
    leader: health.leader ? { holder: health.leader.holder, token: health.leader.token } : null,
    applied: mergeWatermarks(state.applied, health.applied),
    facts: factsOf(health),
  };
  return health.ready
    ? { ...seen, ...afterSuccess(state), healthy: true, lastError: null }
    : { ...seen, healthy: false, lastError: NOT_READY };
}

function factsOf(health: SyncHealth): RegionFacts {
  return {
    namespace: health.namespace,
    band: health.band,
    teamSpaces: health.team_spaces,
    teamPrefix: health.team_namespace_prefix,
    transit: health.transit,
  };
}

/** Watermarks only move forward (a stale probe answer must not hide an applied token). */
function mergeWatermarks(
  known: Record<string, string>,
  seen: Record<string, string>,
): Record<string, string> {
  const out = { ...known };
  for (const [origin, hlc] of Object.entries(seen)) {
    const mark = out[origin];
    if (mark === undefined || compareHlc(hlc, mark) > 0) out[origin] = hlc;
  }
  return out;
}

/** The region as `/status`, `/router/health` and the planner see it at `now`. */
export function viewOf(
  region: RegionConfig,
  state: RegionState,
  now: number,
  cooldownMs: number,
): RegionView {
  const circuit = circuitAt(state, now, cooldownMs);
  return {
    id: region.id,
    url: region.url ?? `service:${region.service}`,
    lat: region.lat,
    lon: region.lon,
    ...(region.continent ? { continent: region.continent } : {}),
    role: state.role,
    writerToken: state.writerToken,
    enabled: region.enabled,
    healthy: state.healthy && circuit !== "open",
    circuit,
    openedAt: state.openedAt === null ? null : new Date(state.openedAt).toISOString(),
    lastProbeAt: state.lastProbeAt === null ? null : new Date(state.lastProbeAt).toISOString(),
    lastError: state.lastError,
    lagEvents: state.lagEvents,
    lagSeconds: state.lagSeconds,
    leader: state.leader,
    applied: state.applied,
  };
}

/** The writer: of the regions that say they are, the one holding the newest writer lease (promoted last). */
export function writerOf(states: ReadonlyArray<{ id: string; state: RegionState }>): string | null {
  return writerSeen(states).id;
}

/** The writer (`writerOf`) and the lease token it holds, if it holds one. */
export function writerSeen(states: ReadonlyArray<{ id: string; state: RegionState }>): {
  id: string | null;
  token: number | null;
} {
  const writers = states.filter((entry) => entry.state.role === "writer");
  writers.sort((a, b) => (b.state.writerToken ?? -1) - (a.state.writerToken ?? -1));
  const writer = writers[0];
  return { id: writer?.id ?? null, token: writer?.state.writerToken ?? null };
}

/**
 * A request to the region was answered below 500: its circuit closes and a connection
 * failure is forgotten. Readiness stays the probe's to say: an answer proves the region
 * reachable, not ready (a not-ready writer still answers its keyless writes), so a
 * not-ready region stays behind the ready ones until a probe finds it ready.
 */
export function afterRequestSuccess(state: RegionState): RegionState {
  if (!answerChanges(state)) return state;
  const answered = { ...state, ...afterSuccess(state) };
  return state.lastError === NOT_READY ? answered : { ...answered, healthy: true, lastError: null };
}

/**
 * Whether an answer below 500 changes anything for the region (`afterRequestSuccess`): only
 * when its circuit is not closed, or a request's failure left it unhealthy. So the router
 * reports an answer to the health object only then, and a healthy region's answer costs
 * nothing beyond the request itself.
 */
export function answerChanges(region: {
  circuit: string;
  healthy: boolean;
  lastError: string | null;
}): boolean {
  return region.circuit !== "closed" || (!region.healthy && region.lastError !== NOT_READY);
}
