import {
  type BackendConfigReport,
  backendMismatch,
  ConfigError,
  type ConfigIssue,
  type MemoriaConfig,
  type SyncBackendDescriptor,
} from "@memoria/sync-core";
import { createRedisClient } from "./client.js";
import { createRedisLease, type RedisLease } from "./lease.js";
import { redisClientOptions } from "./options.js";
import { createRedisTransport, type RedisTransport } from "./transport.js";

/** `<sync.channel>:lease:<name>`, beside the stream it coordinates. */
export function leaseKey(channel: string, name: string): string {
  return `${channel}:lease:${name}`;
}

/**
 * Redis Streams over Upstash REST. The stream is `sync.channel`, trimmed to about
 * `sync.retention_events`; the consumer group is the region id; leases are
 * `<sync.channel>:lease:<name>`. Every region of one deployment shares the channel, so
 * they share the stream and contend for the same leases.
 */
const HOW_TO_CONNECT =
  "the edge speaks to Redis through the Upstash REST URL (https://…) and its token; see docs/operations.md";

export const redisBackend: SyncBackendDescriptor<"redis", RedisTransport, RedisLease> = {
  name: "redis",
  // REST cannot block: regions poll, and a peer's hint cuts the wait.
  capabilities: { delivery: "pull", leases: true, wakeHints: true },
  howToConnect: HOW_TO_CONNECT,
  validate,
  connect(config, deps = {}) {
    const report = validate(config);
    if (report.issues.length > 0) throw new ConfigError(report.issues);
    const redis = createRedisClient({
      url: config.sync.connection_url as string,
      token: config.sync.token as string,
      ...redisClientOptions(config).client,
    });
    const transport = createRedisTransport({
      redis,
      stream: config.sync.channel,
      group: deps.region ?? config.region.id,
      retentionEvents: config.sync.retention_events,
      ...(deps.consumer === undefined ? {} : { consumer: deps.consumer }),
      ...(deps.claimIdleMs === undefined ? {} : { claimIdleMs: deps.claimIdleMs }),
      ...(deps.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: deps.healthTimeoutMs }),
    });
    return {
      transport,
      lease: (name) => createRedisLease({ redis, key: leaseKey(config.sync.channel, name) }),
      warnings: report.warnings,
      // Nothing to release: every command is its own fetch.
      close: async () => undefined,
    };
  },
};

/** Names the missing or wrong key, never the secret value. */
function validate(config: MemoriaConfig): BackendConfigReport {
  const options = redisClientOptions(config);
  return {
    issues: [...backendMismatch(config, "redis"), ...connectionIssues(config), ...options.issues],
    warnings: options.warnings,
  };
}

function connectionIssues(config: MemoriaConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const url = config.sync.connection_url;
  if (url === undefined) {
    issues.push({ key: "sync.connection_url", message: "is required for the redis backend" });
  } else if (!/^https?:\/\//i.test(url)) {
    issues.push({
      key: "sync.connection_url",
      message: `must be the Upstash REST URL (https://…), not redis:// (Workers have no TCP client): ${HOW_TO_CONNECT}`,
    });
  }
  if (config.sync.token === undefined) {
    issues.push({
      key: "sync.token",
      message: "is required for the redis backend (Upstash REST token)",
    });
  }
  return issues;
}
