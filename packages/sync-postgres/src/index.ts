export {
  type FromConfigOptions,
  postgresLeaseFromConfig,
  postgresTransportFromConfig,
} from "./config.js";
export {
  compareCursors,
  comparePositions,
  formatCursor,
  ORIGIN,
  type Position,
  parseCursor,
} from "./cursor.js";
export { ensureJournal, journalDdl, journalExists, journalStatements } from "./ddl.js";
export { MAX_LEASE_TTL_MS, PostgresLeaderLease, type PostgresLeaseOptions } from "./lease.js";
export { type JournalNames, journalNames, MAX_TABLE_NAME } from "./names.js";
export type { SqlClient, SqlNotification, SqlPool, SqlResult } from "./sql.js";
export {
  type ListenOptions,
  MAX_BATCH,
  PostgresTransport,
  type PostgresTransportOptions,
} from "./transport.js";
