import type { Keyring, SyncEvent, SyncTransport, TransportMessage } from "@memoria/sync-core";
import {
  createApiKey,
  findApiKey,
  listApiKeys,
  type NewApiKey,
  revokeApiKey,
  touchApiKey,
} from "./apikeys.js";
import { applyEvents } from "./apply.js";
import { retryDeadLetter } from "./apply-retry.js";
import { applyMessages, consumeOnce } from "./consume.js";
import { type StoreContext, type StoreOptions, storeContext } from "./context.js";
import { readCounters, readEventTotals } from "./counters.js";
import { recordSyncCycle } from "./cycle-record.js";
import { countDeadLetters, discardDeadLetter, listDeadLetters } from "./dead-letters.js";
import { latestDecrementDate, runDecrement } from "./decrement.js";
import { classifyMessages } from "./dry-run.js";
import type { MemoryFieldsInput, MemoryPatch } from "./memory.js";
import { migrate } from "./migrations.js";
import { countLiveByTeam } from "./namespace-counts.js";
import { countUnpublished, type RelayOptions, relayOutbox } from "./outbox.js";
import { type MemoryQuery, queryMemories } from "./queries.js";
import {
  appliedWatermarks,
  getMemory,
  listMemories,
  type MemoryFilter,
  type TeamScope,
} from "./reads.js";
import { redactOutsideBand } from "./redact.js";
import {
  readMetadata,
  readSettings,
  readSettingsIfChanged,
  writeMetadata,
  writeSettings,
} from "./settings.js";
import { withClient } from "./sql.js";
import { type CreateOptions, createMemory, deleteMemory, updateMemory } from "./write.js";

/**
 * The regional store: one object per request (cheap: it holds the request's pool and
 * this region's context), its operations grouped as memory, sync and administration.
 */
export function createStore(options: StoreOptions) {
  const ctx: StoreContext = storeContext(options);
  return {
    context: ctx,
    ...memoryOperations(ctx),
    ...syncOperations(ctx),
    ...adminOperations(ctx),
  };
}

function memoryOperations(ctx: StoreContext) {
  return {
    migrate: () => migrate(ctx.pool, ctx.schema),
    createMemory: (input: MemoryFieldsInput, options?: CreateOptions) =>
      createMemory(ctx, input, options),
    updateMemory: (id: string, patch: MemoryPatch, teams?: TeamScope) =>
      updateMemory(ctx, id, patch, teams),
    deleteMemory: (id: string, teams?: TeamScope) => deleteMemory(ctx, id, teams),
    /** Redacts peers' records outside `band` (defaults to this store's band). */
    redactOutsideBand: (band = ctx.band) => redactOutsideBand(ctx, band),
    getMemory: (id: string, teams?: TeamScope) => getMemory(ctx, id, teams),
    appliedWatermarks: () => appliedWatermarks(ctx),
    listMemories: (filter: MemoryFilter) => listMemories(ctx, filter),
    /** Upstream's query routes (recent, search, spatial, time-range, anchor); see `queries.ts`. */
    queryMemories: (query: MemoryQuery) => queryMemories(ctx, query),
  };
}

/** Replication: apply, replay, dead letters, relay, consume, the decrement. */
function syncOperations(ctx: StoreContext) {
  return {
    applyEvents: (events: readonly SyncEvent[], receivedAt?: number) =>
      applyEvents(ctx, events, receivedAt),
    /** Parse, verify, apply and count rejections: what catch-up does with replayed entries. */
    applyMessages: (messages: readonly TransportMessage[], keyring: Keyring) =>
      applyMessages(ctx, messages, keyring),
    /** What `applyMessages` would report, with nothing kept (`dry-run.ts`): catch-up `--dry-run`. */
    classifyMessages: (messages: readonly TransportMessage[], keyring: Keyring) =>
      classifyMessages(ctx, messages, keyring),
    /** Verified events that could not be applied (`dead-letters.ts`), oldest first. */
    listDeadLetters: (limit?: number) => listDeadLetters(ctx, limit),
    countDeadLetters: () => countDeadLetters(ctx),
    retryDeadLetter: (id: string) => retryDeadLetter(ctx, id),
    discardDeadLetter: (id: string) => discardDeadLetter(ctx, id),
    relayOutbox: (transport: SyncTransport, options?: RelayOptions) =>
      relayOutbox(ctx, transport, options),
    consumeOnce: (transport: SyncTransport, keyring: Keyring, limit?: number) =>
      consumeOnce(ctx, transport, keyring, limit),
    runDecrement: (date: string, fencingToken: number) => runDecrement(ctx, date, fencingToken),
    latestDecrementDate: () => latestDecrementDate(ctx),
    countUnpublished: () => countUnpublished(ctx),
    /** Live records per team space (`/metrics`); one bounded scan of the namespace. */
    countLiveByTeam: () => countLiveByTeam(ctx),
    counters: () => withClient(ctx.pool, (client) => readCounters(client, ctx.s)),
    /** Events published and applied, summed (`/health/sync`'s `events`). */
    eventTotals: () => withClient(ctx.pool, (client) => readEventTotals(client, ctx.s)),
  };
}

/** Keys, settings, metadata, counters, health. */
function adminOperations(ctx: StoreContext) {
  return {
    createApiKey: (input: NewApiKey) => createApiKey(ctx, input),
    revokeApiKey: (id: string) => revokeApiKey(ctx, id),
    listApiKeys: () => listApiKeys(ctx),
    findApiKey: (hash: string) => findApiKey(ctx, hash),
    touchApiKey: (id: string) => touchApiKey(ctx, id),
    readSettings: () => readSettings(ctx),
    /** The settings' version, and the overrides when they changed since `known` (a per-isolate cache). */
    readSettingsIfChanged: (known: number | undefined) => readSettingsIfChanged(ctx, known),
    writeSettings: (overrides: Record<string, unknown>) => writeSettings(ctx, overrides),
    readMetadata: (key: string) => readMetadata(ctx, key),
    /** A sync cycle's report and its time per stage (`cycle-record.ts`). */
    recordSyncCycle: (
      report: unknown,
      stageSeconds: Readonly<Record<string, number>>,
      cycles?: number,
    ) => recordSyncCycle(ctx, report, stageSeconds, cycles),
    writeMetadata: (key: string, value: unknown) => writeMetadata(ctx, key, value),
    /** True when the database answers. */
    ping: () =>
      withClient(
        ctx.pool,
        async (client) => (await client.query("select 1 as ok")).rows[0]?.ok === 1,
      ),
  };
}

export type Store = ReturnType<typeof createStore>;
