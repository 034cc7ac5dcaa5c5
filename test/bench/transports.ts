/**
 * `pnpm bench`: events/s for publish and for apply on each transport, medians of several
 * runs, beside raw baselines measured in the same run (`redis-benchmark -t xadd`, a
 * pgbench single-row INSERT). Writes test/bench/results/transports-<time>.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { startLocalServices } from "@memoria/local-services";
import { configureNeonForLocal } from "@memoria/local-services/client";
import { createStore } from "@memoria/store";
import {
  createKeyring,
  formatHlc,
  HybridClock,
  loadConfig,
  newEventId,
  type SyncBackend,
  type SyncEvent,
  type SyncTransport,
  signEvent,
} from "@memoria/sync-core";
import { backendNames, syncBackends } from "@memoria/transports";
import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import { postgresInsertBaseline, redisXaddBaseline } from "./baselines.js";
import { median, round } from "./stats.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const BATCH = 100;
const KEYS = { current: "k1", keys: { k1: "bench-signing-key-0123456789abcdef-0001" } };

const services = await startLocalServices({
  redisUrl: process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  postgresUrl: process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
});
const { upstash, neon, postgres, redis } = services;
if (!upstash || !neon || !postgres || !redis) throw new Error("local services incomplete");
const endpoints = { upstash, neon, postgresUrl: postgres.url };
configureNeonForLocal(neonConfig, neon, { webSocketConstructor: ws });
const pool = new Pool({ connectionString: postgres.url, max: 8 });
const keyring = await createKeyring(KEYS);
const id = crypto.randomUUID().replace(/-/g, "").slice(0, 8);
const cleanup: string[] = [];
const closers: Array<() => Promise<void>> = [];

async function makeEvents(namespace: string): Promise<SyncEvent[]> {
  const clock = new HybridClock({ node: "bench-pub" });
  const events: SyncEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const hlc = clock.now();
    const memoryId = newEventId(hlc.wall);
    events.push(
      await signEvent(
        {
          v: 1,
          id: newEventId(hlc.wall),
          action: "memory.created",
          entity_type: "memory",
          entity_id: memoryId,
          namespace,
          origin: "bench-pub",
          hlc: formatHlc(hlc),
          privacy: 5,
          created_at: new Date(hlc.wall).toISOString(),
          payload: {
            id: memoryId,
            namespace,
            text: `benchmark memory ${i}: a sentence or two of text, as agents store them`,
            anchor: "bench",
            tokens: 16,
            timestamp: new Date(hlc.wall).toISOString(),
            x: i % 30,
            y: 5,
            z: 0,
            symbolic_anchors: ["bench"],
            team: null,
          },
        },
        keyring,
      ),
    );
  }
  return events;
}

/** Each run gets its own stream / journal table and NOTIFY channel. */
function connect(backend: SyncBackend, run: number, region: string): SyncTransport {
  const table = `bench_${id}_${run}.memoria_sync_events`;
  if (!cleanup.includes(`bench_${id}_${run}`)) cleanup.push(`bench_${id}_${run}`);
  const { config } = loadConfig({
    env: {
      MEMORIA_SYNC__ENABLED: "true",
      MEMORIA_SYNC__BACKEND: backend,
      ...syncBackends[backend].localVars(endpoints),
      MEMORIA_SYNC__CHANNEL: `bench_${id}_${run}`,
      MEMORIA_SYNC__TABLE: table,
    },
  });
  const connection = syncBackends[backend].connect(config, { region });
  closers.push(() => connection.close());
  return connection.transport;
}

interface Result {
  publish: number[];
  apply: number[];
}

async function measure(backend: SyncBackend): Promise<Result> {
  const result: Result = { publish: [], apply: [] };
  for (let run = 0; run < RUNS; run++) {
    const namespace = `bench-${id}-${backend}-${run}`;
    const events = await makeEvents(namespace);
    const publisher = connect(backend, run, "bench-pub");
    await publisher.publish(events.slice(0, 1)); // creates the stream / journal outside the timing
    const rest = events.slice(1);
    let started = performance.now();
    for (let i = 0; i < rest.length; i += BATCH) await publisher.publish(rest.slice(i, i + BATCH));
    result.publish.push(rest.length / ((performance.now() - started) / 1000));

    const schema = `bench_store_${id}_${backend}_${run}`;
    cleanup.push(schema);
    const store = createStore({
      pool,
      schema,
      region: "bench-sub",
      namespace,
      band: { floor: -15, ceiling: 15 },
      keyring,
      clock: new HybridClock({ node: "bench-sub" }),
    });
    await store.migrate();
    const consumer = connect(backend, run, "bench-sub");
    started = performance.now();
    let applied = 0;
    for (let guard = 0; guard < 1_000 && applied < events.length; guard++) {
      const step = await store.consumeOnce(consumer, keyring, 200);
      applied += step.apply.applied;
      if (step.pulled === 0) break;
    }
    if (applied !== events.length)
      throw new Error(`${backend}: applied ${applied} of ${events.length}`);
    result.apply.push(applied / ((performance.now() - started) / 1000));
    process.stdout.write(".");
  }
  return result;
}

/** Raw baselines measured in the same run, beside the backend they bound. */
const baselines: Partial<
  Record<SyncBackend, { name: string; what: string; run: () => Promise<number> }>
> = {
  redis: {
    name: "xadd",
    what: "redis-benchmark XADD, 1 client, 400-byte field, ops/s",
    run: () => redisXaddBaseline(redis.url),
  },
  postgres: {
    name: "insert",
    what: "pgbench single-row INSERT (1 client), tps",
    run: () => postgresInsertBaseline(postgres.url),
  },
};

interface Row {
  what: string;
  median: number;
  runs: number[];
}

/** One backend's rows (baseline, publish, apply) and its ratios to the baseline. */
async function benchBackend(
  backend: SyncBackend,
): Promise<{ rows: Row[]; ratios: Record<string, number> }> {
  const baseline = baselines[backend];
  const base = baseline ? [await baseline.run()] : [];
  const result = await measure(backend);
  if (baseline) base.push(await baseline.run());
  const row = (what: string, runs: number[]): Row => ({ what, median: median(runs), runs });
  const rows = [
    ...(baseline ? [row(baseline.what, base)] : []),
    row(`${backend} transport publish, events/s`, result.publish),
    row(`${backend} transport pull+verify+apply, events/s`, result.apply),
  ];
  const ratios: Record<string, number> = {};
  if (baseline) {
    ratios[`${backend}_publish_vs_${baseline.name}`] = round(
      median(result.publish) / median(base),
      3,
    );
    ratios[`${backend}_apply_vs_${baseline.name}`] = round(median(result.apply) / median(base), 3);
  }
  return { rows, ratios };
}

try {
  process.stdout.write(`benchmark: ${RUNS} runs × ${EVENTS} events, batches of ${BATCH}\n`);
  const rows: Row[] = [];
  let ratios: Record<string, number> = {};
  for (const backend of backendNames()) {
    const one = await benchBackend(backend);
    rows.push(...one.rows);
    ratios = { ...ratios, ...one.ratios };
  }
  process.stdout.write("\n");

  for (const row of rows)
    console.log(
      `${row.what.padEnd(52)} median ${String(round(row.median)).padStart(8)}   runs ${row.runs.map((v) => round(v)).join(", ")}`,
    );
  console.log("ratios (same run):", ratios);
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}transports-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), runs: RUNS, events: EVENTS, batch: BATCH, rows, ratios }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
} finally {
  for (const close of closers) await close().catch(() => undefined);
  for (const schema of cleanup)
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await pool.end();
  await services.stop();
}
