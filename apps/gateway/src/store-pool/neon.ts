import { neonConfig, Pool } from "@neondatabase/serverless";
import type { GatewayEnv } from "../env.js";

/** Connections one region's `StorePool` keeps open to its store (`STORE_POOL_MAX` overrides). */
export const DEFAULT_POOL_MAX = 8;

let neonConfigured = false;
/** Development only: route the Neon driver to the local proxy in front of a real Postgres. */
export function configureNeon(env: GatewayEnv): void {
  if (neonConfigured || env.NEON_WS_PROXY === undefined) return;
  neonConfig.wsProxy = env.NEON_WS_PROXY;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
  if (env.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT;
  neonConfigured = true;
}

/** Who holds a pool: the region's `StorePool` (lent to requests) or its puller. */
export type PoolUser = "requests" | "puller";

/**
 * Postgres's `application_name` of a region's pooled connections: how operators (and the
 * tests and the bench, in `pg_stat_activity`) count them. Postgres keeps 63 bytes.
 */
export function poolApplicationName(region: string, schema: string, user: PoolUser): string {
  return `memoria ${region} ${user} ${schema}`.slice(0, 63);
}

/** The store's schema: `STORE_SCHEMA`, else `memoria_<region>`. */
export function storeSchema(env: GatewayEnv, region: string): string {
  return env.STORE_SCHEMA ?? `memoria_${region.replace(/-/g, "_")}`;
}

/**
 * A WebSocket pool on the region's store. `onIdleError`: an idle pooled connection that
 * drops emits on the pool, and without a listener that is a crash; the pool then opens a
 * new connection on the next checkout.
 */
export function storePool(
  env: GatewayEnv,
  options: { max: number; region: string; user: PoolUser; onIdleError: (error: Error) => void },
): Pool {
  configureNeon(env);
  const pool = new Pool({
    connectionString: env.STORE_DATABASE_URL,
    max: options.max,
    application_name: poolApplicationName(
      options.region,
      storeSchema(env, options.region),
      options.user,
    ),
    // Below Neon's and workerd's own idle limits, so an idle socket is ours to close.
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", options.onIdleError);
  return pool;
}
