import { formatHlc, ProblemError } from "@memoria/sync-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClientPlace } from "./geo.js";
import { isReplayable, isRetriable, planRoute } from "./plan.js";
import { NOT_READY } from "./region-state.js";
import type { Circuit, RegionView, RoutingSnapshot } from "./snapshot.js";

function region(id: string, lat: number, lon: number, continent: string): RegionView {
  return {
    id,
    url: `https://${id}.example`,
    lat,
    lon,
    continent,
    role: "reader",
    writerToken: null,
    enabled: true,
    healthy: true,
    circuit: "closed",
    openedAt: null,
    lastProbeAt: null,
    lastError: null,
    lagEvents: 0,
    lagSeconds: 0,
    leader: null,
    applied: {},
  };
}

/** Virginia (the writer), Dublin, Singapore. */
function snapshot(
  changes: {
    mode?: RoutingSnapshot["mode"];
    writer?: string | null;
    circuits?: Record<string, Circuit>;
    applied?: Record<string, Record<string, string>>;
    disabled?: string[];
    notReady?: string[];
  } = {},
): RoutingSnapshot {
  const regions = [
    region("us", 39.04, -77.49, "NA"),
    region("eu", 53.35, -6.26, "EU"),
    region("ap", 1.35, 103.82, "AS"),
  ].map((r) => ({
    ...r,
    circuit: changes.circuits?.[r.id] ?? "closed",
    applied: changes.applied?.[r.id] ?? {},
    enabled: !changes.disabled?.includes(r.id),
    healthy: !changes.notReady?.includes(r.id),
    lastError: changes.notReady?.includes(r.id) ? NOT_READY : null,
  }));
  return {
    generatedAt: new Date(0).toISOString(),
    mode: changes.mode ?? "active-passive",
    writer: changes.writer === undefined ? "us" : changes.writer,
    regions,
  };
}

const NEW_YORK: ClientPlace = { latitude: 40.71, longitude: -74.01, continent: "NA" };
const PARIS: ClientPlace = { latitude: 48.86, longitude: 2.35, continent: "EU" };
const TOKYO: ClientPlace = { latitude: 35.68, longitude: 139.69, continent: "AS" };
const get = (headers: Record<string, string> = {}) => ({
  method: "GET",
  headers: new Headers(headers),
});
const post = (headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: new Headers(headers),
});
const ids = (plan: { candidates: RegionView[] }) => plan.candidates.map((r) => r.id);
const token = (wall: number, node: string) => formatHlc({ wall, counter: 0, node });

describe("reads go to the nearest region", () => {
  it("by coordinates, wherever the client is", () => {
    expect(ids(planRoute(snapshot(), get(), NEW_YORK))).toEqual(["us", "eu", "ap"]);
    expect(ids(planRoute(snapshot(), get(), PARIS))).toEqual(["eu", "us", "ap"]);
    expect(ids(planRoute(snapshot(), get(), TOKYO))).toEqual(["ap", "eu", "us"]);
  });

  it("by continent without coordinates, else in the configured order", () => {
    expect(ids(planRoute(snapshot(), get(), { continent: "AS" }))[0]).toBe("ap");
    expect(ids(planRoute(snapshot(), get(), { continent: "EU" }))[0]).toBe("eu");
    expect(ids(planRoute(snapshot(), get(), {}))).toEqual(["us", "eu", "ap"]);
  });

  it("never to a disabled region", () => {
    expect(ids(planRoute(snapshot({ disabled: ["eu"] }), get(), PARIS))).toEqual(["us", "ap"]);
  });
});

