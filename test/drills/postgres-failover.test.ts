import { type RunningRouter, startRouter } from "@memoria/edge-router/local/router";
import type { RunningRegion } from "@memoria/gateway/local/region";
import { regionsWith, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import "../integration/support.js";
import { drillClient, eventually, type Memory } from "./support.js";

/**
 * The playbook's PostgreSQL drill, automated on the journal transport: health check;
 * the writer region goes down; promote the standby; clients keep writing through the
 * router; replay the backlog with catch-up --since (nothing applied twice); tighten the
 * standby's privacy floor while it is authoritative; bring the old writer back, which
 * catches up. Then audit: nothing lost, nothing outside a band stored.
 */

const API_KEY = "pg-drill-api-key-0123456789abcd";
const { fetch, post: postTo, memoryIds: ids } = drillClient(API_KEY);
let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;

beforeAll(async () => {
  const services = inject("localServices");
  topology = await startTopology({
    backend: "postgres",
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `dp${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: { k1: "pg-drill-signing-key-0123456789abcdef" },
    regions: regionsWith({ "region-b": { band: { floor: -5, ceiling: 15 } } }),
  });
  a = topology.region("region-a");
  b = topology.region("region-b");
  router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    vars: { MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "1000" },
  });
  await Promise.all([a.scheduled(), b.scheduled()]);
  await router.scheduled();
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

it("runs the PostgreSQL failover drill: promote, replay, tighten, reinstate", async () => {
  // 1. Health check (smoke --topology postgres).
  for (const region of [a, b]) {
    const health = (await (await fetch(`${region.url}/health/sync`)).json()) as {
      backend: string;
      ready: boolean;
    };
    expect(health).toMatchObject({ backend: "postgres", ready: true });
  }
  const since = new Date().toISOString();
  const before = await postTo(router.url, { text: "research note", y: -3 });
  expect(before.region).toBe("region-a");
  await eventually(async () => ((await ids(b.url)).has(before.memory.id) ? true : undefined));

  // 2. The writer goes down.
  await a.stop();

  // 3. Promote the standby; the router sends writes there.
  expect(
    (
      await fetch(`${b.url}/admin/promote`, {
        method: "POST",
        headers: { "x-api-key": API_KEY },
      })
    ).status,
  ).toBe(200);
  await router.scheduled();
  const during = await eventually(async () => {
    const result = await postTo(
      router.url,
      { text: "written while A is down", y: 2 },
      "drill-write-1",
    );
    return result.status === 201 ? result : undefined;
  });
  expect(during.region).toBe("region-b");

  // 5. Replay the backlog (memoria sync catch-up --since): everything already applied, nothing twice.
  const catchUp = await fetch(`${b.url}/sync/catch-up`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": API_KEY },
    body: JSON.stringify({ since }),
  });
  expect(catchUp.status).toBe(200);
  expect(await catchUp.json()).toMatchObject({ applied: 0 });

  // 6. Downgrade privacy while B is authoritative: only public context from now on.
  const tighten = await fetch(`${b.url}/settings`, {
    method: "PATCH",
    headers: { "content-type": "application/json", "x-api-key": API_KEY },
    body: JSON.stringify({ "sync.privacy_floor": 0 }),
  });
  expect(tighten.status).toBe(200);
  expect(await tighten.json()).toMatchObject({ redacted: 1 });

  // The old writer returns (same store, same port) and catches up with what B took.
  a = await topology.restart("region-a");
  await eventually(async () => {
    await Promise.all([a.scheduled(), b.scheduled()]);
    return (await ids(a.url)).has(during.memory.id) ? true : undefined;
  });
  // A write of y=-3 in A now stays out of B (B's floor is 0); a public one crosses.
  const semiPrivate = await fetch(`${a.url}/memory`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "semi-private after the drill", y: -3 }),
  });
  const publicNote = await fetch(`${a.url}/memory`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "public after the drill", y: 4 }),
  });
  const semiId = ((await semiPrivate.json()) as { memory: Memory }).memory.id;
  const publicId = ((await publicNote.json()) as { memory: Memory }).memory.id;
  await eventually(async () => ((await ids(b.url)).has(publicId) ? true : undefined));
  expect((await ids(b.url)).has(semiId)).toBe(false);
  // The research note from before (y=-3) was allowed under the old floor; the tightened
  // floor took B's copy away too, while A, its origin, keeps it.
  expect((await ids(b.url)).has(before.memory.id)).toBe(false);
  expect((await ids(a.url)).has(before.memory.id)).toBe(true);
  const health = (await (await fetch(`${b.url}/health/sync`)).json()) as {
    role: string;
    band: { floor: number };
  };
  expect(health).toMatchObject({ role: "writer", band: { floor: 0 } });
});
