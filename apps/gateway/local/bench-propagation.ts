/**
 * Propagation from the writer to every reader through gateways in workerd, per backend and
 * per topology size (`BENCH_REGIONS`, default 2, 3 and 5 of the demo regions), against the floor:
 * 1. the floor first: the raw round trip through the same local endpoints (`floor.ts`);
 * 2. `writes` memories posted to region-a at a steady rate; for each and each reader, the
 *    time from its commit in A's store to its commit in the reader's store (both stamped by
 *    the same Postgres clock), p50/p99 over all readers and as a multiple of the floor;
 * 3. where that time goes for the first reader (`spans_ms`, `bench/spans.ts`), its own
 *    per-stage cycle times when it exports them, and CPU-seconds per 1,000 events (workerd +
 *    this process) — with `fan_out` beside it: what each added region costs.
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
import { type EventMarks, eventMarks, spans, transportTimes } from "./bench/spans.js";
import { readStageCounters, stageMeans } from "./bench/stages.js";
import { pacedWrites } from "./bench/writes.js";
import { bundleGateway } from "./bundle.js";
import type { RunningRegion } from "./region.js";
import { demoRegions, type LocalEndpoints, startTopology, type Topology } from "./topology.js";

const WRITES = Number(process.env.BENCH_WRITES ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const FLOOR_TRIES = Number(process.env.BENCH_FLOOR_TRIES ?? 300);
/** Untimed writes first, each region's isolate and connections warm. */
const WARMUP_WRITES = 5;
/** Topology sizes measured in one run (`BENCH_REGIONS=2,3,5`): what each added region costs. */
const REGION_COUNTS = (process.env.BENCH_REGIONS ?? "2,3,5").split(",").map(Number);
/** The region every write is posted to; all the others read. */
const WRITER = "region-a";

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

/** Bounded wait until every reader's store holds every id. */
async function waitForReaders(
  topology: Topology,
  ids: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const reader of readersOf(topology)) {
    while (Date.now() < deadline) {
      // A reader creates its schema on its first request or cycle: "no such table" means not yet.
      const { rows } = await pg
        .query(
          `select count(*)::int as n from ${reader.vars.STORE_SCHEMA}.memories where id = any($1)`,
          [ids],
        )
        .catch(() => ({ rows: [{ n: -1 }] }));
      if (rows[0].n === ids.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Every region but the writer the bench posts to. */
function readersOf(topology: Topology): RunningRegion[] {
  return topology.regions.filter((region) => region.id !== WRITER);
}

/** Each reader's marks of the measured writes (every reader must hold every write). */
async function readerMarks(backend: SyncBackend, topology: Topology, sentAt: Map<string, number>) {
  const transport = await transportTimes(pg, { backend, topology, endpoints });
  const byReader = new Map<string, EventMarks[]>();
  for (const reader of readersOf(topology)) {
    const marks = await eventMarks(
      pg,
      { topology, writer: WRITER, reader: reader.id, transport },
      sentAt,
    );
    if (marks.length !== WRITES)
      throw new Error(`${backend}: only ${marks.length} of ${WRITES} writes reached ${reader.id}`);
    byReader.set(reader.id, marks);
  }
  return byReader;
}

/** The measured run on one started topology: writes, spans, cycle stages, CPU. */
async function measure(backend: SyncBackend, topology: Topology, floor: Floor) {
  const writer = topology.region(WRITER);
  const firstReader = readersOf(topology)[0] as RunningRegion;
  const warm = await pacedWrites(writer.url, topology.apiKey, WARMUP_WRITES, RATE, "warm");
  await waitForReaders(topology, warm.ids);
  const stagesBefore = await readStageCounters(firstReader.url, topology.monitorKey);
  const schemas = topology.regions.map((region) => region.vars.STORE_SCHEMA as string);
  const connectionsBefore = await storeConnections(pg, schemas);
  const cpuBefore = await sampleCpu();
  const writes = await pacedWrites(writer.url, topology.apiKey, WRITES, RATE);
  await waitForReaders(topology, writes.ids);
  const cpu = cpuSpent(cpuBefore, await sampleCpu());
  const connections = connectionChurn(connectionsBefore, await storeConnections(pg, schemas));
  const stages = stageMeans(
    stagesBefore,
    await readStageCounters(firstReader.url, topology.monitorKey),
  );
  const byReader = await readerMarks(backend, topology, writes.sentAt);
  const latencies = [...byReader.values()].flat().map((m) => m.bCommit - m.aCommit);
  const propagation = quantiles(latencies, 1);
  const per1000 = (seconds: number) => round((seconds / WRITES) * 1000, 3);
  return {
    regions: topology.regions.length,
    writes: WRITES,
    rate_per_s: RATE,
    propagation_ms: { ...propagation, max: round(Math.max(...latencies), 1) },
    propagation_p99_by_reader_ms: Object.fromEntries(
      [...byReader].map(([id, marks]) => [
        id,
        quantiles(
          marks.map((m) => m.bCommit - m.aCommit),
          1,
        ).p99,
      ]),
    ),
    write_request_ms: quantiles(writes.requestMs, 1),
    floor_ms: { p50: floor.p50, p99: floor.p99 },
    x_floor: multiples(propagation, floor),
    spans_ms: spans(byReader.get(firstReader.id) ?? []),
    cpu_s_per_1000_events: {
      workerd: per1000(cpu.workerd_s),
      bench_process_endpoints_and_client: per1000(cpu.bench_process_s),
      total: per1000(cpu.total_s),
    },
    ...(stages ? { b_cycle_stages: stages } : {}),
    store_connections: connections,
  };
}

async function runTopology(backend: SyncBackend, n: number, floor: Floor) {
  const id = `bp${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
  const topology = await startTopology({
    backend,
    endpoints,
    id,
    apiKey: "bench-api-key-0123456789abcdef",
    signingKeys: { k1: "bench-signing-key-0123456789abcdef-0001" },
    regions: demoRegions(n),
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

/** What each added region costs, per backend: propagation p50/p99, the write's request time, CPU. */
function fanOut(
  results: Partial<Record<SyncBackend, Record<string, Awaited<ReturnType<typeof measure>>>>>,
) {
  return Object.fromEntries(
    Object.entries(results).map(([backend, runs]) => [
      backend,
      Object.values(runs ?? {}).map((run) => ({
        regions: run.regions,
        propagation_p50_ms: run.propagation_ms.p50,
        propagation_p99_ms: run.propagation_ms.p99,
        write_request_p50_ms: run.write_request_ms.p50,
        cpu_s_per_1000_events: run.cpu_s_per_1000_events.total,
      })),
    ]),
  );
}

try {
  await bundleGateway();
  const floor: Partial<Record<SyncBackend, Floor>> = {};
  for (const backend of SYNC_BACKENDS) floor[backend] = await FLOORS[backend]();
  console.log(`floor: ${JSON.stringify(floor)}`);
  const results: Partial<Record<SyncBackend, Record<string, Awaited<ReturnType<typeof measure>>>>> =
    {};
  for (const backend of SYNC_BACKENDS) {
    const runs: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const n of REGION_COUNTS) {
      runs[`regions_${n}`] = await runTopology(backend, n, floor[backend] as Floor);
      console.log(`${backend}, ${n} regions: ${JSON.stringify(runs[`regions_${n}`])}`);
    }
    results[backend] = runs;
  }
  const fan_out = fanOut(results);
  console.log(`fan-out: ${JSON.stringify(fan_out)}`);
  console.log(`written ${await writeResults("propagation", { floor, fan_out, results })}`);
} finally {
  await pg.end();
  await services.stop();
}
