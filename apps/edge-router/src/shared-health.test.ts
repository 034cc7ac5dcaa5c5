import { describe, expect, it } from "vitest";
import { NOT_READY } from "./region-state.js";
import { SNAPSHOT_MAX_AGE_MS, SNAPSHOT_TTL_MS, SnapshotCache } from "./shared-health.js";
import type { RegionView, RoutingSnapshot } from "./snapshot.js";

/** The isolate's copy of the health object's state, on a clock the test moves. */

function region(id: string, changes: Partial<RegionView> = {}): RegionView {
  return {
    id,
    url: `https://${id}.example`,
    lat: 0,
    lon: 0,
    role: "reader",
    writerToken: null,
    enabled: true,
    healthy: true,
    circuit: "closed",
    openedAt: null,
    lastProbeAt: null,
    lastError: null,
    lagEvents: null,
    lagSeconds: null,
    leader: null,
    applied: {},
    ...changes,
  };
}

/** The object's side: each load answers a new snapshot, numbered. */
function objectAt(regions: () => RegionView[]) {
  let loads = 0;
  const load = async (): Promise<RoutingSnapshot> => {
    loads += 1;
    return {
      generatedAt: String(loads),
      mode: "active-passive",
      writer: null,
      regions: regions(),
    };
  };
  return { load, loads: () => loads };
}

function setup(regions: () => RegionView[] = () => [region("region-a")]) {
  let now = 1_000;
  const cache = new SnapshotCache(() => now);
  const object = objectAt(regions);
  const background: Array<Promise<unknown>> = [];
  const get = () => cache.get(object.load, (promise) => background.push(promise));
  return {
    cache,
    object,
    get,
    background,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("the isolate's copy of the shared health state", () => {
  it("is read from the object once, then used as is within the TTL", async () => {
    const { get, object, advance, background } = setup();
    expect((await get()).generatedAt).toBe("1");
    advance(SNAPSHOT_TTL_MS - 1);
    expect((await get()).generatedAt).toBe("1");
    expect(object.loads()).toBe(1);
    expect(background).toHaveLength(0);
  });

  it("past the TTL: answers from the copy while one refresh runs after the response", async () => {
    const { get, object, advance, background } = setup();
    await get();
    advance(SNAPSHOT_TTL_MS);
    // Two requests at once: both answered from the copy, one refresh between them.
    const answers = await Promise.all([get(), get()]);
    expect(answers.map((snapshot) => snapshot.generatedAt)).toEqual(["1", "1"]);
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect(object.loads()).toBe(2);
    expect((await get()).generatedAt).toBe("2");
  });

  it("past the max age: the request waits for a fresh copy", async () => {
    const { get, object, advance, background } = setup();
    await get();
    advance(SNAPSHOT_MAX_AGE_MS);
    expect((await get()).generatedAt).toBe("2");
    expect(object.loads()).toBe(2);
    expect(background).toHaveLength(0);
  });

  it("keeps a region this isolate charged open until the object has heard of it", async () => {
    let circuitInObject: RegionView["circuit"] = "closed";
    const { cache, get, advance, background } = setup(() => [
      region("region-a", { circuit: circuitInObject }),
    ]);
    await get();
    let reportArrived: () => void = () => undefined;
    const report = new Promise<void>((resolve) => {
      reportArrived = resolve;
    });
    cache.mark("region-a", "open", report);
    expect((await get()).regions[0]).toMatchObject({ circuit: "open", healthy: false });
    // A refresh read before the report arrived: the mark stays over it.
    advance(SNAPSHOT_TTL_MS);
    await get();
    await Promise.all(background.splice(0));
    expect((await get()).regions[0]?.circuit).toBe("open");
    // The report arrived; a copy read after that is the object's own word.
    circuitInObject = "half-open";
    reportArrived();
    await report;
    advance(SNAPSHOT_TTL_MS);
    await get();
    await Promise.all(background.splice(0));
    expect((await get()).regions[0]?.circuit).toBe("half-open");
  });

  it("marks a region that answered again closed, but leaves readiness to the probe", async () => {
    const { cache, get } = setup(() => [
      region("region-a", { circuit: "half-open", healthy: false, lastError: "HTTP 503" }),
      region("region-b", { circuit: "half-open", healthy: false, lastError: NOT_READY }),
    ]);
    await get();
    cache.mark("region-a", "closed", Promise.resolve());
    cache.mark("region-b", "closed", Promise.resolve());
    const [a, b] = (await get()).regions;
    expect(a).toMatchObject({ circuit: "closed", healthy: true });
    expect(b).toMatchObject({ circuit: "closed", healthy: false });
  });
});
