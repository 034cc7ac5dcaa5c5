/**
 * Propagation latency A→B through two gateways in workerd, per backend: `writes` memories
 * posted to region-a at a steady rate; for each, the time from its commit in A's store to
 * its commit in B's store (both stamped by the same Postgres clock, so no clock skew).
 * Reports p50/p99 beside the raw cost of one write in A measured in the same run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { startLocalServices } from "@memoria/local-services";
import { SYNC_BACKENDS } from "@memoria/sync-core";
import { Pool } from "pg";
import { bundleGateway } from "./bundle.js";
import { startTopology } from "./topology.js";

const WRITES = Number(process.env.BENCH_WRITES ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 50);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ] as number;
}

const services = await startLocalServices({
  redisUrl: process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  postgresUrl: process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
});
const { upstash, neon, postgres } = services;
if (!upstash || !neon || !postgres) throw new Error("local services incomplete");
const pg = new Pool({ connectionString: postgres.url, max: 2 });
await bundleGateway();
const results: Record<string, unknown> = {};
try {
  for (const backend of SYNC_BACKENDS) {
    const id = `bp${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const topology = await startTopology({
      backend,
      endpoints: { upstash, neon, postgresUrl: postgres.url },
      id,
      apiKey: "bench-api-key-0123456789abcdef",
      signingKeys: { k1: "bench-signing-key-0123456789abcdef-0001" },
    });
    try {
      const writeMs: number[] = [];
      const ids: string[] = [];
      const started = performance.now();
      for (let i = 0; i < WRITES; i++) {
        const due = started + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const t0 = performance.now();
        const response = await fetch(`${topology.a.url}/memory`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": topology.apiKey },
          body: JSON.stringify({ text: `bench ${i}`, y: 5 }),
        });
        if (response.status !== 201)
          throw new Error(`write ${i}: ${response.status} ${await response.text()}`);
        ids.push(((await response.json()) as { memory: { id: string } }).memory.id);
        writeMs.push(performance.now() - t0);
      }
      // Wait until B holds them all (bounded), then read both stores' commit times.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const { rows } = await pg.query(
          `select count(*)::int as n from store_b_${id}.memories where id = any($1)`,
          [ids],
        );
        if (rows[0].n === ids.length) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { rows } = await pg.query(
        `select extract(epoch from (b.created_at - a.created_at)) * 1000 as ms
         from store_a_${id}.memories a join store_b_${id}.memories b using (namespace, id) where a.id = any($1)`,
        [ids],
      );
      const latencies = rows.map((row) => Number(row.ms));
      if (latencies.length !== WRITES)
        throw new Error(`${backend}: only ${latencies.length} of ${WRITES} writes reached B`);
      results[backend] = {
        writes: WRITES,
        rate_per_s: RATE,
        propagation_ms: {
          p50: Math.round(percentile(latencies, 50)),
          p99: Math.round(percentile(latencies, 99)),
          max: Math.round(Math.max(...latencies)),
        },
        write_request_ms: {
          p50: Math.round(percentile(writeMs, 50)),
          p99: Math.round(percentile(writeMs, 99)),
        },
      };
      console.log(`${backend}: ${JSON.stringify(results[backend])}`);
    } finally {
      await topology.stop();
      await pg.query(
        `drop schema if exists store_a_${id} cascade; drop schema if exists store_b_${id} cascade; drop schema if exists sync_${id} cascade`,
      );
    }
  }
  const dir = fileURLToPath(new URL("../../../test/bench/results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}propagation-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`written ${file}`);
} finally {
  await pg.end();
  await services.stop();
}
