import { freePortOnLoopback } from "@memoria/gateway/local/ports";
import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import type { RouterSnapshot } from "../src/snapshot.js";
import { startRegions } from "./regions.js";

/**
 * The circuit breaker, against a region that is simply not there (a closed loopback port)
 * and a real gateway behind it: open on failure, skip while open, then exactly one trial.
 */

let topology: Topology;
let b: RunningRegion;
let router: RunningRouter;
const NEW_YORK = { latitude: "40.71", longitude: "-74.01" };
const COOLDOWN_MS = 4_000;

beforeAll(async () => {
  topology = await startRegions("bk");
  b = topology.region("region-b");
  const deadPort = await freePortOnLoopback();
  router = await startRouter({
    regions: [
      {
        id: "region-dead",
        url: `http://127.0.0.1:${deadPort}`,
        lat: 40.7,
        lon: -74.0,
        continent: "NA",
      },
      {
        id: "region-b",
        url: b.url,
        lat: 53.35,
        lon: -6.26,
        continent: "EU",
        role: "writer",
      },
    ],
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    // Probes rarely, so the test, not the prober, drives the circuit; a cool-down long
    // enough that the "still open" checks finish inside it on a loaded machine.
    vars: {
      MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      MEMORIA_ROUTER__PROBE_INTERVAL_MS: "600000",
    },
  });
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

async function failovers(): Promise<number> {
  const snapshot = (await (await router.fetch("/router/health")).json()) as RouterSnapshot;
  return snapshot.failovers.length;
}

it("opens on a failure, stays open through the cool-down, then lets exactly one trial through", async () => {
  const first = await router.fetch("/memory?limit=1", { cf: NEW_YORK });
  expect(first.status).toBe(200);
  expect(first.headers.get("x-memoria-region")).toBe("region-b");
  expect(first.headers.get("x-memoria-failover")).toBe("region-dead");
  await new Promise((resolve) => setTimeout(resolve, 700)); // the snapshot cache expires
  const afterFirst = await failovers();
  expect(afterFirst).toBe(1);

  // Open: passed over without trying it (no new failover event), still reported in the header.
  for (let i = 0; i < 5; i++) {
    const response = await router.fetch("/memory?limit=1", { cf: NEW_YORK });
    expect(response.headers.get("x-memoria-region")).toBe("region-b");
    expect(response.headers.get("x-memoria-failover")).toBe("region-dead");
  }
  expect(await failovers()).toBe(afterFirst);
  const snapshot = (await (await router.fetch("/router/health")).json()) as RouterSnapshot;
  expect(snapshot.regions.find((r) => r.id === "region-dead")).toMatchObject({
    circuit: "open",
    healthy: false,
  });

  // Half-open: of many requests at once, one tries the region; all are still served.
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
  const burst = await Promise.all(
    Array.from({ length: 6 }, () => router.fetch("/memory?limit=1", { cf: NEW_YORK })),
  );
  expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  expect(await failovers()).toBe(afterFirst + 1);
});

it("hands out one trial per half-open circuit however many isolates ask at once", async () => {
  // The health object itself, as every router isolate reaches it.
  const namespace = await router.mf.getDurableObjectNamespace("HEALTH");
  const health = namespace.get(namespace.idFromName("global")) as unknown as {
    reportFailure(region: string, reason: string): Promise<void>;
    claimTrial(region: string): Promise<boolean>;
  };
  await health.reportFailure("region-dead", "test");
  expect(await health.claimTrial("region-dead")).toBe(false); // still cooling down
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
  const grants = await Promise.all(
    Array.from({ length: 8 }, () => health.claimTrial("region-dead")),
  );
  expect(grants.filter(Boolean)).toHaveLength(1);
  expect(await health.claimTrial("region-b")).toBe(true); // a closed circuit needs no trial
});
