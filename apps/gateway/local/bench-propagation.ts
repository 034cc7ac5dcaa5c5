/**
 * Propagation from the writer to every reader through gateways in workerd, per backend and
 * per topology size (`BENCH_REGIONS`, default 2, 3 and 5 of the demo regions), against the floor:
 * 1. the floor first: the raw round trip through the same local endpoints (`floor.ts`);
 * 2. `writes` memories posted to region-a at a steady rate; for each and each reader, the
 *    time from its commit in A's store to its commit in the reader's store (both stamped by
 *    the same Postgres clock), p50/p99 over all readers and as a multiple of the floor;
 * 3. where that time goes for the first reader (`spans_ms`, `bench/spans.ts`), its own
 *    per-stage cycle times when it exports them, and CPU-seconds per 1,000 events (workerd +
 *    this process);
 * 4. the writer's publish cost: recipients and bytes of each event (its outbox), its relay and
 *    wake stage time per event, its own workerd's CPU per event net of idle (`bench/region-cpu.ts`);
 * then `fan_out` (`bench/fan-out.ts`): one row per size and what each added region costs.
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
import { fanOutRows, fanOutTable } from "./bench/fan-out.js";
import { publishedForm } from "./bench/outbox.js";
import { regionCpuSeconds, regionPids } from "./bench/region-cpu.js";
import { type EventMarks, eventMarks, spans, transportTimes } from "./bench/spans.js";
import { readStageCounters, stageMeans, stagePerEvent } from "./bench/stages.js";
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
/** Quiet time before the writes, to learn each region's CPU with nothing to sync (ms). */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 2_000);
/** `sync.transit_encryption` of every region (`clear` to see what sealing costs end to end). */
const TRANSIT = process.env.BENCH_TRANSIT === "clear" ? "clear" : "sealed";
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

/** CPU-seconds per second each region spends with no writes (polls, alarms): subtracted per event. */
async function idleCpuPerSecond(pids: Map<string, number>): Promise<Record<string, number>> {
  const before = await sampleCpu();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const seconds = (performance.now() - started) / 1000;
  const spent = regionCpuSeconds(pids, before, await sampleCpu());
  return Object.fromEntries(Object.entries(spent).map(([id, s]) => [id, s / seconds]));
}

/** The writes on one started topology, with every counter read before and after them. */
async function observeWrites(topology: Topology) {
  const writer = topology.region(WRITER);
  const firstReader = readersOf(topology)[0] as RunningRegion;
  const warm = await pacedWrites(writer.url, topology.apiKey, WARMUP_WRITES, RATE, "warm");
  await waitForReaders(topology, warm.ids);
  const pids = await regionPids(topology, await sampleCpu());
  const idle = await idleCpuPerSecond(pids);
  const stageReads = () =>
    Promise.all([firstReader, writer].map((r) => readStageCounters(r.url, topology.monitorKey)));
  const [readerStagesBefore, writerStagesBefore] = await stageReads();
  const schemas = topology.regions.map((region) => region.vars.STORE_SCHEMA as string);
  const connectionsBefore = await storeConnections(pg, schemas);
  const cpuBefore = await sampleCpu();
  const started = performance.now();
  const writes = await pacedWrites(writer.url, topology.apiKey, WRITES, RATE);
  await waitForReaders(topology, writes.ids);
  const cpuAfter = await sampleCpu();
  const seconds = (performance.now() - started) / 1000;
  const connections = connectionChurn(connectionsBefore, await storeConnections(pg, schemas));
  const [readerStagesAfter, writerStagesAfter] = await stageReads();
  return {
    writes,
    connections,
    cpu: cpuSpent(cpuBefore, cpuAfter),
    /** Each region's CPU during the writes, ms per write, in all and net of its idle rate. */
    regionCpu: perEventCpu(regionCpuSeconds(pids, cpuBefore, cpuAfter), idle, seconds),
    readerStages: stageMeans(readerStagesBefore, readerStagesAfter),
    writerStages: stagePerEvent(writerStagesBefore, writerStagesAfter, WRITES),
    idleCpuMsPerS: Object.fromEntries(Object.entries(idle).map(([id, s]) => [id, round(s * 1e3)])),
  };
}

