import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import type { RouterSnapshot } from "../src/snapshot.js";
import { startRegions } from "./regions.js";

/** A region reached through a service binding instead of a URL: routed, probed and failed over alike. */

let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;

beforeAll(async () => {
  topology = await startRegions("sb");
  a = topology.region("region-a");
  b = topology.region("region-b");
  router = await startRouter({
    regions: [
      {
        id: "region-a",
        url: a.url,
        lat: 39.04,
        lon: -77.49,
        continent: "NA",
        role: "writer",
      },
      { id: "region-b", service: "GATEWAY_B", lat: 53.35, lon: -6.26, continent: "EU" },
    ],
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    serviceBindings: { GATEWAY_B: new URL(b.url).host },
  });
  await router.scheduled();
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

it("routes and probes a region behind a service binding", async () => {
  const response = await router.fetch("/memory?limit=1", {
    cf: { latitude: "48.86", longitude: "2.35" },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-memoria-region")).toBe("region-b");
  const snapshot = (await (await router.fetch("/router/health")).json()) as RouterSnapshot;
  expect(snapshot.regions.find((r) => r.id === "region-b")).toMatchObject({
    url: "service:GATEWAY_B",
    healthy: true,
    circuit: "closed",
  });
  expect(snapshot.regions.find((r) => r.id === "region-b")?.lastProbeAt).not.toBeNull();
});

it("refuses a region whose binding does not exist, naming it", async () => {
  const broken = await startRouter({
    regions: [{ id: "region-x", service: "NOPE", lat: 0, lon: 0 }],
  });
  try {
    const response = await broken.fetch("/memory");
    expect(response.status).toBe(500);
    const body = (await response.json()) as { errors: Array<{ field: string }> };
    expect(body.errors[0]?.field).toBe("regions.region-x.service");
  } finally {
    await broken.stop();
  }
});
