import { parseTarget } from "../neon/allow-list";
import { type NeonEndpoint, startNeonEndpoint } from "../neon/endpoint";
import { hostPort } from "../net";
import { startUpstashEndpoint, type UpstashEndpoint } from "../upstash/endpoint";
import {
  type LogicalReplication,
  type LogicalReplicationOptions,
  wireLogicalReplication,
} from "./logical-replication";
import {
  type PostgresServer,
  type PostgresServerOptions,
  startPostgresServer,
} from "./postgres-server";
import { type RedisServer, startRedisServer } from "./redis-server";

export interface LocalServicesOptions {
  /** Use this Redis instead of starting one (e.g. `redis://127.0.0.1:6379`). */
  redisUrl?: string;
  /** Use this Postgres instead of starting one (e.g. `postgresql://postgres@127.0.0.1:5432/test`). */
  postgresUrl?: string;
  /** Start no Redis and no Upstash endpoint. @default false */
  noRedis?: boolean;
  /** Start no Postgres and no Neon endpoint. @default false */
  noPostgres?: boolean;
  /** Also start a redis-server with `--replicaof` the primary, and an Upstash endpoint for it. @default false */
  redisReplica?: boolean;
  /**
   * Also start a second Postgres cluster subscribed to the primary's journal
   * table by logical replication. Needs a primary this launcher starts (it runs
   * with wal_level=logical); `true` takes the defaults.
   * @default false
   */
  postgresLogicalReplica?: boolean | LogicalReplicationOptions;
  /** Bearer token of the Upstash endpoints. @default random */
  upstashToken?: string;
  /** Port of the primary's Upstash endpoint. @default a free port */
  upstashPort?: number;
  /** Port of the Neon endpoint. @default a free port */
  neonPort?: number;
  /** Options for the Postgres clusters it starts. */
  postgres?: Pick<PostgresServerOptions, "binDir" | "fast" | "startTimeoutMs">;
  /** The redis-server binary. @default "redis-server" */
  redisBinary?: string;
  /**
   * Stop everything on SIGINT/SIGTERM, then exit (130/143). Processes are also
   * SIGKILLed on any process exit as a last resort.
   * @default true
   */
  handleSignals?: boolean;
  /** Progress lines ("started redis on …"). @default silent */
  log?: (line: string) => void;
}

export interface RedisInfo {
  url: string;
  host: string;
  port: number;
  /** Present when this launcher started the server. */
  server?: RedisServer;
}

export interface PostgresInfo {
  url: string;
  host: string;
  port: number;
  database: string;
  /** Present when this launcher started the cluster. */
  server?: PostgresServer;
}

export interface UpstashInfo {
  /** `{ url, token }` for `new Redis(…)` from `@upstash/redis`. */
  url: string;
  token: string;
  endpoint: UpstashEndpoint;
}

export interface NeonInfo {
  /** For `neonConfig.wsProxy` (see `configureNeonForLocal`). */
  wsProxy: string;
  /** For `neonConfig.fetchEndpoint`. */
  fetchEndpoint: string;
  endpoint: NeonEndpoint;
}

export interface LocalServices {
  redis?: RedisInfo;
  redisReplica?: RedisInfo;
  upstash?: UpstashInfo;
  /** An Upstash endpoint in front of the replica (reads; writes fail with READONLY). */
  upstashReplica?: UpstashInfo;
  postgres?: PostgresInfo;
  postgresReplica?: PostgresInfo;
  logicalReplication?: LogicalReplication;
  neon?: NeonInfo;
  /** Pids of the server processes this launcher started. */
  pids(): number[];
  /** Stops everything started, in reverse order. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts what local tests and the demo need: Redis and Postgres (private ones,
 * or the URLs given), optional replicas, and the Upstash and Neon endpoints in
 * front of them, all on 127.0.0.1. If any step fails, what was started is
 * stopped before the error is thrown.
 */
export async function startLocalServices(
  options: LocalServicesOptions = {},
): Promise<LocalServices> {
  const log = options.log ?? (() => {});
  const stops: Stops = [];
  const pids: number[] = [];
  const services: Started = {};
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      for (const { what, stop: stopOne } of stops.reverse()) {
        try {
          await stopOne();
          log(`stopped ${what}`);
        } catch (error) {
          errors.push(error);
        }
      }
      removeSignalHandlers();
      if (errors.length > 0)
        throw new AggregateError(errors, "some local services did not stop cleanly");
    })();
    return stopping;
  };
  const { install, remove: removeSignalHandlers } = signalHandlers(stop, log);

  try {
    if (options.handleSignals ?? true) install();
    if (!options.noRedis) await startRedisSide(options, services, stops, pids, log);
    if (!options.noPostgres) await startPostgresSide(options, services, stops, pids, log);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { ...services, pids: () => [...pids], stop };
}

type Stops = Array<{ what: string; stop: () => Promise<void> }>;

type Started = Omit<LocalServices, "pids" | "stop">;
type Log = (line: string) => void;

