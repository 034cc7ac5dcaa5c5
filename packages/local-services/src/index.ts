/**
 * @memoria/local-services: dev and test only, never deployed. Endpoints that
 * speak Upstash's REST protocol and Neon's WebSocket/HTTP protocols in front of
 * REAL Redis and PostgreSQL servers, and a launcher for those servers. Every
 * server binds 127.0.0.1 only. Node only: workerd code imports
 * `@memoria/local-services/client` instead.
 */
export {
  type ConfigureNeonOptions,
  configureNeonForLocal,
  type LocalNeonTarget,
  type LocalUpstashTarget,
  type NeonConfigTarget,
} from "./client";
export {
  type LocalServices,
  type LocalServicesOptions,
  type NeonInfo,
  type PostgresInfo,
  type RedisInfo,
  startLocalServices,
  type UpstashInfo,
} from "./launcher/launcher";
export {
  DEFAULT_JOURNAL_SCHEMA_SQL,
  type LogicalReplication,
  type LogicalReplicationOptions,
  wireLogicalReplication,
} from "./launcher/logical-replication";
export {
  type PostgresServer,
  type PostgresServerOptions,
  startPostgresServer,
} from "./launcher/postgres-server";
export {
  type RedisServer,
  type RedisServerOptions,
  redisCommand,
  startRedisServer,
} from "./launcher/redis-server";
export { type NeonEndpoint, type NeonEndpointOptions, startNeonEndpoint } from "./neon/endpoint";
export {
  startUpstashEndpoint,
  type UpstashEndpoint,
  type UpstashEndpointOptions,
} from "./upstash/endpoint";
