/**
 * The router's cost and its failover speed, on this machine, in one run:
 * - added latency: GET /memory/:id straight to region-a vs the same through the router
 *   (a New York client, so it routes to region-a), interleaved, p50/p99 of each;
 * - failover: region-a is stopped, and requests are sent back to back; the time from the
 *   stop to the first answer served by region-b.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleGateway } from "@memoria/gateway/local/bundle";
import { startTopology } from "@memoria/gateway/local/topology";
import { startLocalServices } from "@memoria/local-services";
import { bundleRouter, startRouter } from "./router.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
}
const round = (value: number) => Math.round(value * 100) / 100;

async function timed(url: string): Promise<{ ms: number; region: string | null; status: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { "x-api-key": topology.apiKey } });
  await response.arrayBuffer();
  return {
    ms: performance.now() - started,
    region: response.headers.get("x-memoria-region"),
    status: response.status,
  };
}

const services = await startLocalServices({
  redisUrl: process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  postgresUrl: process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
});
const { upstash, neon, postgres } = services;
if (!upstash || !neon || !postgres) throw new Error("local services incomplete");
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
  regions: JSON.parse(topology.vars.a.MEMORIA_REGIONS as string),
  apiKey: topology.apiKey,
  monitorKey: topology.monitorKey,
  vars: { MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "5000", MEMORIA_ROUTER__PROBE_INTERVAL_MS: "1000" },
});
try {
  const created = await fetch(`${topology.a.url}/memory`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": topology.apiKey },
    body: JSON.stringify({ text: "bench", y: 5 }),
  });
  const { memory } = (await created.json()) as { memory: { id: string } };
  for (let i = 0; i < 200; i++) {
    if (
      (
        await fetch(`${topology.b.url}/memory/${memory.id}`, {
          headers: { "x-api-key": topology.apiKey },
        })
      ).status === 200
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await router.scheduled();
  const direct: number[] = [];
  const routed: number[] = [];
  for (let i = 0; i < 50; i++) {
    await timed(`${topology.a.url}/memory/${memory.id}`);
    await timed(`${router.url}/memory/${memory.id}`);
  }
  for (let i = 0; i < REQUESTS; i++) {
    const a = await timed(`${topology.a.url}/memory/${memory.id}`);
    const r = await timed(`${router.url}/memory/${memory.id}`);
    if (a.status !== 200 || r.status !== 200 || r.region !== "region-a")
      throw new Error(`unexpected answer: ${JSON.stringify({ a, r })}`);
    direct.push(a.ms);
    routed.push(r.ms);
  }
  const stoppedAt = performance.now();
  await topology.a.stop();
  const afterStop = performance.now() - stoppedAt;
  let firstElsewhereMs: number | undefined;
  let firstRequestMs: number | undefined;
  for (let i = 0; i < 1_000 && firstElsewhereMs === undefined; i++) {
    const r = await timed(`${router.url}/memory/${memory.id}`);
    if (r.status === 200 && r.region === "region-b") {
      firstElsewhereMs = performance.now() - stoppedAt;
      firstRequestMs = r.ms;
    }
  }
  const results = {
    requests: REQUESTS,
    direct_ms: { p50: round(percentile(direct, 50)), p99: round(percentile(direct, 99)) },
    router_ms: { p50: round(percentile(routed, 50)), p99: round(percentile(routed, 99)) },
    added_ms: {
      p50: round(percentile(routed, 50) - percentile(direct, 50)),
      p99: round(percentile(routed, 99) - percentile(direct, 99)),
    },
    failover: {
      region_stop_took_ms: round(afterStop),
      first_served_elsewhere_after_stop_ms:
        firstElsewhereMs === undefined ? null : round(firstElsewhereMs),
      that_request_took_ms: firstRequestMs === undefined ? null : round(firstRequestMs),
    },
  };
  console.log(JSON.stringify(results, null, 2));
  const dir = fileURLToPath(new URL("../../../test/bench/results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}router-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
} finally {
  await router.stop();
  await topology.stop();
  await services.stop();
}
