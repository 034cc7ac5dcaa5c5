import type { MemoriaConfig } from "@memoria/sync-core";
import { PostgresLeaderLease } from "./lease.js";
import type { SqlPool } from "./sql.js";
import { PostgresTransport, type PostgresTransportOptions } from "./transport.js";

export interface FromConfigOptions
  extends Pick<PostgresTransportOptions, "claimIdleMs" | "ensureSchema" | "healthTimeoutMs"> {
  /** Built by the caller from `sync.connection_url` (in workerd, one per request). */
  pool: SqlPool;
  /** The consuming region's cursor. @default config.region.id */
  region?: string;
}

/**
 * The gateway's way in: a `PostgresTransport` on `sync.table` and `sync.channel` for
 * this region. Reads `sync.backend` (must be `postgres`), `sync.table`, `sync.channel`
 * and `region.id`; the pool (from `sync.connection_url`) is the caller's.
 */
export function postgresTransportFromConfig(
  config: MemoriaConfig,
  options: FromConfigOptions,
): PostgresTransport {
  if (config.sync.backend !== "postgres") {
    throw new RangeError(
      `sync.backend is ${JSON.stringify(config.sync.backend)}: the Postgres transport needs "postgres"`,
    );
  }
  return new PostgresTransport({
    pool: options.pool,
    region: options.region ?? config.region.id,
    table: config.sync.table,
    channel: config.sync.channel,
    retentionEvents: config.sync.retention_events,
    ...(options.claimIdleMs === undefined ? {} : { claimIdleMs: options.claimIdleMs }),
    ...(options.ensureSchema === undefined ? {} : { ensureSchema: options.ensureSchema }),
    ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
  });
}

/**
 * A leader lease in `<sync.table>_leases` (whatever the transport backend: a Redis
 * deployment may still keep its lease in Postgres). The TTL to pass to its methods is
 * `scheduler.lease_ttl_ms`.
 */
export function postgresLeaseFromConfig(
  config: MemoriaConfig,
  options: { pool: SqlPool; name?: string; ensureSchema?: boolean },
): PostgresLeaderLease {
  return new PostgresLeaderLease({
    pool: options.pool,
    table: config.sync.table,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.ensureSchema === undefined ? {} : { ensureSchema: options.ensureSchema }),
  });
}
