import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import type { RouterSnapshot } from "../src/snapshot.js";
import { startRegions } from "./regions.js";

/**
 * Real gateways in workerd behind the router. A gateway that refuses a request without
 * reading its body (401, 404, 415) may close that connection; a write sent right after
 * must not fail, fail over or open a circuit. (Gateways that read every body first no longer
 * close such connections; stale-connection.test.ts keeps a region that does.) And a request
 * that makes every region answer 500 is the request's fault: it opens no circuit.
 */

let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;
const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };

beforeAll(async () => {
  topology = await startRegions("rf");
  a = topology.region("region-a");
  b = topology.region("region-b");
  router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    // A long cool-down: an open circuit stays open for the rest of the file.
    vars: {
      MEMORIA_ROUTER__PROBE_INTERVAL_MS: "600000",
      MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "600000",
    },
  });
  await router.scheduled();
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

async function snapshot(): Promise<RouterSnapshot> {
  return (await (await router.fetch("/router/health")).json()) as RouterSnapshot;
}

/** SQL on the real PostgreSQL, through the local Neon HTTP endpoint. */
async function sql(query: string): Promise<void> {
  const services = inject("localServices");
  const response = await fetch(services.neon.fetchEndpoint, {
    method: "POST",
    headers: { "neon-connection-string": services.postgresUrl },
    body: JSON.stringify({ query, params: [] }),
  });
  if (!response.ok) throw new Error(`${query}: ${response.status} ${await response.text()}`);
}

/** A request each gateway refuses before reading its body, with or without an Idempotency-Key. */
function refused(i: number): Promise<Response> {
  const body = JSON.stringify({ text: `refused ${i} ${"r".repeat(20_000)}`, y: 1 });
  const headers: Record<string, string> = i % 2 === 0 ? { "idempotency-key": `refused-${i}` } : {};
  switch (i % 3) {
    case 0: // 401: no credential
      return router.fetch("/memory", {
        method: "POST",
        anonymous: true,
        body,
        headers: { ...headers, "content-type": "application/json" },
        cf: NEW_YORK,
      });
    case 1: // 415: not JSON
      return router.fetch("/memory", {
        method: "POST",
        body,
        headers: { ...headers, "content-type": "text/plain" },
        cf: NEW_YORK,
      });
    default: // 404: no such route
      return router.fetch("/no-such-route", {
        method: "POST",
        body,
        headers: { ...headers, "content-type": "application/json" },
        cf: NEW_YORK,
      });
  }
}

describe("refused requests interleaved with writes", () => {
  it("100 alternating requests: no 503, no failover, every circuit closed, every write stored once", async () => {
    const refusals = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const no = await refused(i);
      refusals.add(no.status);
      expect(no.headers.get("x-memoria-failover")).toBeNull();
      await no.arrayBuffer();
      const text = `interleaved ${i}`;
      const yes = await router.fetch("/memory", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, y: 1 }),
        cf: NEW_YORK,
      });
      expect(yes.status, text).toBe(201);
      expect(yes.headers.get("x-memoria-region"), text).toBe("region-a");
      expect(yes.headers.get("x-memoria-failover"), text).toBeNull();
      await yes.arrayBuffer();
    }
    expect(refusals).toEqual(new Set([401, 404, 415]));
    const list = (await (
      await fetch(`${a.url}/memory?limit=200`, {
        headers: { "x-api-key": topology.apiKey },
      })
    ).json()) as { items: Array<{ text: string }> };
    const texts = list.items.map((m) => m.text).filter((t) => t.startsWith("interleaved "));
    expect(texts.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `interleaved ${i}`).sort());
    const state = await snapshot();
    expect(state.regions.map((r) => [r.id, r.circuit])).toEqual([
      ["region-a", "closed"],
      ["region-b", "closed"],
    ]);
    expect(state.failovers).toEqual([]);
  });
});

describe("a request every region answers 500", () => {
  /** Makes the region's store fail any insert of a text starting "poison" (a data-dependent bug). */
  async function poison(schema: string, on: boolean): Promise<void> {
    if (!on) {
      await sql(`drop trigger if exists poison on ${schema}.memories`);
      return;
    }
    await sql(`create or replace function ${schema}.poison() returns trigger language plpgsql as $$
      begin if new.text like 'poison%' then raise exception 'poisoned record'; end if; return new; end $$`);
    await sql(`drop trigger if exists poison on ${schema}.memories`);
    await sql(
      `create trigger poison before insert or update on ${schema}.memories for each row execute function ${schema}.poison()`,
    );
  }

  const poisoned = (key: string) =>
    router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ text: `poison ${key}`, y: 1 }),
      cf: NEW_YORK,
    });

  it("answers the 500 and opens no circuit; a 500 only one region gives still opens its circuit", async () => {
    // Both stores exist (each gateway migrates its own on first use).
    for (const region of [a, b]) {
      const ready = await fetch(`${region.url}/memory?limit=1`, {
        headers: { "x-api-key": topology.apiKey },
      });
      expect(ready.status).toBe(200);
    }
    const schemaA = a.vars.STORE_SCHEMA as string;
    const schemaB = b.vars.STORE_SCHEMA as string;
    await poison(schemaA, true);
    await poison(schemaB, true);
    for (let i = 0; i < 5; i++) {
      const response = await poisoned(`crafted-${i}`);
      expect(response.status).toBeGreaterThanOrEqual(500);
      // Tried at the writer, then at region-b, whose answer (the last) the client gets.
      expect(response.headers.get("x-memoria-region")).toBe("region-b");
      expect(response.headers.get("x-memoria-failover")).toBe("region-a");
      await response.arrayBuffer();
      // And the next request goes to the writer as before: no circuit opened, here or shared.
      const next = await router.fetch("/memory", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: `after crafted ${i}`, y: 1 }),
        cf: NEW_YORK,
      });
      expect(next.status).toBe(201);
      expect(next.headers.get("x-memoria-region")).toBe("region-a");
      await next.arrayBuffer();
    }
    const state = await snapshot();
    expect(state.regions.map((r) => [r.id, r.circuit])).toEqual([
      ["region-a", "closed"],
      ["region-b", "closed"],
    ]);
    expect(state.failovers).toEqual([]);

    // Only region-a's store fails it now: region-b serves it, and region-a is charged.
    await poison(schemaB, false);
    const served = await poisoned("crafted-a-only");
    expect(served.status).toBe(201);
    expect(served.headers.get("x-memoria-region")).toBe("region-b");
    await served.arrayBuffer();
    const deadline = Date.now() + 10_000;
    let after = await snapshot();
    while (after.regions[0]?.circuit !== "open" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await snapshot();
    }
    expect(after.regions.map((r) => [r.id, r.circuit])).toEqual([
      ["region-a", "open"],
      ["region-b", "closed"],
    ]);
    expect(after.regions[0]?.lastError).toBe("HTTP 500");
    await poison(schemaA, false);
  });
});
