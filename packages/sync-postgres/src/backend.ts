import {
  type BackendConfigReport,
  backendMismatch,
  ConfigError,
  type ConfigIssue,
  type MemoriaConfig,
  type SyncBackendDescriptor,
} from "@memoria/sync-core";
import { Pool } from "@neondatabase/serverless";
import { PostgresLeaderLease } from "./lease.js";
import { postgresPoolOptions } from "./options.js";
import { PostgresTransport } from "./transport.js";

/**
 * The Postgres journal over Neon's serverless driver: `sync.table` (schema-qualified
 * allowed), NOTIFY on `sync.channel`, leases in `<sync.table>_leases`. `connect` opens
 * one Neon `Pool` and `close` ends it: workerd forbids sharing I/O between requests, so
 * the gateway connects once per request. Where the driver's WebSocket goes is
 * `neonConfig`'s, a process-wide setting the caller owns (local development points it
 * at a proxy).
 */
const HOW_TO_CONNECT =
  "the edge reaches Postgres through the Neon serverless driver with a postgres:// URL (user, password, host, database); see docs/operations.md";

export const postgresBackend: SyncBackendDescriptor<
  "postgres",
  PostgresTransport,
  PostgresLeaderLease
> = {
  name: "postgres",
  // LISTEN lives only as long as a request in workerd: regions poll, hints cut the wait.
  capabilities: { delivery: "pull", leases: true, wakeHints: true },
  howToConnect: HOW_TO_CONNECT,
  validate,
  connect(config, deps = {}) {
    const report = validate(config);
    if (report.issues.length > 0) throw new ConfigError(report.issues);
    const pool = new Pool({
      ...postgresPoolOptions(config).pool,
      connectionString: config.sync.connection_url as string,
    });
    // An idle pooled connection that drops emits on the pool; without a listener that is a crash.
    pool.on("error", (error: Error) => deps.log?.warn("sync.idle_connection_lost", { error }));
    const transport = new PostgresTransport({
      pool,
      region: deps.region ?? config.region.id,
      table: config.sync.table,
      channel: config.sync.channel,
      retentionEvents: config.sync.retention_events,
      ...(deps.claimIdleMs === undefined ? {} : { claimIdleMs: deps.claimIdleMs }),
      ...(deps.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: deps.healthTimeoutMs }),
    });
    return {
      transport,
      lease: (name) => new PostgresLeaderLease({ pool, table: config.sync.table, name }),
      warnings: report.warnings,
      close: () => pool.end(),
    };
  },
};

function validate(config: MemoriaConfig): BackendConfigReport {
  const options = postgresPoolOptions(config);
  return {
    issues: [...backendMismatch(config, "postgres"), ...urlIssues(config), ...options.issues],
    warnings: options.warnings,
  };
}

/** Names the key, never the URL (it carries the password). */
function urlIssues(config: MemoriaConfig): ConfigIssue[] {
  const url = config.sync.connection_url;
  if (url === undefined) {
    return [{ key: "sync.connection_url", message: "is required for the postgres backend" }];
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    return [{ key: "sync.connection_url", message: "must be a postgres:// URL" }];
  }
  return [];
}
