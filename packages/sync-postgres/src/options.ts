import {
  type BackendConfigReport,
  type ClientOptionTable,
  type ConfigIssue,
  type MemoriaConfig,
  readClientOptions,
} from "@memoria/sync-core";
import type { PoolConfig } from "@neondatabase/serverless";

const TLS = "Neon's driver always encrypts (TLS over its WebSocket, wss://)";
const TCP =
  "Workers open no TCP sockets: the driver speaks over a WebSocket that lives for one request";
const POOL = "the pool lives for one request on the edge: use max";

/**
 * `sync.connect_kwargs` and `sync.options` for the postgres backend: the Neon `Pool`'s
 * own options (node-postgres names) plus libpq's `connect_timeout`, and the libpq / psycopg
 * keywords that mean nothing over Neon's WebSocket. The README's table is this in prose.
 */
export const POSTGRES_OPTIONS: ClientOptionTable = {
  accepted: {
    application_name: "string",
    options: "string",
    statement_timeout: "integer",
    lock_timeout: "integer",
    idle_in_transaction_session_timeout: "integer",
    query_timeout: "integer",
    connect_timeout: "integer",
    connectionTimeoutMillis: "integer",
    idleTimeoutMillis: "integer",
    max: "integer",
    maxUses: "integer",
  },
  edgeEquivalents: {
    sslmode: TLS,
    ssl: TLS,
    sslrootcert: TLS,
    sslcert: TLS,
    sslkey: TLS,
    keepalives: TCP,
    keepalives_idle: TCP,
    keepalives_interval: TCP,
    keepalives_count: TCP,
    tcp_user_timeout: TCP,
    target_session_attrs:
      "the driver reaches the one endpoint sync.connection_url names: point it at the writer",
    // redis.from_url keys that a template shared with a redis topology may carry.
    socket_timeout: "use sync.connect_kwargs.query_timeout (ms)",
    retry_on_timeout: "the driver does not retry: the outbox relay and the puller do",
    min_size: POOL,
    max_size: POOL,
    pool_size: POOL,
  },
};

/** Connections per pool when `max` is not set: a request needs few. */
export const DEFAULT_POOL_MAX = 4;

export interface PostgresOptionsRead extends BackendConfigReport {
  pool: PoolConfig;
}

/**
 * Both tables as Neon `Pool` options: `connect_kwargs` (the operator guides' libpq
 * keywords) and `options`. A key set in both is refused rather than silently picked.
 */
export function postgresPoolOptions(config: MemoriaConfig): PostgresOptionsRead {
  const kwargs = readClientOptions(
    "sync.connect_kwargs",
    config.sync.connect_kwargs,
    POSTGRES_OPTIONS,
  );
  const options = readClientOptions("sync.options", config.sync.options, POSTGRES_OPTIONS);
  const twice: ConfigIssue[] = Object.keys(kwargs.values)
    .filter((name) => name in options.values)
    .map((name) => ({
      key: `sync.options.${name}`,
      message: `is also set in sync.connect_kwargs; set it in one place`,
    }));
  const { connect_timeout: seconds, ...values } = { ...options.values, ...kwargs.values };
  const pool: PoolConfig = { max: DEFAULT_POOL_MAX, ...values };
  // libpq's connect_timeout is in seconds; the driver's own name, in ms, wins when both are set.
  if (typeof seconds === "number" && pool.connectionTimeoutMillis === undefined) {
    pool.connectionTimeoutMillis = seconds * 1000;
  }
  return {
    pool,
    issues: [...kwargs.issues, ...options.issues, ...twice],
    warnings: [...kwargs.warnings, ...options.warnings],
  };
}
