export {
  createRedisClient,
  Redis,
  type RedisClientOptions,
  requireRawClient,
} from "./client.js";
export {
  leaseKey,
  type RedisTransportFromConfigOptions,
  redisClientFromConfig,
  redisLeaseFromConfig,
  redisTransportFromConfig,
} from "./config.js";
export { createRedisLease, type RedisLease, type RedisLeaseOptions } from "./lease.js";
export { compareStreamIds, isStreamId, STREAM_ID_PATTERN, streamIdMs } from "./stream-id.js";
export {
  createRedisTransport,
  DEFAULT_BODY_FIELD,
  DEFAULT_CLAIM_IDLE_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_REPLAY_LIMIT,
  DEFAULT_RETENTION_EVENTS,
  MAX_PAGE,
  type RedisTransport,
  type RedisTransportBatch,
  type RedisTransportHealth,
  type RedisTransportOptions,
} from "./transport.js";
