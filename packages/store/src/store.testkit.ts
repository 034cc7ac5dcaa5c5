import { configureNeonForLocal } from "@memoria/local-services/client";
import "@memoria/local-services/testing/provided";
import {
  createKeyring,
  HybridClock,
  type Keyring,
  type Logger,
  type PrivacyBand,
  type ServedSpaces,
  type TransitKeyring,
} from "@memoria/sync-core";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";
import type { StoreTransit } from "./context.js";
import { createStore, type Store } from "./store.js";

/** Test support: real Postgres through the local Neon WebSocket endpoint, one schema per test. */

export const TEST_KEYS = { current: "k1", keys: { k1: "test-signing-key-0123456789abcdef-0001" } };

let configured = false;
export function testPool(): Pool {
  if (!configured) {
    configureNeonForLocal(neonConfig, inject("localServices").neon, { webSocketConstructor: ws });
    configured = true;
  }
  return new Pool({ connectionString: inject("localServices").postgresUrl, max: 8 });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
}

export interface RegionUnderTest {
  store: Store;
  schema: string;
  keyring: Keyring;
  region: string;
}

export async function regionStore(
  pool: Pool,
  options: {
    region: string;
    namespace?: string;
    band?: PrivacyBand;
    realtimeReplication?: boolean;
    schema?: string;
    log?: Logger;
    spaces?: ServedSpaces;
    transit?: StoreTransit;
    transitKeyring?: TransitKeyring;
  },
): Promise<RegionUnderTest> {
  const schema = options.schema ?? uniqueName(`st_${options.region.replace(/-/g, "_")}`);
  const keyring = await createKeyring(TEST_KEYS);
  const store = createStore({
    pool,
    schema,
    region: options.region,
    namespace: options.namespace ?? "prod-shared",
    band: options.band ?? { floor: -15, ceiling: 15 },
    realtimeReplication: options.realtimeReplication ?? true,
    keyring,
    clock: new HybridClock({ node: options.region }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.spaces ? { spaces: options.spaces } : {}),
    ...(options.transit ? { transit: options.transit } : {}),
    ...(options.transitKeyring ? { transitKeyring: options.transitKeyring } : {}),
  });
  await store.migrate();
  return { store, schema, keyring, region: options.region };
}

/** Drops only schemas this test created. */
export async function dropSchemas(pool: Pool, schemas: string[]): Promise<void> {
  for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
}

/** The signed events a region queued, oldest first, as peers would receive them. */
export async function outboxEvents(pool: Pool, schema: string) {
  const { rows } = await pool.query(`select body from "${schema}".outbox order by seq`);
  return rows.map((row) => JSON.parse(row.body as string));
}

/** A deterministic random source (mulberry32), so a failing property run replays exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place with `rng`. */
export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
