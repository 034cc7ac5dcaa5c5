/**
 * Propagation A→B through two gateways in workerd, per backend, against the floor:
 * 1. the floor first: the raw round trip through the same local endpoints (`floor.ts`);
 * 2. `writes` memories posted to region-a at a steady rate; for each, the time from its
 *    commit in A's store to its commit in B's store (both stamped by the same Postgres
 *    clock), p50/p99 and as a multiple of the floor (`x_floor`);
 * 3. where that time goes (`spans_ms`, `bench/spans.ts`), B's own per-stage cycle times
 *    when it exports them, and CPU-seconds per 1,000 events (workerd + this process).
 */
import { startLocalServices } from "@memoria/local-services";
import { SYNC_BACKENDS, type SyncBackend } from "@memoria/sync-core";
import { Pool } from "pg";
import { deleteKeys, topologyLeftovers } from "../../../test/bench/cleanup.js";
import { cpuSpent, sampleCpu } from "../../../test/bench/cpu.js";
import { type Floor, postgresFloor, redisFloor } from "../../../test/bench/floor.js";
import { writeResults } from "../../../test/bench/results.js";
import { multiples, quantiles, round } from "../../../test/bench/stats.js";
import { connectionChurn, storeConnections } from "./bench/connections.js";
import { eventMarks, spans } from "./bench/spans.js";
import { readStageCounters, stageMeans } from "./bench/stages.js";
import { pacedWrites } from "./bench/writes.js";
import { bundleGateway } from "./bundle.js";
import { type LocalEndpoints, startTopology, type Topology } from "./topology.js";

const WRITES = Number(process.env.BENCH_WRITES ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const FLOOR_TRIES = Number(process.env.BENCH_FLOOR_TRIES ?? 300);
/** Untimed writes first, each region's isolate and connections warm. */
const WARMUP_WRITES = 5;

const services = await startLocalServices({
  redisUrl: process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  postgresUrl: process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
});
const { upstash, neon, postgres } = services;
if (!upstash || !neon || !postgres) throw new Error("local services incomplete");
const endpoints: LocalEndpoints = { upstash, neon, postgresUrl: postgres.url };
const pg = new Pool({ connectionString: postgres.url, max: 2 });

/** Each backend's floor: the round trip its transport cannot beat. */
const FLOORS: Record<SyncBackend, () => Promise<Floor>> = {
  redis: () => redisFloor(upstash, FLOOR_TRIES),
  postgres: () => postgresFloor(neon, postgres.url, FLOOR_TRIES),
};

/** Bounded wait until B's store holds every id. */
async function waitForB(topology: Topology, ids: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // B creates its schema on its first request or cycle: "no such table" means not yet.
    const { rows } = await pg
      .query(
        `select count(*)::int as n from ${topology.vars.b.STORE_SCHEMA}.memories where id = any($1)`,
        [ids],
      )
      .catch(() => ({ rows: [{ n: -1 }] }));
    if (rows[0].n === ids.length) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The measured run on one started topology: writes, spans, cycle stages, CPU. */
async function measure(backend: SyncBackend, topology: Topology, floor: Floor) {
  const warm = await pacedWrites(topology.a.url, topology.apiKey, WARMUP_WRITES, RATE, "warm");
  await waitForB(topology, warm.ids);
  const stagesBefore = await readStageCounters(topology.b.url, topology.monitorKey);
  const schemas = [topology.vars.a.STORE_SCHEMA, topology.vars.b.STORE_SCHEMA] as string[];
  const connectionsBefore = await storeConnections(pg, schemas);
  const cpuBefore = await sampleCpu();
  const writes = await pacedWrites(topology.a.url, topology.apiKey, WRITES, RATE);
  await waitForB(topology, writes.ids);
  const cpu = cpuSpent(cpuBefore, await sampleCpu());
  const connections = connectionChurn(connectionsBefore, await storeConnections(pg, schemas));
  const stages = stageMeans(
    stagesBefore,
    await readStageCounters(topology.b.url, topology.monitorKey),
  );
  const marks = await eventMarks(pg, { backend, topology, endpoints }, writes.sentAt);
  if (marks.length !== WRITES)
    throw new Error(`${backend}: only ${marks.length} of ${WRITES} writes reached B`);
  const latencies = marks.map((m) => m.bCommit - m.aCommit);
  const propagation = quantiles(latencies, 1);
  const writeRequest = quantiles(writes.requestMs, 1);
  const per1000 = (seconds: number) => round((seconds / WRITES) * 1000, 3);
  return {
    writes: WRITES,
    rate_per_s: RATE,
    propagation_ms: { ...propagation, max: round(Math.max(...latencies), 1) },
    write_request_ms: writeRequest,
    floor_ms: { p50: floor.p50, p99: floor.p99 },
    x_floor: multiples(propagation, floor),
    spans_ms: spans(marks),
    cpu_s_per_1000_events: {
      workerd: per1000(cpu.workerd_s),
      bench_process_endpoints_and_client: per1000(cpu.bench_process_s),
      total: per1000(cpu.total_s),
    },
    ...(stages ? { b_cycle_stages: stages } : {}),
    store_connections: connections,
  };
}

async function runBackend(backend: SyncBackend, floor: Floor) {
  const id = `bp${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
  const topology = await startTopology({
    backend,
    endpoints,
    id,
    apiKey: "bench-api-key-0123456789abcdef",
    signingKeys: { k1: "bench-signing-key-0123456789abcdef-0001" },
  });
  try {
    return await measure(backend, topology, floor);
  } finally {
    await topology.stop();
    const leftovers = topologyLeftovers(topology);
    for (const schema of leftovers.schemas)
      await pg.query(`drop schema if exists ${schema} cascade`);
    await deleteKeys(endpoints.upstash, leftovers.keys);
  }
}

try {
  await bundleGateway();
  const floor: Partial<Record<SyncBackend, Floor>> = {};
  for (const backend of SYNC_BACKENDS) floor[backend] = await FLOORS[backend]();
  console.log(`floor: ${JSON.stringify(floor)}`);
  const results: Partial<Record<SyncBackend, unknown>> = {};
  for (const backend of SYNC_BACKENDS) {
    results[backend] = await runBackend(backend, floor[backend] as Floor);
    console.log(`${backend}: ${JSON.stringify(results[backend])}`);
  }
  console.log(`written ${await writeResults("propagation", { floor, results })}`);
} finally {
  await pg.end();
  await services.stop();
}
