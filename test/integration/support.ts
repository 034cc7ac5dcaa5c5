import { configureNeonForLocal } from "@memoria/local-services/client";
import type { ProvidedServices } from "@memoria/local-services/testing/types";
import { createStore, type Store } from "@memoria/store";
import {
  createKeyring,
  HybridClock,
  type Keyring,
  type SyncBackend,
  type SyncTransport,
  type TransportBatch,
} from "@memoria/sync-core";
import { PostgresTransport } from "@memoria/sync-postgres";
import { createRedisClient, createRedisTransport } from "@memoria/sync-redis";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";

declare module "vitest" {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}

export const KEYS = { current: "k1", keys: { k1: "integration-signing-key-0123456789abcdef" } };
export type Backend = SyncBackend;

export function uid(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 10);
}

/**
 * Neon's driver picks its WebSocket proxy per target host. The stores talk to the real
 * Postgres by its address; the Postgres *transport* uses the alias `journal.test`, which
 * a test can cut off (`setJournalReachable(false)`) to simulate the transport being down
 * while the stores stay up.
 */
let journalReachable = true;
export function setJournalReachable(value: boolean): void {
  journalReachable = value;
}
export const JOURNAL_HOST = "journal.test";

let configured = false;
export function configureNeon(): void {
  if (configured) return;
  const { neon } = inject("localServices");
  configureNeonForLocal(neonConfig, neon, { webSocketConstructor: ws });
  const proxy = neon.wsProxy;
  const pg = new URL(inject("localServices").postgresUrl.replace(/^postgres(ql)?:/, "http:"));
  const realTarget = `${pg.hostname}:${pg.port || 5432}`;
  neonConfig.wsProxy = (host: string, port: number | string) => {
    if (host === JOURNAL_HOST)
      return journalReachable ? `${proxy}?address=${realTarget}` : "127.0.0.1:9/v2";
    return `${proxy}?address=${host}:${port}`;
  };
  configured = true;
}

export function storePool(): Pool {
  configureNeon();
  return new Pool({ connectionString: inject("localServices").postgresUrl, max: 6 });
}

/** Journal connections are tagged so an outage can also cut the ones already open. */
export const JOURNAL_APP = "memoria-it-journal";

export function journalUrl(): string {
  const url = new URL(inject("localServices").postgresUrl);
  url.hostname = JOURNAL_HOST;
  url.searchParams.set("application_name", JOURNAL_APP);
  return url.toString();
}

export async function makeRegion(
  pool: Pool,
  region: string,
  namespace: string,
  schema: string,
  keyring?: Keyring,
): Promise<Store> {
  const store = createStore({
    pool,
    schema,
    region,
    namespace,
    band: { floor: -15, ceiling: 15 },
    keyring: keyring ?? (await createKeyring(KEYS)),
    clock: new HybridClock({ node: region }),
  });
  await store.migrate();
  return store;
}

export interface TransportFactory {
  /** A fresh transport instance for `region` (a new consumer, as after a restart). */
  (region: string): SyncTransport;
  close(): Promise<void>;
}

export function redisTransports(
  stream: string,
  upstash: { url: string; token: string },
): TransportFactory {
  const build = (region: string): SyncTransport =>
    createRedisTransport({
      // No client-side retries: the outbox and the consumer loop are what must ride out an outage.
      redis: createRedisClient({ url: upstash.url, token: upstash.token, retries: 0 }),
      stream,
      group: region,
      consumer: `${region}-${uid()}`,
      retentionEvents: 1_000_000,
      claimIdleMs: 150,
      healthTimeoutMs: 2_000,
    });
  return Object.assign(build, { close: async () => undefined });
}

export function postgresTransports(table: string): TransportFactory {
  configureNeon();
  const pools: Pool[] = [];
  const build = (region: string): SyncTransport => {
    const pool = new Pool({
      connectionString: journalUrl(),
      max: 4,
      connectionTimeoutMillis: 2_000,
    });
    pool.on("error", () => undefined);
    pools.push(pool);
    return new PostgresTransport({
      pool,
      region,
      table,
      channel: table.replace(/\W/g, "_"),
      claimIdleMs: 150,
      healthTimeoutMs: 2_000,
    });
  };
  return Object.assign(build, {
    close: async () => {
      await Promise.allSettled(pools.map((pool) => pool.end()));
    },
  });
}

/** A consumer that dies: after pulling (nothing applied) or after applying (nothing acked). */
export class Crash extends Error {
  constructor(readonly at: "after-pull" | "before-ack") {
    super(`consumer killed ${at}`);
  }
}

export function crashing(inner: SyncTransport, rng: () => number, rate: number): SyncTransport {
  return {
    backend: inner.backend,
    publish: (events) => inner.publish(events),
    async pull(limit): Promise<TransportBatch> {
      const batch = await inner.pull(limit);
      if (batch.messages.length > 0 && rng() < rate) throw new Crash("after-pull");
      return batch;
    },
    async ack(cursors) {
      if (rng() < rate) throw new Crash("before-ack");
      await inner.ack(cursors);
    },
    replaySince: (since, options) => inner.replaySince(since, options),
    health: () => inner.health(),
    maintain: () => inner.maintain(),
  };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
