import {
  type BackendConfigReport,
  type ClientOptionTable,
  type MemoriaConfig,
  readClientOptions,
} from "@memoria/sync-core";
import type { RedisClientOptions } from "./client.js";

const TLS = "TLS comes from the https:// of sync.connection_url (Upstash REST)";
const TIMEOUT = "each command is one HTTPS request: use sync.options.timeoutMs";

/**
 * `sync.options` for the redis backend: the `@upstash/redis` constructor's own options,
 * and the Python original's `redis.from_url` keywords that have no meaning over REST.
 * The README's table is this object in prose.
 */
export const REDIS_OPTIONS: ClientOptionTable = {
  accepted: {
    retries: "integer",
    backoffMs: "integer",
    timeoutMs: "integer",
    retry_on_timeout: "boolean",
    readYourWrites: "boolean",
    keepAlive: "boolean",
    latencyLogging: "boolean",
    enableTelemetry: "boolean",
    enableAutoPipelining: "boolean",
  },
  edgeEquivalents: {
    ssl: TLS,
    ssl_cert_reqs: TLS,
    ssl_ca_certs: TLS,
    socket_timeout: TIMEOUT,
    socket_connect_timeout: TIMEOUT,
    socket_keepalive: "use sync.options.keepAlive (HTTP keep-alive)",
    health_check_interval: "there is no connection to check; /health/sync probes the stream",
    max_connections: "each command is its own fetch, there is no pool",
    decode_responses: "stream bodies always come back as the exact strings written",
    encoding: "stream bodies always come back as the exact strings written",
    db: "Upstash serves one database per REST URL: choose it with sync.connection_url",
    username: "the REST token (sync.token) authenticates",
    password: "the REST token (sync.token) authenticates",
    client_name: "REST requests carry no client name",
  },
};

export interface RedisOptionsRead extends BackendConfigReport {
  client: Omit<RedisClientOptions, "url" | "token">;
}

/** `sync.options` as client options; `sync.connect_kwargs` (Postgres keywords) only warns. */
export function redisClientOptions(config: MemoriaConfig): RedisOptionsRead {
  const read = readClientOptions("sync.options", config.sync.options, REDIS_OPTIONS);
  const v = read.values;
  const flag = (name: string) => (typeof v[name] === "boolean" ? (v[name] as boolean) : undefined);
  const int = (name: string) => (typeof v[name] === "number" ? (v[name] as number) : undefined);
  const client: RedisOptionsRead["client"] = {};
  // retry_on_timeout = false (redis-py) means "do not retry"; an explicit `retries` wins.
  const retries = int("retries") ?? (flag("retry_on_timeout") === false ? 0 : undefined);
  const fields = {
    retries,
    backoffMs: int("backoffMs"),
    timeoutMs: int("timeoutMs"),
    readYourWrites: flag("readYourWrites"),
    keepAlive: flag("keepAlive"),
    latencyLogging: flag("latencyLogging"),
    enableTelemetry: flag("enableTelemetry"),
    enableAutoPipelining: flag("enableAutoPipelining"),
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) Object.assign(client, { [name]: value });
  }
  const kwargs = Object.keys(config.sync.connect_kwargs).map(
    (name) =>
      `sync.connect_kwargs.${name}: a Postgres connection keyword, not read by the redis backend (it reads sync.options)`,
  );
  return { client, issues: read.issues, warnings: [...read.warnings, ...kwargs] };
}
