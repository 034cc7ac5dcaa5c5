/**
 * `pnpm start`: the two-region demo on embedded defaults. Private Redis and PostgreSQL
 * (started in temp dirs by the local-services launcher), the Upstash and Neon endpoints
 * in front of them, two gateways in workerd — region-a (writer, full band) and region-b
 * (band 0..12), synced over Redis Streams (or `--backend postgres`) — and the edge router
 * in front of both. Cron triggers fire every minute as they would on Cloudflare. Ctrl-C
 * stops everything.
 */
import { parseArgs } from "node:util";
import { bundleGateway } from "@memoria/gateway/local/bundle";
import type { RunningRegion } from "@memoria/gateway/local/region";
import { startTopology } from "@memoria/gateway/local/topology";
import { startLocalServices } from "@memoria/local-services";
import { SYNC_BACKENDS } from "@memoria/sync-core";
import { bundleRouter, type RunningRouter, startRouter } from "./router.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "redis" },
    "port-a": { type: "string", default: "8701" },
    "port-b": { type: "string", default: "8702" },
    "port-router": { type: "string", default: "8700" },
  },
});
const backend = SYNC_BACKENDS.find((name) => name === values.backend);
if (backend === undefined) {
  console.error(`--backend must be one of ${SYNC_BACKENDS.join(", ")}`);
  process.exit(2);
}

/** Demo-only credentials, printed below; never use them anywhere else. */
const DEMO = {
  apiKey: "demo-api-key-change-me-0001",
  signingKeys: { k1: "demo-signing-key-not-secret-0123456789" },
  namespace: "demo",
};

const log = (line: string) => console.log(`[demo] ${line}`);
const services = await startLocalServices({ log: (line) => log(line) });
const regions: RunningRegion[] = [];
let router: RunningRouter | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log("stopping…");
    await router?.stop();
    await Promise.allSettled(regions.map((region) => region.stop()));
    await services.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(130));
process.on("SIGTERM", () => void stop(143));

try {
  const { upstash, neon, postgres } = services;
  if (!upstash || !neon || !postgres) throw new Error("local services incomplete");
  await Promise.all([bundleGateway(), bundleRouter()]);
  const topology = await startTopology({
    backend,
    endpoints: { upstash, neon, postgresUrl: postgres.url },
    id: "demo",
    namespace: DEMO.namespace,
    apiKey: DEMO.apiKey,
    signingKeys: DEMO.signingKeys,
    ports: { a: Number(values["port-a"]), b: Number(values["port-b"]) },
  });
  regions.push(topology.a, topology.b);
  router = await startRouter({
    port: Number(values["port-router"]),
    regions: JSON.parse(topology.vars.a.MEMORIA_REGIONS as string),
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
  });
  // Cloudflare runs the cron; here we do, once now and then every minute.
  const tick = () =>
    Promise.allSettled([
      ...regions.map((region) => region.scheduled("* * * * *")),
      router?.scheduled(),
    ]);
  await tick();
  setInterval(() => void tick(), 60_000).unref();

  const [a, b] = regions as [RunningRegion, RunningRegion];
  const edge = router as RunningRouter;
  const clientKey = await demoClientKey(a.url);
  console.log(`
Memoria Edge — two regions on ${backend} behind the edge router, running until Ctrl-C

  edge router (send clients here)  ${edge.url}
  status page                      ${edge.url}/status
  region-a (writer, band -15..15)  ${a.url}
  region-b (reader, band 0..12)    ${b.url}
  root admin key (MEMORIA_API_KEY)  ${DEMO.apiKey}
  client key (read, write)         ${clientKey}   (made with POST /admin/keys; shown once)

Every route but /healthz needs a key (X-API-Key or Authorization: Bearer). Try:
  curl -si -X POST ${edge.url}/memory -H 'x-api-key: ${clientKey}' -H 'content-type: application/json' -d '{"text":"the sky is blue","y":5}'
  curl -s ${b.url}/memory -H 'authorization: Bearer ${clientKey}'
  curl -s ${b.url}/health/sync -H 'x-api-key: ${clientKey}'
  curl -s ${a.url}/metrics -H 'x-api-key: ${topology.monitorKey}'
  curl -s ${a.url}/admin/keys -H 'x-api-key: ${DEMO.apiKey}'
  curl -s -X PATCH ${b.url}/settings -H 'x-api-key: ${DEMO.apiKey}' -H 'content-type: application/json' -d '{"sync.privacy_floor": -15}'
`);
  await new Promise(() => undefined);
} catch (error) {
  console.error(`[demo] failed: ${(error as Error).message}`);
  await stop(1);
}

/** A read+write key for the curl lines, made in region-a (it reaches region-b within a sync cycle). */
async function demoClientKey(regionA: string): Promise<string> {
  const response = await fetch(`${regionA}/admin/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": DEMO.apiKey },
    body: JSON.stringify({ scopes: ["read", "write"], name: "demo client" }),
  });
  if (response.status !== 201) throw new Error(`could not make a demo key: ${response.status}`);
  return ((await response.json()) as { secret: string }).secret;
}
