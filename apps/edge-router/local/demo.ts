/**
 * `pnpm start`: the multi-region demo on embedded defaults. Private Redis and PostgreSQL
 * (started in temp dirs by the local-services launcher), the Upstash and Neon endpoints
 * in front of them, N gateways in workerd (`--regions`, default 3 of the demo regions:
 * region-a the writer with the full band, the others readers on other continents, each
 * with its own band), synced over Redis Streams (or `--backend postgres`), and the edge
 * router in front of them all. Cron triggers fire every minute as they would on
 * Cloudflare. Ctrl-C stops everything.
 */
import { bundleGateway } from "@memoria/gateway/local/bundle";
import type { RunningRegion } from "@memoria/gateway/local/region";
import { demoRegions, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { startLocalServices } from "@memoria/local-services";
import { CRON_INTERVAL_MS } from "@memoria/sync-core";
import { DEMO_HELP, type DemoArgs, DemoUsageError, parseDemoArgs } from "./demo-args.js";
import { bundleRouter, type RunningRouter, startRouter } from "./router.js";

const args = demoArgs(process.argv.slice(2));
const { backend } = args;

/** Demo-only credentials, printed below; never use them anywhere else. */
const DEMO = {
  apiKey: "demo-api-key-change-me-0001",
  signingKeys: { k1: "demo-signing-key-not-secret-0123456789" },
  namespace: "demo",
};

const log = (line: string) => console.log(`[demo] ${line}`);
/** The headline says "two regions", as the README does. */
const COUNT_WORDS: Record<number, string> = {
  2: "two",
  3: "three",
  4: "four",
  5: "five",
  6: "six",
};
// The demo stops the services itself, after the workers, on SIGINT/SIGTERM (below).
const services = await startLocalServices({ log: (line) => log(line), handleSignals: false });
const regions: RunningRegion[] = [];
let router: RunningRouter | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log("stopping…");
    // Each stop is tried whatever the others did: nothing is left running behind a failure.
    await Promise.allSettled([router?.stop(), ...regions.map((region) => region.stop())]);
    await services.stop().catch((error: Error) => log(`stopping services: ${error.message}`));
  }
  process.exit(code);
}
/**
 * Ctrl-C (or a supervisor's SIGTERM) is how the demo is meant to end: a clean stop, exit 0.
 * Miniflare adds its own exit hook for both signals (kill workerd, exit 130) when a
 * worker starts; it would cut the stop short, so the demo takes the signals back once its
 * workers run. Its `exit` hook stays: workerd is still killed if the process dies anyway.
 */
function ownSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(0));
  }
}
ownSignals();

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
    regions: demoRegions(args.regions).map((spec, i) => ({ ...spec, port: args.ports.regions[i] })),
  });
  regions.push(...topology.regions);
  router = await startRouter({
    port: args.ports.router,
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
  });
  // Cloudflare runs the cron; here we do, once now and then every minute.
  const tick = () =>
    Promise.allSettled([
      ...regions.map((region) => region.scheduled("* * * * *")),
      router?.scheduled(),
    ]);
  ownSignals();
  await tick();
  setInterval(() => void tick(), CRON_INTERVAL_MS).unref();

  const [a, b] = regions as [RunningRegion, RunningRegion];
  const edge = router as RunningRouter;
  const clientKey = await demoClientKey(a.url);
  console.log(`
Memoria Edge — ${COUNT_WORDS[regions.length] ?? regions.length} regions on ${backend} behind the edge router, running until Ctrl-C

${table([
  ["edge router (send clients here)", edge.url],
  ["status page", `${edge.url}/status`],
  ...regionRows(topology),
  ["root admin key (MEMORIA_API_KEY)", DEMO.apiKey],
  ["client key (read, write)", `${clientKey}   (made with POST /admin/keys; shown once)`],
])}

Every route but /healthz, /openapi.json and /docs needs a key (X-API-Key or Authorization: Bearer). Try:
  curl -si -X POST ${edge.url}/memory -H 'x-api-key: ${clientKey}' -H 'content-type: application/json' -d '{"text":"the sky is blue","y":5}'
  curl -s ${b.url}/memory -H 'authorization: Bearer ${clientKey}'
  curl -s ${b.url}/health/sync -H 'x-api-key: ${clientKey}'
  curl -s ${a.url}/metrics -H 'x-api-key: ${topology.monitorKey}'
  curl -s ${a.url}/admin/keys -H 'x-api-key: ${DEMO.apiKey}'
  curl -s ${edge.url}/status -H 'accept: application/json'
`);
  await new Promise(() => undefined);
} catch (error) {
  console.error(`[demo] failed: ${(error as Error).message}`);
  await stop(1);
}

/**
 * One row per region: id, role, band, team spaces, continent and URL, e.g.
 * `region-c (reader, band -5..15, all teams, AS)   http://127.0.0.1:8703`.
 */
function regionRows(topology: Topology): Array<[string, string]> {
  return topology.specs.map((spec) => {
    const spaces = spec.teamSpaces.includes("*")
      ? "all teams"
      : `teams ${spec.teamSpaces.join(", ")}`;
    const { floor, ceiling } = spec.band;
    const label = `${spec.id} (${spec.role}, band ${floor}..${ceiling}, ${spaces}, ${spec.place.continent})`;
    return [label, topology.region(spec.id).url];
  });
}

/** Labels padded to one column, values after them. */
function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

/** A read+write key for the curl lines, made in region-a (it reaches the others within a sync cycle). */
async function demoClientKey(regionA: string): Promise<string> {
  const response = await fetch(`${regionA}/admin/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": DEMO.apiKey },
    body: JSON.stringify({ scopes: ["read", "write"], name: "demo client" }),
  });
  if (response.status !== 201) throw new Error(`could not make a demo key: ${response.status}`);
  return ((await response.json()) as { secret: string }).secret;
}

/** The parsed command line; `--help` and a refused flag end the process here. */
function demoArgs(argv: string[]): DemoArgs {
  try {
    const parsed = parseDemoArgs(argv);
    if (parsed.help) {
      console.log(DEMO_HELP);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    console.error(`[demo] ${error.message}\n\n${DEMO_HELP}`);
    process.exit(2);
  }
}
