/**
 * `pnpm bench`, part 1: per transport, beside raw baselines measured in the same run
 * (`redis-benchmark` XADD, a pgbench single-row INSERT; `baselines.ts`):
 * - publish and pull+verify+apply events/s, medians of BENCH_RUNS runs of BENCH_EVENTS;
 * - sustained apply: one consumer kept busy BENCH_SUSTAIN_S on a backlog (`sustain.ts`),
 *   for the backends in BENCH_SUSTAIN_BACKENDS;
 * - catch-up replay: replaySince + apply into an empty store (`replay.ts`).
 * Writes test/bench/results/transports-<time>.json.
 */
import { startLocalServices } from "@memoria/local-services";
import { configureNeonForLocal } from "@memoria/local-services/client";
import { createStore, type Store } from "@memoria/store";
import {
  createKeyring,
  HybridClock,
  loadConfig,
  type SyncBackend,
  type SyncTransport,
} from "@memoria/sync-core";
import { backendNames, syncBackends } from "@memoria/transports";
import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import { postgresInsertBaseline, redisXaddBaseline } from "./baselines.js";
import { deleteKeys } from "./cleanup.js";
import { makeEvents } from "./events.js";
import { type Replay, replayRate } from "./replay.js";
import { writeResults } from "./results.js";
import { median, perSecond, round } from "./stats.js";
import { type Backlog, fillBacklog, type Sustained, sustainedApply } from "./sustain.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const BATCH = 100;
const SUSTAIN_S = Number(process.env.BENCH_SUSTAIN_S ?? 30);
const SUSTAIN_BACKENDS = (process.env.BENCH_SUSTAIN_BACKENDS ?? "redis").split(",");
/** Most events a sustain backlog holds (Redis keeps them in memory). */
const SUSTAIN_MAX_EVENTS = Number(process.env.BENCH_SUSTAIN_MAX_EVENTS ?? 200_000);
const REPLAY_S = Number(process.env.BENCH_REPLAY_S ?? 10);
/** Backlog of a backend without a sustain run, for its replay. */
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 20_000);
/** What a gateway's sync cycle pulls at once (apps/gateway/src/sync/cycle.ts). */
const PULL_LIMIT = 200;
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
/** Schemas (stores, journals) and Redis keys (streams) this run made, removed at the end. */
const leftovers = { schemas: [] as string[], keys: [] as string[] };
const closers: Array<() => Promise<void>> = [];

/** A transport on its own channel: a stream key for Redis, a journal schema for Postgres. */
function connect(backend: SyncBackend, channel: string, region: string): SyncTransport {
  if (!leftovers.schemas.includes(channel)) leftovers.schemas.push(channel);
  if (!leftovers.keys.includes(channel)) leftovers.keys.push(channel);
  const { config } = loadConfig({
    env: {
      MEMORIA_SYNC__ENABLED: "true",
      MEMORIA_SYNC__BACKEND: backend,
      ...syncBackends[backend].localVars(endpoints),
      MEMORIA_SYNC__CHANNEL: channel,
      MEMORIA_SYNC__TABLE: `${channel}.memoria_sync_events`,
    },
  });
  const connection = syncBackends[backend].connect(config, { region });
  closers.push(() => connection.close());
  return connection.transport;
}

/** An empty, migrated store of `namespace` in its own schema. */
async function freshStore(schema: string, namespace: string): Promise<Store> {
  leftovers.schemas.push(schema);
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
  return store;
}

interface Result {
  publish: number[];
  apply: number[];
}

async function measure(backend: SyncBackend): Promise<Result> {
  const result: Result = { publish: [], apply: [] };
  for (let run = 0; run < RUNS; run++) {
    const namespace = `bench-${id}-${backend}-${run}`;
    const channel = `bench_${id}_${backend}_${run}`;
    const events = await makeEvents(keyring, namespace, EVENTS);
    const publisher = connect(backend, channel, "bench-pub");
    await publisher.publish(events.slice(0, 1)); // creates the stream / journal outside the timing
    const rest = events.slice(1);
    let started = performance.now();
    for (let i = 0; i < rest.length; i += BATCH) await publisher.publish(rest.slice(i, i + BATCH));
    result.publish.push(perSecond(rest.length, started));

    const store = await freshStore(`bench_store_${id}_${backend}_${run}`, namespace);
    const consumer = connect(backend, channel, "bench-sub");
    started = performance.now();
    let applied = 0;
    for (let guard = 0; guard < 1_000 && applied < events.length; guard++) {
      const step = await store.consumeOnce(consumer, keyring, PULL_LIMIT);
      applied += step.apply.applied;
      if (step.pulled === 0) break;
    }
    if (applied !== events.length)
      throw new Error(`${backend}: applied ${applied} of ${events.length}`);
    result.apply.push(perSecond(applied, started));
    process.stdout.write(".");
  }
  return result;
}

