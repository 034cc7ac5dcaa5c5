export { postgresBackend } from "./backend.js";
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
export {
  DEFAULT_POOL_MAX,
  POSTGRES_OPTIONS,
  type PostgresOptionsRead,
  postgresPoolOptions,
} from "./options.js";
export type { SqlClient, SqlNotification, SqlPool, SqlResult } from "./sql.js";
export {
  MAX_BATCH,
  PostgresTransport,
  type PostgresTransportOptions,
} from "./transport.js";
