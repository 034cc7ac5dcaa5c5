/**
 * The router's cost and its failover speed, on this machine, in one run:
 * - the floor first: INSERT + NOTIFY then SELECT through the local Neon endpoint (what
 *   one region's store costs at best), so each latency also reads as a multiple of it;
 * - added latency: GET /memory/:id and POST /memory straight to region-a vs the same
 *   through the router, interleaved, p50/p99 of each (`bench/latency.ts`);
 * - load: autocannon, GET /memory/:id at `BENCH_LOAD_CONNECTIONS` connections for
 *   `BENCH_LOAD_S` seconds, straight to region-a, then through the router (`bench/load.ts`);
 * - failover: region-a stopped; time to the first answer served by region-b.
 */
import { bundleGateway } from "@memoria/gateway/local/bundle";
import { startTopology, type Topology } from "@memoria/gateway/local/topology";
import { startLocalServices } from "@memoria/local-services";
import { deleteKeys, dropSchemas, topologyLeftovers } from "../../../test/bench/cleanup.js";
import { postgresFloor } from "../../../test/bench/floor.js";
import { writeResults } from "../../../test/bench/results.js";
import { multiples } from "../../../test/bench/stats.js";
import { failover } from "./bench/failover.js";
import { interleaved, timed } from "./bench/latency.js";
import { loadRun } from "./bench/load.js";
import { bundleRouter, startRouter } from "./router.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const FLOOR_TRIES = Number(process.env.BENCH_FLOOR_TRIES ?? 300);
const LOAD_S = Number(process.env.BENCH_LOAD_S ?? 20);
const LOAD_CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 50);

const services = await startLocalServices({
  redisUrl: process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  postgresUrl: process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
});
const { upstash, neon, postgres } = services;
if (!upstash || !neon || !postgres) throw new Error("local services incomplete");

/** One memory in region-a, waited for in region-b (bounded), for the reads and the failover. */
async function seedMemory(topology: Topology): Promise<string> {
  const [a, b] = [topology.region("region-a"), topology.region("region-b")];
  const created = await fetch(`${a.url}/memory`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": topology.apiKey },
    body: JSON.stringify({ text: "bench", y: 5 }),
  });
  const { memory } = (await created.json()) as { memory: { id: string } };
  for (let i = 0; i < 200; i++) {
    const inB = await fetch(`${b.url}/memory/${memory.id}`, {
      headers: { "x-api-key": topology.apiKey },
    });
    await inB.arrayBuffer();
    if (inB.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return memory.id;
}

/**
 * After a load run: requests autocannon left in flight inside the router finish first
 * (else they fail over with the stop and slow the failover being timed).
 */
async function settle(routerUrl: string, apiKey: string, memoryId: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  for (let i = 0; i < 20; i++) await timed(`${routerUrl}/memory/${memoryId}`, apiKey);
}

const floor = await postgresFloor(neon, postgres.url, FLOOR_TRIES);
console.log(`floor: ${JSON.stringify({ postgres: floor })}`);
await Promise.all([bundleGateway(), bundleRouter()]);
const id = `br${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
const topology = await startTopology({
  backend: "redis",
  endpoints: { upstash, neon, postgresUrl: postgres.url },
  id,
  apiKey: "bench-api-key-0123456789abcdef",
  signingKeys: { k1: "bench-signing-key-0123456789abcdef-0001" },
});
const router = await startRouter({
  regions: topology.regionTable,
  apiKey: topology.apiKey,
  monitorKey: topology.monitorKey,
  vars: { MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "5000", MEMORIA_ROUTER__PROBE_INTERVAL_MS: "1000" },
});
try {
  const memoryId = await seedMemory(topology);
  await router.scheduled();
  const urls = { direct: topology.region("region-a").url, router: router.url };
  const latency = await interleaved(urls, topology.apiKey, memoryId, REQUESTS);
  const x = (of: typeof latency.get) => ({
    direct: multiples(of.direct_ms, floor),
    router: multiples(of.router_ms, floor),
  });
  const sequential = {
    requests: REQUESTS,
    get: { ...latency.get, x_floor: x(latency.get) },
    write: { ...latency.write, x_floor: x(latency.write) },
  };
  console.log(`sequential: ${JSON.stringify(sequential)}`);
  const load = { seconds: LOAD_S, connections: LOAD_CONNECTIONS };
  const loaded = {
    ...load,
    direct: await loadRun(`${urls.direct}/memory/${memoryId}`, topology.apiKey, load),
    router: await loadRun(`${urls.router}/memory/${memoryId}`, topology.apiKey, load),
  };
  console.log(`load (autocannon, GET /memory/:id): ${JSON.stringify(loaded)}`);
  await settle(router.url, topology.apiKey, memoryId);
  const failed = await failover(topology, router.url, memoryId);
  console.log(`failover: ${JSON.stringify(failed)}`);
  const body = { floor: { postgres: floor }, ...sequential, load: loaded, failover: failed };
  console.log(`written ${await writeResults("router", body)}`);
} finally {
  await router.stop();
  await topology.stop();
  const leftovers = topologyLeftovers(topology);
  await dropSchemas(neon, postgres.url, leftovers.schemas).catch(() => undefined);
  await deleteKeys(upstash, leftovers.keys).catch(() => undefined);
  await services.stop();
}
