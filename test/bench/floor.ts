/**
 * The floor: the raw round trip through the same local endpoints the gateways use, with
 * their own clients and nothing of ours in between. Propagation can never beat it, so
 * every latency is read as a multiple of it (`x_floor`).
 * - redis: XADD one entry, then XREADGROUP (a group made once) returns it, over Upstash REST;
 * - postgres: INSERT + NOTIFY in one statement, then SELECT of that row from a second
 *   connection, over the Neon WebSocket endpoint (a Pool, connections kept).
 */
import { configureNeonForLocal, type LocalNeonTarget } from "@memoria/local-services/client";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import ws from "ws";
import { type Quantiles, quantiles } from "./stats.js";

/** Untimed tries first: connections opened, caches warm. */
const WARMUP = 20;
/** About the size of a signed event's JSON. */
const BODY = JSON.stringify({ text: "x".repeat(560) });

export interface Floor extends Quantiles {
  what: string;
  tries: number;
}

function suffix(): string {
  return `${process.pid}_${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
}

/** Runs `once` WARMUP + `tries` times, timing the last `tries`. */
async function timeTries(tries: number, once: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + tries; i++) {
    const started = performance.now();
    await once(i);
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  return samples;
}

export async function redisFloor(
  upstash: { url: string; token: string },
  tries: number,
): Promise<Floor> {
  // The transport's own client settings (sync-redis createRedisClient): raw strings, no telemetry.
  const redis = new Redis({
    url: upstash.url,
    token: upstash.token,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
  const key = `memoria-bench-floor:${suffix()}`;
  await redis.xgroup(key, { type: "CREATE", group: "floor", id: "$", options: { MKSTREAM: true } });
  try {
    const samples = await timeTries(tries, async (i) => {
      const id = await redis.xadd(key, "*", { event: BODY });
      const reply = await redis.xreadgroup("floor", "c", key, ">", { count: 1, NOACK: true });
      if (!JSON.stringify(reply).includes(id)) throw new Error(`redis floor: try ${i} lost ${id}`);
    });
    return { what: "XADD then XREADGROUP, Upstash endpoint", tries, ...quantiles(samples, 2) };
  } finally {
    await redis.del(key);
  }
}

export async function postgresFloor(
  neon: LocalNeonTarget,
  postgresUrl: string,
  tries: number,
): Promise<Floor> {
  configureNeonForLocal(neonConfig, neon, { webSocketConstructor: ws });
  const pool = new Pool({ connectionString: postgresUrl, max: 2 });
  const table = `bench_floor_${suffix()}`;
  const writer = await pool.connect();
  const reader = await pool.connect();
  try {
    await writer.query(`create table ${table} (id bigserial primary key, body text not null)`);
    const samples = await timeTries(tries, async (i) => {
      const { rows } = await writer.query(
        `with row as (insert into ${table} (body) values ($1) returning id)
         select id, pg_notify($2, id::text) from row`,
        [BODY, table],
      );
      const found = await reader.query(`select body from ${table} where id = $1`, [rows[0]?.id]);
      if (found.rows.length !== 1) throw new Error(`postgres floor: try ${i} lost its row`);
    });
    return {
      what: "INSERT + NOTIFY, then SELECT from a 2nd connection, Neon endpoint",
      tries,
      ...quantiles(samples, 2),
    };
  } finally {
    await writer.query(`drop table if exists ${table}`).catch(() => undefined);
    writer.release();
    reader.release();
    await pool.end();
  }
}
