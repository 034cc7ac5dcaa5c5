import { routeCases } from "@memoria/gateway/local/routes";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import { startRegions } from "./regions.js";

/**
 * Through the router: it forwards credentials unchanged, so every route answers exactly
 * as the region would (401 without or with a wrong key, 403 with the wrong scope), and
 * it keeps seeing the regions as healthy with its probe credential (`auth.monitor_key`).
 */

const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };
let topology: Topology;
let router: RunningRouter;
let readKey: string;

beforeAll(async () => {
  topology = await startRegions("au");
  router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
  });
  await router.scheduled();
  const made = await router.fetch("/admin/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scopes: ["read"] }),
    cf: NEW_YORK,
  });
  expect(made.status).toBe(201);
  readKey = ((await made.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

describe("credentials through the router", () => {
  it("probes the regions as healthy with the monitor key", async () => {
    const snapshot = (await (await router.fetch("/router/health")).json()) as {
      regions: Array<{ id: string; healthy: boolean }>;
    };
    expect(snapshot.regions.map((r) => [r.id, r.healthy])).toEqual([
      ["region-a", true],
      ["region-b", true],
    ]);
  });

  it("a router without the monitor key says which secret it lacks", async () => {
    const bare = await startRouter({
      regions: topology.regionTable,
      apiKey: topology.apiKey,
    });
    try {
      await bare.scheduled();
      const snapshot = (await (await bare.fetch("/router/health")).json()) as {
        regions: Array<{ id: string; healthy: boolean; lastError: string | null }>;
      };
      for (const region of snapshot.regions) {
        expect(region.healthy).toBe(false);
        expect(region.lastError).toMatch(/MEMORIA_AUTH__MONITOR_KEY/);
      }
    } finally {
      await bare.stop();
    }
  });

  it("every route: 401 without or with a wrong key, 403 with the wrong scope, through with the right one", async () => {
    // The router answers /metrics itself (its own metrics; test/dashboards.test.ts).
    const proxied = routeCases().filter((c) => c.need !== "public" && c.path !== "/metrics");
    for (const route of proxied) {
      const send = (headers: Record<string, string>, anonymous = false) =>
        router.fetch(route.path, {
          method: route.method,
          anonymous,
          cf: NEW_YORK,
          headers: { ...headers, ...(route.json ? { "content-type": "application/json" } : {}) },
          ...(route.json ? { body: JSON.stringify(route.json) } : {}),
        });
      const none = await send({}, true);
      expect(none.status, `${route.method} ${route.path}`).toBe(401);
      expect(none.headers.get("content-type")).toBe("application/problem+json");
      const wrongKey = await send({ authorization: "Bearer mem_wrongwrongwrong" });
      expect(wrongKey.status).toBe(401);
      const scoped = await send({ "x-api-key": readKey });
      // A right key gets past auth (a 404 for an id that exists nowhere is the route's own answer).
      if (route.need === "read" || route.need === "monitor")
        expect([401, 403], `${route.method} ${route.path}`).not.toContain(scoped.status);
      else expect(scoped.status, `${route.method} ${route.path}`).toBe(403);
    }
  });

  it("the status page needs no credential and shows no memory", async () => {
    const response = await router.fetch("/status", { anonymous: true });
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain(topology.apiKey);
  });
});
