import { ConfigError, type ConfigIssue, type MemoriaConfig } from "@memoria/sync-core";
import { createRedisClient, type Redis } from "./client.js";
import { createRedisLease, type RedisLease } from "./lease.js";
import { createRedisTransport, type RedisTransport } from "./transport.js";

/**
 * The Redis client described by `sync.connection_url` (the Upstash REST URL) and
 * `sync.token`. Throws `ConfigError` naming the key (never the secret value) when either
 * is missing or the URL is not an http(s) REST URL.
 */
export function redisClientFromConfig(config: MemoriaConfig): Redis {
  const issues: ConfigIssue[] = [];
  const url = config.sync.connection_url;
  const token = config.sync.token;
  if (url === undefined) {
    issues.push({ key: "sync.connection_url", message: "is required for the redis backend" });
  } else if (!/^https?:\/\//i.test(url)) {
    issues.push({
      key: "sync.connection_url",
      message:
        "must be the Upstash REST URL (https://…); redis:// URLs need a TCP client, which Workers do not have",
    });
  }
  if (token === undefined) {
    issues.push({
      key: "sync.token",
      message: "is required for the redis backend (Upstash REST token)",
    });
  }
  if (issues.length > 0 || url === undefined || token === undefined) throw new ConfigError(issues);
  return createRedisClient({ url, token });
}

export interface RedisTransportFromConfigOptions {
  /** Consumer group. @default config `region.id` */
  region?: string;
  /** Consumer name, one per isolate or process. @default `c-<random>` */
  consumer?: string;
  /** A client to share; one is built from `sync.connection_url` / `sync.token` otherwise. */
  redis?: Redis;
  /** @default 30000 */
  claimIdleMs?: number;
  /** @default "beginning" */
  newGroupStart?: "beginning" | "end";
  /** @default 5000 */
  healthTimeoutMs?: number;
}

/**
 * The transport the config describes: stream `sync.channel`, `MAXLEN ~ sync.retention_events`,
 * group = the region id.
 */
export function redisTransportFromConfig(
  config: MemoriaConfig,
  options: RedisTransportFromConfigOptions = {},
): RedisTransport {
  if (config.sync.backend !== "redis") {
    throw new ConfigError([
      { key: "sync.backend", message: `is "${config.sync.backend}", not "redis"` },
    ]);
  }
  return createRedisTransport({
    redis: options.redis ?? redisClientFromConfig(config),
    stream: config.sync.channel,
    group: options.region ?? config.region.id,
    retentionEvents: config.sync.retention_events,
    ...(options.consumer === undefined ? {} : { consumer: options.consumer }),
    ...(options.claimIdleMs === undefined ? {} : { claimIdleMs: options.claimIdleMs }),
    ...(options.newGroupStart === undefined ? {} : { newGroupStart: options.newGroupStart }),
    ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
  });
}

/** `<sync.channel>:lease:<name>`, beside the stream it coordinates. */
export function leaseKey(channel: string, name: string): string {
  return `${channel}:lease:${name}`;
}

/**
 * The leader lease for one job (`scheduler` by default: the daily decrement), keyed
 * `<sync.channel>:lease:<name>` with its fencing counter at `…:fence`. Every region of
 * one deployment shares the channel, so they contend for the same lease.
 */
export function redisLeaseFromConfig(
  config: MemoriaConfig,
  options: { name?: string; redis?: Redis } = {},
): RedisLease {
  return createRedisLease({
    redis: options.redis ?? redisClientFromConfig(config),
    key: leaseKey(config.sync.channel, options.name ?? "scheduler"),
  });
}
