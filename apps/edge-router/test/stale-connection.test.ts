import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import type { RouterSnapshot } from "../src/snapshot.js";
import { type ClosingRegion, startClosingRegion } from "./closing-region.js";
import "./provided.js";

/**
 * The router against one region that resets a connection after refusing a request on it
 * (closing-region.ts): the router's next request on that pooled connection fails before
 * any answer. It must be sent again on another connection, not counted against the region,
 * and never sent twice when the region may have applied it.
 */

let region: ClosingRegion;
let router: RunningRouter;

beforeAll(async () => {
  region = await startClosingRegion("region-node");
  router = await startRouter({
    regions: [{ id: "region-node", url: region.url, lat: 40.7, lon: -74.0, role: "writer" }],
    // The test, not the prober, drives the circuit.
    vars: {
      MEMORIA_ROUTER__PROBE_INTERVAL_MS: "600000",
      MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "600000",
    },
  });
  await router.scheduled();
});
afterAll(async () => {
  await router?.stop();
  await region?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function snapshot(): Promise<RouterSnapshot> {
  return (await (await router.fetch("/router/health")).json()) as RouterSnapshot;
}

/** A request the region refuses without reading its body; it then resets the connection. */
async function refused(kind: number): Promise<number> {
  const body = JSON.stringify({ text: "r".repeat(4_000), y: 1 });
  const keyed: Record<string, string> =
    kind % 2 === 0 ? { "idempotency-key": `refused-${kind}` } : {};
  const response =
    kind % 3 === 0
      ? await router.fetch("/nowhere", { method: "POST", body, headers: keyed })
      : await router.fetch("/memory", {
          method: "POST",
          body,
          headers: { "content-type": "text/plain", ...keyed },
        });
  await response.arrayBuffer();
  // The region resets the connection 5 ms after its answer; the router still pools it.
  await pause(30);
  return response.status;
}

describe("a connection the region closed while the router pooled it", () => {
  it("sends the request again on a new connection; nothing is lost, doubled or charged", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(await refused(i));
      const text = `good ${i}`;
      const response = await router.fetch("/memory", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, y: 1 }),
      });
      expect(response.status, text).toBe(201);
      expect(response.headers.get("x-memoria-failover"), text).toBeNull();
      await response.arrayBuffer();
      // A read (always safe to send again) after a refusal as well.
      await refused(i + 1);
      const read = await router.fetch("/memory?limit=1");
      expect(read.status).toBe(200);
      await read.arrayBuffer();
    }
    expect(new Set(statuses)).toEqual(new Set([404, 415]));
    // Each good write arrived once, each on a connection opened after the refused one's.
    for (let i = 0; i < 20; i++) {
      expect(region.stored.filter((t) => t === `good ${i}`)).toHaveLength(1);
    }
    // Every refusal cost the region's end of a connection: the router had to open new ones.
    expect(region.connections()).toBeGreaterThanOrEqual(40);
    const state = await snapshot();
    expect(state.regions.map((r) => [r.id, r.circuit, r.lastError])).toEqual([
      ["region-node", "closed", null],
    ]);
    expect(state.failovers).toEqual([]);
  });

  it("never sends a keyless write again once the region had all of it", async () => {
    const response = await router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "vanish once", y: 1 }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toContain("may or may not have been applied");
    // Stored once by the region, not again by a resend.
    expect(region.stored.filter((t) => t === "vanish once")).toHaveLength(1);
    // A region that takes a request and drops the connection did fail: it is charged.
    for (let i = 0; i < 100 && (await snapshot()).regions[0]?.circuit !== "open"; i++)
      await pause(50);
    expect((await snapshot()).regions[0]?.circuit).toBe("open");
  });
});