interface BacklogRates {
  backlog: Backlog;
  sustained?: Sustained;
  replay: Replay;
}

/**
 * One backlog per backend: sized so the sustain run cannot drain it at the apply rate
 * just measured (capped), applied live for SUSTAIN_S, then replayed into another store.
 */
async function backlogRates(backend: SyncBackend, applyRate: number): Promise<BacklogRates> {
  const sustain = SUSTAIN_BACKENDS.includes(backend);
  const wanted = sustain ? Math.ceil(applyRate * SUSTAIN_S * 1.5) : REPLAY_EVENTS;
  const count = Math.min(SUSTAIN_MAX_EVENTS, Math.max(10_000, wanted));
  const namespace = `bench-${id}-${backend}-backlog`;
  const channel = `bench_${id}_${backend}_backlog`;
  const backlog = await fillBacklog(
    connect(backend, channel, "bench-pub"),
    keyring,
    namespace,
    count,
  );
  process.stdout.write(".");
  const sustained = sustain
    ? await sustainedApply(
        await freshStore(`bench_store_${id}_${backend}_sustain`, namespace),
        connect(backend, channel, "bench-sub"),
        keyring,
        { seconds: SUSTAIN_S, pullLimit: PULL_LIMIT },
      )
    : undefined;
  const replay = await replayRate(
    await freshStore(`bench_store_${id}_${backend}_replay`, namespace),
    connect(backend, channel, "bench-replay"),
    keyring,
    REPLAY_S,
  );
  process.stdout.write(".");
  return { backlog, ...(sustained ? { sustained } : {}), replay };
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

interface BackendBench {
  rows: Row[];
  ratios: Record<string, number>;
  backlog: BacklogRates;
}

/** One backend's rows (baseline, publish, apply, sustained, replay) and their ratios to the baseline. */
async function benchBackend(backend: SyncBackend): Promise<BackendBench> {
  const baseline = baselines[backend];
  const base = baseline ? [await baseline.run()] : [];
  const result = await measure(backend);
  const backlog = await backlogRates(backend, median(result.apply));
  if (baseline) base.push(await baseline.run());
  const row = (what: string, runs: number[]): Row => ({ what, median: median(runs), runs });
  const rates: Record<string, number[]> = {
    publish: result.publish,
    apply: result.apply,
    ...(backlog.sustained ? { sustained_apply: [backlog.sustained.events_per_s] } : {}),
    replay: [backlog.replay.events_per_s],
  };
  const labels: Record<string, string> = {
    publish: "transport publish",
    apply: "transport pull+verify+apply",
    sustained_apply: `sustained pull+verify+apply ${SUSTAIN_S} s`,
    replay: "catch-up replay (replaySince+apply)",
  };
  const rows = [
    ...(baseline ? [row(baseline.what, base)] : []),
    ...Object.entries(rates).map(([name, runs]) =>
      row(`${backend} ${labels[name]}, events/s`, runs),
    ),
  ];
  const ratios: Record<string, number> = {};
  if (baseline)
    for (const [name, runs] of Object.entries(rates))
      ratios[`${backend}_${name}_vs_${baseline.name}`] = round(median(runs) / median(base), 3);
  return { rows, ratios, backlog };
}

try {
  process.stdout.write(
    `benchmark: ${RUNS} runs × ${EVENTS} events, batches of ${BATCH}; sustained ${SUSTAIN_S} s (${SUSTAIN_BACKENDS.join(", ")}); replay ≤ ${REPLAY_S} s\n`,
  );
  const rows: Row[] = [];
  let ratios: Record<string, number> = {};
  const backlogs: Partial<Record<SyncBackend, BacklogRates>> = {};
  for (const backend of backendNames()) {
    const one = await benchBackend(backend);
    rows.push(...one.rows);
    ratios = { ...ratios, ...one.ratios };
    backlogs[backend] = one.backlog;
  }
  process.stdout.write("\n");

  for (const row of rows)
    console.log(
      `${row.what.padEnd(60)} median ${String(round(row.median)).padStart(8)}   runs ${row.runs.map((v) => round(v)).join(", ")}`,
    );
  for (const [backend, one] of Object.entries(backlogs))
    console.log(`${backend} backlog: ${JSON.stringify(one)}`);
  console.log("ratios (same run):", ratios);
  const file = await writeResults("transports", {
    runs: RUNS,
    events: EVENTS,
    batch: BATCH,
    rows,
    ratios,
    backlogs,
  });
  console.log(`written ${file}`);
} finally {
  for (const close of closers) await close().catch(() => undefined);
  for (const schema of leftovers.schemas)
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await deleteKeys(upstash, leftovers.keys).catch(() => undefined);
  await pool.end();
  await services.stop();
}
