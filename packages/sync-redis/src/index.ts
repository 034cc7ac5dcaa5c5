export { leaseKey, redisBackend } from "./backend.js";
export {
  createRedisClient,
  Redis,
  type RedisClientOptions,
  requireRawClient,
} from "./client.js";
export { createRedisLease, type RedisLease, type RedisLeaseOptions } from "./lease.js";
export { REDIS_OPTIONS, type RedisOptionsRead, redisClientOptions } from "./options.js";
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
