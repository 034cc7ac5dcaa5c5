import { type RunningRouter, startRouter } from "@memoria/edge-router/local/router";
import type { RunningRegion } from "@memoria/gateway/local/region";
import { regionsWith, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { startUpstashEndpoint } from "@memoria/local-services";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import "../integration/support.js";
import { drillClient, eventually, type Memory } from "./support.js";

/**
 * The playbook's Redis Bridge Drill, automated: warm-up check; cut region A off from
 * Redis while clients keep writing; B keeps serving and broadcasting; promote B; bring A
 * back; then audit — nothing acknowledged is lost, nothing private crossed.
 */

const API_KEY = "drill-api-key-0123456789abcdef";
const { fetch, post, memoryIds } = drillClient(API_KEY);
let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;
let endpointA: Awaited<ReturnType<typeof startUpstashEndpoint>>;

beforeAll(async () => {
  const services = inject("localServices");
  // Region A reaches Redis through its own endpoint: closing it is A's network cut.
  endpointA = await startUpstashEndpoint({
    redisUrl: services.redisUrl,
    token: services.upstash.token,
  });
  topology = await startTopology({
    backend: "redis",
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `dr${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: { k1: "drill-signing-key-0123456789abcdef-01" },
    regions: regionsWith({ "region-a": { vars: { MEMORIA_SYNC__CONNECTION_URL: endpointA.url } } }),
    extraVars: { MEMORIA_SYNC__MAX_LAG_SECONDS: "600" },
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
  await endpointA?.close();
});

it("runs the Redis Bridge Drill: no loss, no leak, writer moves and comes back", async () => {
  // 1. Warm-up validation (the smoke test --topology redis): both regions green on redis.
  for (const region of [a, b]) {
    const health = (await (await fetch(`${region.url}/health/sync`)).json()) as {
      backend: string;
      ready: boolean;
      transport: { reachable: boolean };
    };
    expect(health).toMatchObject({ backend: "redis", ready: true, transport: { reachable: true } });
  }
  const acknowledged: Memory[] = [];
  const before = await post(router.url, { text: "before the cut", y: 5 });
  expect(before.region).toBe("region-a");
  acknowledged.push(before.memory as Memory);
  // The sync heartbeat: a write in A shows up in B.
  await eventually(async () =>
    (await fetch(`${b.url}/memory/${before.memory?.id}`)).status === 200 ? true : undefined,
  );

  // 2. Cut region A off from Redis. A still takes writes (its store is up); they wait in its outbox.
  await endpointA.close();
  const duringA = await post(a.url, { text: "written in A during the cut", y: 4 });
  const privateA = await post(a.url, { text: "A's private note during the cut", y: -12 });
  expect(duringA.status).toBe(201);
  expect(privateA.status).toBe(201);
  acknowledged.push(duringA.memory as Memory);
  await eventually(async () =>
    (await fetch(`${a.url}/healthz`)).status === 503 ? true : undefined,
  );

  // 3. B keeps serving and broadcasting.
  const duringB = await post(b.url, { text: "written in B during the cut", y: 6 });
  expect(duringB.status).toBe(201);
  acknowledged.push(duringB.memory as Memory);
  expect((await fetch(`${b.url}/memory/${before.memory?.id}`)).status).toBe(200);

  // 4. Promote B; the router learns it and sends writes there.
  expect(
    (
      await fetch(`${b.url}/admin/promote`, {
        method: "POST",
        headers: { "x-api-key": API_KEY },
      })
    ).status,
  ).toBe(200);
  await router.scheduled();
  const afterPromotion = await eventually(async () => {
    const result = await post(router.url, { text: "written after promoting B", y: 3 });
    return result.status === 201 ? result : undefined;
  });
  expect(afterPromotion.region).toBe("region-b");
  acknowledged.push(afterPromotion.memory as Memory);

  // 5. Reinstate A: its outbox drains, it catches up, both regions are green.
  const port = new URL(endpointA.url).port;
  endpointA = await startUpstashEndpoint({
    redisUrl: inject("localServices").redisUrl,
    token: inject("localServices").upstash.token,
    port: Number(port),
  });
  await eventually(async () => {
    await Promise.all([a.scheduled(), b.scheduled()]);
    const [healthA, healthB] = await Promise.all([
      fetch(`${a.url}/healthz`),
      fetch(`${b.url}/healthz`),
    ]);
    return healthA.status === 200 && healthB.status === 200 ? true : undefined;
  });

  // 6. Audit: every acknowledged (public) write is in both regions; A's private note stayed in A.
  for (const region of [a, b]) {
    const ids = await eventually(async () => {
      const found = await memoryIds(region.url);
      return acknowledged.every((m) => found.has(m.id)) ? found : undefined;
    });
    expect(ids.size).toBeGreaterThanOrEqual(acknowledged.length);
  }
  expect((await memoryIds(b.url)).has(privateA.memory.id)).toBe(false);
  expect((await memoryIds(a.url)).has(privateA.memory.id)).toBe(true);
  // Outside every peer's band, the note never left A (sealed transit): A counts the
  // redaction it sent instead of the content, B holds only that redaction.
  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  expect(metrics).toMatch(
    /^privacy_filtered_events_total\{(?=.*origin="region-a")(?=.*side="publisher").*\} 1$/m,
  );
  const health = (await (await fetch(`${b.url}/health/sync`)).json()) as { role: string };
  expect(health.role).toBe("writer");
});
