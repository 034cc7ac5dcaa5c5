import { formatHlc, type RegionConfig, type SyncHealth } from "@memoria/sync-core";
import { syncHealthBody } from "@memoria/sync-core/testing/health";
import { describe, expect, it } from "vitest";
import { afterFailure } from "./breaker.js";
import {
  afterProbe,
  afterRequestSuccess,
  answerChanges,
  initialState,
  NOT_READY,
  viewOf,
  writerOf,
  writerSeen,
} from "./region-state.js";

const REGION: RegionConfig = {
  id: "region-b",
  url: "https://b.example",
  lat: 53.35,
  lon: -6.26,
  continent: "EU",
  role: "reader",
  enabled: true,
  privacy_floor: 0,
  privacy_ceiling: 12,
  team_spaces: ["*"],
};
const T0 = 1_700_000_000_000;
const hlc = (wall: number) => formatHlc({ wall, counter: 0, node: "region-a" });

/** A ready region's body: lag 3 events / 1.5 s, scheduler leader region-a (token 7). */
function health(changes: Partial<SyncHealth> = {}): SyncHealth {
  return syncHealthBody({
    transport: null,
    lag: { events: 3, seconds: 1.5 },
    last_cycle: null,
    leader: { holder: "region-a", token: 7, expires_at: "x", is_me: false },
    applied: { "region-a": hlc(2_000) },
    capabilities: null,
    ...changes,
  });
}

describe("region state after a probe", () => {
  it("takes role, lag, leader and watermarks from a ready region, and closes its circuit", () => {
    const open = {
      ...initialState(REGION),
      ...afterFailure(initialState(REGION), T0),
      healthy: false,
    };
    const state = afterProbe(open, REGION.id, { ok: true, health: health() }, T0 + 10);
    expect(state).toMatchObject({
      circuit: "closed",
      openedAt: null,
      healthy: true,
      lastError: null,
      lastProbeAt: T0 + 10,
      lagEvents: 3,
      lagSeconds: 1.5,
      leader: { holder: "region-a", token: 7 },
      applied: { "region-a": hlc(2_000) },
    });
  });

  it("keeps the writer token only when the region holds the writer lease itself", () => {
    const lease = (holder: string) => ({ holder, token: 9, expires_at: "x", is_me: false });
    const mine = afterProbe(
      initialState(REGION),
      REGION.id,
      { ok: true, health: health({ role: "writer", writer: lease("region-b") }) },
      T0,
    );
    expect(mine).toMatchObject({ role: "writer", writerToken: 9 });
    const theirs = afterProbe(
      initialState(REGION),
      REGION.id,
      { ok: true, health: health({ writer: lease("region-a") }) },
      T0,
    );
    expect(theirs.writerToken).toBeNull();
  });

  it("keeps what the region says about itself: namespace, band, team spaces, transit", () => {
    const key = `t1.B${"Q".repeat(86)}`;
    const state = afterProbe(
      initialState(REGION),
      REGION.id,
      {
        ok: true,
        health: health({
          namespace: "prod-shared",
          band: { floor: 0, ceiling: 12 },
          team_spaces: ["alpha"],
          team_namespace_prefix: "squad",
          transit: { encryption: "sealed", key },
        }),
      },
      T0,
    );
    expect(state.facts).toEqual({
      namespace: "prod-shared",
      band: { floor: 0, ceiling: 12 },
      teamSpaces: ["alpha"],
      teamPrefix: "squad",
      transit: { encryption: "sealed", key },
    });
    // A failed probe does not forget them (the page shows the last known), but says it failed.
    const failed = afterProbe(state, REGION.id, { ok: false, error: "refused" }, T0 + 1);
    expect(failed.facts).toEqual(state.facts);
    expect(initialState(REGION).facts).toBeNull();
  });

  it("never moves a watermark back on a stale answer", () => {
    const first = afterProbe(
      initialState(REGION),
      REGION.id,
      { ok: true, health: health({ applied: { "region-a": hlc(5_000) } }) },
      T0,
    );
    const stale = afterProbe(
      first,
      REGION.id,
      { ok: true, health: health({ applied: { "region-a": hlc(4_000) } }) },
      T0 + 1,
    );
    expect(stale.applied["region-a"]).toBe(hlc(5_000));
  });

  it("a region that is not ready is unhealthy, its circuit untouched", () => {
    const state = afterProbe(
      initialState(REGION),
      REGION.id,
      { ok: true, health: health({ ready: false }) },
      T0,
    );
    expect(state).toMatchObject({
      healthy: false,
      circuit: "closed",
      lastError: "not ready (see its /healthz)",
    });
  });

  it("a failed probe opens a closed circuit, and leaves an open one's cool-down alone", () => {
    const failed = afterProbe(initialState(REGION), REGION.id, { ok: false, error: "refused" }, T0);
    expect(failed).toMatchObject({
      healthy: false,
      circuit: "open",
      openedAt: T0,
      lastError: "probe failed: refused",
    });
    const again = afterProbe(failed, REGION.id, { ok: false, error: "refused" }, T0 + 500);
    expect(again.openedAt).toBe(T0);
  });
});