/** Redis, its Upstash endpoint, and on request a replica with its own endpoint. */
async function startRedisSide(
  options: LocalServicesOptions,
  services: Started,
  stops: Stops,
  pids: number[],
  log: Log,
): Promise<void> {
  services.redis = await redisFromOptions(options, stops, pids, log);
  services.upstash = await upstashFor(services.redis, options, options.upstashPort, stops, log);
  if (options.redisReplica) {
    const replica = await startRedisServer({
      replicaOf: { host: services.redis.host, port: services.redis.port },
      ...(options.redisBinary ? { binary: options.redisBinary } : {}),
    });
    stops.push({ what: `redis replica on ${replica.port}`, stop: replica.stop });
    pids.push(replica.pid);
    log(`started redis replica on ${replica.url} (replicaof ${services.redis.port})`);
    services.redisReplica = {
      url: replica.url,
      host: replica.host,
      port: replica.port,
      server: replica,
    };
    services.upstashReplica = await upstashFor(
      services.redisReplica,
      options,
      undefined,
      stops,
      log,
    );
  }
}

/** Postgres (and on request a logical replica) behind one Neon endpoint allowed to reach them. */
async function startPostgresSide(
  options: LocalServicesOptions,
  services: Started,
  stops: Stops,
  pids: number[],
  log: Log,
): Promise<void> {
  const logical = options.postgresLogicalReplica;
  if (logical && options.postgresUrl) {
    throw new Error(
      "postgresLogicalReplica needs a primary this launcher starts (wal_level=logical, " +
        "and no replication slot left on a shared server): drop postgresUrl",
    );
  }
  services.postgres = await postgresFromOptions(options, Boolean(logical), stops, pids, log);
  const allow = [hostPort(services.postgres.host, services.postgres.port)];
  if (logical) {
    const secondary = await startPostgresServer({ ...options.postgres });
    stops.push({ what: `postgres replica on ${secondary.port}`, stop: () => secondary.stop() });
    pids.push(secondary.pid);
    log(`started postgres (logical replica) on ${secondary.url}`);
    services.postgresReplica = postgresInfo(secondary.url, secondary);
    const primary = services.postgres.server;
    if (!primary) throw new Error("unreachable: logical replication without a started primary");
    services.logicalReplication = await wireLogicalReplication(
      primary,
      secondary,
      logical === true ? {} : logical,
    );
    log(
      `logical replication ${services.logicalReplication.name}: ${services.logicalReplication.tables.join(", ")}`,
    );
    allow.push(hostPort(secondary.host, secondary.port));
  }
  const endpoint = await startNeonEndpoint({
    allow,
    ...(options.neonPort === undefined ? {} : { port: options.neonPort }),
  });
  stops.push({ what: "neon endpoint", stop: endpoint.close });
  log(`neon endpoint: ws proxy ${endpoint.wsProxy}, sql ${endpoint.fetchEndpoint}`);
  services.neon = {
    wsProxy: endpoint.wsProxy,
    fetchEndpoint: endpoint.fetchEndpoint,
    endpoint,
  };
}

async function redisFromOptions(
  options: LocalServicesOptions,
  stops: Stops,
  pids: number[],
  log: (line: string) => void,
): Promise<RedisInfo> {
  if (options.redisUrl) {
    const url = new URL(options.redisUrl);
    return { url: options.redisUrl, host: url.hostname, port: Number(url.port || 6379) };
  }
  const server = await startRedisServer(options.redisBinary ? { binary: options.redisBinary } : {});
  stops.push({ what: `redis on ${server.port}`, stop: server.stop });
  pids.push(server.pid);
  log(`started redis on ${server.url}`);
  return { url: server.url, host: server.host, port: server.port, server };
}

async function upstashFor(
  redis: RedisInfo,
  options: LocalServicesOptions,
  port: number | undefined,
  stops: Stops,
  log: (line: string) => void,
): Promise<UpstashInfo> {
  const endpoint = await startUpstashEndpoint({
    redisUrl: redis.url,
    ...(options.upstashToken ? { token: options.upstashToken } : {}),
    ...(port === undefined ? {} : { port }),
  });
  stops.push({ what: `upstash endpoint for ${redis.url}`, stop: endpoint.close });
  log(`upstash endpoint ${endpoint.url} → ${redis.url}`);
  return { url: endpoint.url, token: endpoint.token, endpoint };
}

async function postgresFromOptions(
  options: LocalServicesOptions,
  logical: boolean,
  stops: Stops,
  pids: number[],
  log: (line: string) => void,
): Promise<PostgresInfo> {
  if (options.postgresUrl) return postgresInfo(options.postgresUrl);
  const server = await startPostgresServer({ ...options.postgres, logical });
  stops.push({ what: `postgres on ${server.port}`, stop: () => server.stop() });
  pids.push(server.pid);
  log(`started postgres on ${server.url}${logical ? " (wal_level=logical)" : ""}`);
  return postgresInfo(server.url, server);
}

function postgresInfo(url: string, server?: PostgresServer): PostgresInfo {
  const parsed = new URL(url.replace(/^postgres(ql)?:/, "http:"));
  const target = parseTarget(`${parsed.hostname}:${parsed.port || 5432}`);
  if (!target) throw new Error(`not a Postgres URL with host and port: ${url}`);
  return {
    url,
    host: target.host.replace(/^\[|\]$/g, ""),
    port: target.port,
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    ...(server ? { server } : {}),
  };
}

/** SIGINT/SIGTERM → stop, then exit with 128 + signal number. */
function signalHandlers(stop: () => Promise<void>, log: (line: string) => void) {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) return;
    received = true;
    log(`${signal}: stopping local services`);
    const code = signal === "SIGINT" ? 130 : 143;
    // A second signal while stopping is ignored; the stop is bounded in time.
    stop().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  let installed = false;
  return {
    install() {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      installed = true;
    },
    remove() {
      if (!installed) return;
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      installed = false;
    },
  };
}