describe("circuits", () => {
  it("an open circuit goes last, and counts as passed over when the client preferred it", () => {
    const plan = planRoute(snapshot({ circuits: { eu: "open" } }), get(), PARIS);
    expect(ids(plan)).toEqual(["us", "ap", "eu"]);
    expect(plan.passedOver).toEqual(["eu"]);
  });

  it("an open circuit the client did not prefer is not reported", () => {
    const plan = planRoute(snapshot({ circuits: { ap: "open" } }), get(), PARIS);
    expect(ids(plan)).toEqual(["eu", "us", "ap"]);
    expect(plan.passedOver).toEqual([]);
  });

  it("a half-open circuit keeps its place (its one trial is claimed when the request is sent)", () => {
    const plan = planRoute(snapshot({ circuits: { eu: "half-open" } }), get(), PARIS);
    expect(ids(plan)).toEqual(["eu", "us", "ap"]);
    expect(plan.passedOver).toEqual([]);
  });

  it("with every circuit open, every region is still tried, nearest first", () => {
    const circuits: Record<string, Circuit> = { us: "open", eu: "open", ap: "open" };
    const plan = planRoute(snapshot({ circuits }), get(), TOKYO);
    expect(ids(plan)).toEqual(["ap", "eu", "us"]);
    expect(plan.passedOver).toEqual(["ap", "eu", "us"]);
  });
});

describe("writes", () => {
  it("active/passive: to the writer from anywhere; without an Idempotency-Key nowhere else", () => {
    for (const place of [NEW_YORK, PARIS, TOKYO]) {
      const plan = planRoute(snapshot(), post(), place);
      expect(ids(plan)).toEqual(["us"]);
      expect(plan.retriable).toBe(false);
    }
  });

  it("active/passive: a keyed write may fail over to the others, nearest first", () => {
    const plan = planRoute(snapshot(), post({ "Idempotency-Key": "order-1" }), TOKYO);
    expect(ids(plan)).toEqual(["us", "ap", "eu"]);
    expect(plan.retriable).toBe(true);
  });

  it("active/passive: follows the writer a promotion moved", () => {
    expect(ids(planRoute(snapshot({ writer: "eu" }), post(), NEW_YORK))).toEqual(["eu"]);
  });

  it("active/passive with an open writer: still the writer (as a last resort) for an unkeyed write", () => {
    const plan = planRoute(snapshot({ circuits: { us: "open" } }), post(), PARIS);
    expect(ids(plan)).toEqual(["us"]);
    const keyed = planRoute(
      snapshot({ circuits: { us: "open" } }),
      post({ "idempotency-key": "k" }),
      PARIS,
    );
    expect(ids(keyed)).toEqual(["eu", "ap", "us"]);
    expect(keyed.passedOver).toEqual(["us"]);
  });

  it("active/passive with no known writer: nearest", () => {
    expect(ids(planRoute(snapshot({ writer: null }), post(), PARIS))).toEqual(["eu", "us", "ap"]);
  });

  it("active/active: nearest, like a read", () => {
    const plan = planRoute(snapshot({ mode: "active-active" }), post(), TOKYO);
    expect(ids(plan)).toEqual(["ap", "eu", "us"]);
    expect(plan.retriable).toBe(false);
  });
});

describe("read-your-writes", () => {
  const written = token(5_000, "us");

  it("a token goes only to regions that have applied it (the origin always has)", () => {
    const plan = planRoute(snapshot(), get({ "memoria-sync-token": written }), PARIS);
    expect(ids(plan)).toEqual(["us"]);
  });

  it("a region whose watermark reached the token qualifies, nearest first", () => {
    const applied = { eu: { us: token(5_000, "us") }, ap: { us: token(4_999, "us") } };
    const plan = planRoute(snapshot({ applied }), get({ "memoria-sync-token": written }), PARIS);
    expect(ids(plan)).toEqual(["eu", "us"]);
  });

  it("no region that has applied it: 503 with Retry-After", () => {
    const plan = () =>
      planRoute(snapshot({ disabled: ["us"] }), get({ "memoria-sync-token": written }), PARIS);
    expect(plan).toThrow(ProblemError);
    try {
      plan();
    } catch (error) {
      expect((error as ProblemError).problem.status).toBe(503);
      expect((error as ProblemError).headers).toMatchObject({ "retry-after": "1" });
    }
  });

  it("an invalid token: 400 naming the header", () => {
    try {
      planRoute(snapshot(), get({ "memoria-sync-token": "yesterday" }), PARIS);
      expect.unreachable();
    } catch (error) {
      expect((error as ProblemError).problem).toMatchObject({
        status: 400,
        errors: [{ field: "Memoria-Sync-Token" }],
      });
    }
  });

  it("a write ignores a token (it is about reads)", () => {
    expect(ids(planRoute(snapshot(), post({ "memoria-sync-token": "x" }), PARIS))).toEqual(["us"]);
  });
});

