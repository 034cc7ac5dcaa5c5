export type { ApiKeyInfo, ApiKeyRecord, NewApiKey } from "./apikeys.js";
export type { ApplyOutcome, ApplyReport } from "./apply.js";
export type { RetryResult } from "./apply-retry.js";
export type { ConsumeReport, MessagesReport } from "./consume.js";
export type { StoreContext, StoreOptions, StoreTransit } from "./context.js";
export { type CounterRow, LATENCY_BUCKETS, type Labels, labelKey } from "./counters.js";
export type { ApplyFailure, DeadLetter } from "./dead-letters.js";
export type { DecrementResult } from "./decrement.js";
export { type HeldEvent, heldForm } from "./events.js";
export {
  type Memory,
  type MemoryFields,
  type MemoryFieldsInput,
  type MemoryPatch,
  type MemorySnapshot,
  memoryFieldRules,
  memoryFieldsSchema,
  memoryPatchSchema,
  memorySnapshotSchema,
} from "./memory.js";
export { MIGRATIONS, migrate } from "./migrations.js";
export type { RelayReport } from "./outbox.js";
export type { Axis, FoundMemory, MemoryQuery } from "./queries.js";
export type { MemoryFilter, MemoryPage, TeamScope } from "./reads.js";
export {
  checkIdentifier,
  inTransaction,
  type SqlClient,
  type SqlPool,
  type SqlResult,
  withClient,
} from "./sql.js";
export { createStore, type Store } from "./store.js";
export {
  type CreateOptions,
  IdempotencyConflictError,
  idForIdempotencyKey,
  MemoryNotFoundError,
  type WriteResult,
} from "./write.js";