function perEventCpu(spent: Record<string, number>, idle: Record<string, number>, seconds: number) {
  const ms = (s: number) => round((s / WRITES) * 1e3, 3);
  return Object.fromEntries(
    Object.entries(spent).map(([id, s]) => [
      id,
      { total: ms(s), net_of_idle: ms(s - (idle[id] ?? 0) * seconds) },
    ]),
  );
}

/** The readers' mean of each CPU figure (ms per write). */
function readersCpu(regionCpu: Record<string, { total: number; net_of_idle: number }>) {
  const readers = Object.entries(regionCpu).filter(([id]) => id !== WRITER);
  if (readers.length === 0) return null;
  const mean = (pick: (c: { total: number; net_of_idle: number }) => number) =>
    round(readers.reduce((sum, [, cpu]) => sum + pick(cpu), 0) / readers.length, 3);
  return { mean: mean((c) => c.total), net_of_idle_mean: mean((c) => c.net_of_idle) };
}

/** The measured run on one started topology: writes, spans, publish cost, cycle stages, CPU. */
async function measure(backend: SyncBackend, topology: Topology, floor: Floor) {
  const observed = await observeWrites(topology);
  const byReader = await readerMarks(backend, topology, observed.writes.sentAt);
  const latencies = [...byReader.values()].flat().map((m) => m.bCommit - m.aCommit);
  const propagation = quantiles(latencies, 1);
  const per1000 = (seconds: number) => round((seconds / WRITES) * 1000, 3);
  const writerSchema = topology.region(WRITER).vars.STORE_SCHEMA as string;
  return {
    regions: topology.regions.length,
    transit: TRANSIT,
    writes: WRITES,
    rate_per_s: RATE,
    propagation_ms: { ...propagation, max: round(Math.max(...latencies), 1) },
    propagation_by_reader_ms: Object.fromEntries(
      [...byReader].map(([id, marks]) => [id, quantiles(marks.map((m) => m.bCommit - m.aCommit))]),
    ),
    write_request_ms: quantiles(observed.writes.requestMs, 1),
    floor_ms: { p50: floor.p50, p99: floor.p99 },
    x_floor: multiples(propagation, floor),
    spans_ms: spans(byReader.get(readersOf(topology)[0]?.id ?? "") ?? []),
    publish: {
      ...(await publishedForm(pg, writerSchema, observed.writes.ids)),
      ...(observed.writerStages ? { writer_stage_ms_per_event: observed.writerStages } : {}),
      writer_cpu_ms_per_event: observed.regionCpu[WRITER] ?? null,
    },
    readers_cpu_ms_per_event: readersCpu(observed.regionCpu),
    region_cpu_ms_per_event: observed.regionCpu,
    idle_cpu_ms_per_s: observed.idleCpuMsPerS,
    cpu_s_per_1000_events: {
      workerd: per1000(observed.cpu.workerd_s),
      bench_process_endpoints_and_client: per1000(observed.cpu.bench_process_s),
      total: per1000(observed.cpu.total_s),
    },
    ...(observed.readerStages ? { b_cycle_stages: observed.readerStages } : {}),
    store_connections: observed.connections,
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
    transit: TRANSIT,
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
  const fan_out = Object.fromEntries(
    Object.entries(results).map(([backend, runs]) => [backend, fanOutRows(Object.values(runs))]),
  );
  console.log(`fan-out:\n${fanOutTable(fan_out)}`);
  const written = await writeResults("propagation", { transit: TRANSIT, floor, fan_out, results });
  console.log(`written ${written}`);
} finally {
  await pg.end();
  await services.stop();
}