describe("retriable", () => {
  it("reads and keyed writes may be retried elsewhere; other writes may not", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"])
      expect(isRetriable({ method, headers: new Headers() })).toBe(true);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(isRetriable({ method, headers: new Headers() })).toBe(false);
      expect(isRetriable({ method, headers: new Headers({ "idempotency-key": "k" }) })).toBe(true);
    }
  });
});

describe("replayable at the same region", () => {
  it("what may be retried elsewhere, plus PUT and DELETE (idempotent); never a keyless POST or PATCH", () => {
    const bare = new Headers();
    for (const method of ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
      expect(isReplayable({ method, headers: bare })).toBe(true);
    for (const method of ["POST", "PATCH"]) {
      expect(isReplayable({ method, headers: bare })).toBe(false);
      expect(isReplayable({ method, headers: new Headers({ "idempotency-key": "k" }) })).toBe(true);
    }
  });
});

describe("every plan", () => {
  it("tries each enabled, eligible region once, usable circuits before open ones", () => {
    const circuit = fc.constantFrom<Circuit>("closed", "open", "half-open");
    fc.assert(
      fc.property(
        fc.record({ us: circuit, eu: circuit, ap: circuit }),
        fc.constantFrom("GET", "POST", "DELETE"),
        fc.boolean(),
        fc.constantFrom<RoutingSnapshot["mode"]>("active-passive", "active-active"),
        fc.constantFrom(NEW_YORK, PARIS, TOKYO, {}),
        (circuits, method, keyed, mode, place) => {
          const headers = new Headers(keyed ? { "idempotency-key": "k" } : {});
          const plan = planRoute(snapshot({ circuits, mode }), { method, headers }, place);
          const seen = ids(plan);
          expect(new Set(seen).size).toBe(seen.length);
          const firstOpen = plan.candidates.findIndex((r) => r.circuit === "open");
          if (firstOpen >= 0)
            expect(plan.candidates.slice(firstOpen).every((r) => r.circuit === "open")).toBe(true);
          for (const id of plan.passedOver) expect(circuits[id as "us"]).toBe("open");
          if (plan.retriable || mode === "active-active" || method === "GET")
            expect(seen.length).toBe(3);
          else expect(seen).toEqual(["us"]);
        },
      ),
    );
  });
});

describe("a region that answers but is not ready", () => {
  it("comes after every ready region and before any open circuit, and is named as passed over", () => {
    const plan = planRoute(snapshot({ notReady: ["eu"], circuits: { us: "open" } }), get(), PARIS);
    expect(ids(plan)).toEqual(["ap", "eu", "us"]);
    expect(plan.passedOver).toEqual(["eu", "us"]);
  });

  it("still serves when no region is ready", () => {
    const plan = planRoute(snapshot({ notReady: ["us", "eu", "ap"] }), get(), PARIS);
    expect(ids(plan)).toEqual(["eu", "us", "ap"]);
    expect(plan.passedOver).toEqual([]);
  });

  it("keeps a keyless write on the writer: only the writer may take it", () => {
    const plan = planRoute(snapshot({ notReady: ["us"] }), post(), PARIS);
    expect(ids(plan)).toEqual(["us"]);
  });

  it("does not demote a region a request failed on: its half-open circuit gets the trial", () => {
    const failed = snapshot({ circuits: { eu: "half-open" } });
    const eu = failed.regions.find((r) => r.id === "eu");
    if (eu) Object.assign(eu, { healthy: false, lastError: "connection failed" });
    expect(ids(planRoute(failed, get(), PARIS))).toEqual(["eu", "us", "ap"]);
  });

  it("sends a keyed write to a ready region before a not-ready writer", () => {
    const plan = planRoute(
      snapshot({ notReady: ["us"] }),
      post({ "idempotency-key": "k1" }),
      PARIS,
    );
    expect(ids(plan)).toEqual(["eu", "ap", "us"]);
  });
});