describe("the view the planner and /status get", () => {
  it("shows a cooled-down open circuit as half-open and an open one as unhealthy", () => {
    const open = { ...initialState(REGION), ...afterFailure(initialState(REGION), T0) };
    expect(viewOf(REGION, open, T0 + 10, 1_000)).toMatchObject({ circuit: "open", healthy: false });
    expect(viewOf(REGION, open, T0 + 1_000, 1_000)).toMatchObject({
      circuit: "half-open",
      healthy: true,
    });
    expect(viewOf(REGION, open, T0, 1_000).openedAt).toBe(new Date(T0).toISOString());
  });

  it("names as writer the region holding the newest writer lease", () => {
    const base = initialState(REGION);
    expect(
      writerOf([
        { id: "region-a", state: { ...base, role: "writer", writerToken: 3 } },
        { id: "region-b", state: { ...base, role: "writer", writerToken: 4 } },
        { id: "region-c", state: { ...base, role: "reader", writerToken: 9 } },
      ]),
    ).toBe("region-b");
    expect(writerOf([{ id: "region-a", state: base }])).toBeNull();
    expect(
      writerSeen([
        { id: "region-a", state: { ...base, role: "writer", writerToken: null } },
        { id: "region-b", state: { ...base, role: "writer", writerToken: 4 } },
      ]),
    ).toEqual({ id: "region-b", token: 4 });
  });
});

describe("region state after a request it answered", () => {
  it("stays not ready until a probe says ready: an answer proves it reachable, not ready", () => {
    const notReady = afterProbe(
      initialState(REGION),
      "region-b",
      { ok: true, health: health({ ready: false }) },
      T0,
    );
    expect(notReady).toMatchObject({ healthy: false, lastError: NOT_READY });
    expect(afterRequestSuccess(notReady)).toMatchObject({ healthy: false, lastError: NOT_READY });
    const probedReady = afterProbe(notReady, "region-b", { ok: true, health: health() }, T0 + 1);
    expect(probedReady).toMatchObject({ healthy: true, lastError: null });
  });

  it("forgets a connection failure and closes the circuit", () => {
    const failed = {
      ...initialState(REGION),
      ...afterFailure(initialState(REGION), T0),
      healthy: false,
      lastError: "connection failed",
    };
    const after = afterRequestSuccess(failed);
    expect(after).toMatchObject({ healthy: true, lastError: null, circuit: "closed" });
  });
});

describe("whether an answer is news to the health object", () => {
  it("only for an open or half-open circuit, or a region a request failure left unhealthy", () => {
    const view = (circuit: string, healthy: boolean, lastError: string | null) => ({
      circuit,
      healthy,
      lastError,
    });
    expect(answerChanges(view("closed", true, null))).toBe(false);
    expect(answerChanges(view("closed", false, NOT_READY))).toBe(false);
    expect(answerChanges(view("closed", false, "connection failed"))).toBe(true);
    expect(answerChanges(view("half-open", false, "connection failed"))).toBe(true);
    expect(answerChanges(view("open", false, null))).toBe(true);
  });
});
