import type { Keyring, SyncEvent, SyncTransport, TransportMessage } from "@memoria/sync-core";
import { applyEvents } from "./apply.js";
import { applyMessages, consumeOnce } from "./consume.js";
import { type StoreContext, type StoreOptions, storeContext } from "./context.js";
import { readCounters } from "./counters.js";
import { latestDecrementDate, runDecrement } from "./decrement.js";
import type { MemoryFieldsInput, MemoryPatch } from "./memory.js";
import { migrate } from "./migrations.js";
import { countUnpublished, relayOutbox } from "./outbox.js";
import { appliedWatermarks, getMemory, listMemories, type MemoryFilter } from "./reads.js";
import { redactOutsideBand } from "./redact.js";
import { readMetadata, readSettings, writeMetadata, writeSettings } from "./settings.js";
import { withClient } from "./sql.js";
import { type CreateOptions, createMemory, deleteMemory, updateMemory } from "./write.js";

/** The regional store: one object per request (its pool belongs to the request in workerd). */
export function createStore(options: StoreOptions) {
  const ctx: StoreContext = storeContext(options);
  return {
    context: ctx,
    migrate: () => migrate(ctx.pool, ctx.schema),
    createMemory: (input: MemoryFieldsInput, options?: CreateOptions) =>
      createMemory(ctx, input, options),
    updateMemory: (id: string, patch: MemoryPatch) => updateMemory(ctx, id, patch),
    deleteMemory: (id: string) => deleteMemory(ctx, id),
    /** Redacts peers' records outside `band` (defaults to this store's band). */
    redactOutsideBand: (band = ctx.band) => redactOutsideBand(ctx, band),
    getMemory: (id: string) => getMemory(ctx, id),
    appliedWatermarks: () => appliedWatermarks(ctx),
    listMemories: (filter: MemoryFilter) => listMemories(ctx, filter),
    applyEvents: (events: readonly SyncEvent[], receivedAt?: number) =>
      applyEvents(ctx, events, receivedAt),
    /** Parse, verify, apply and count rejections: what catch-up does with replayed entries. */
    applyMessages: (messages: readonly TransportMessage[], keyring: Keyring) =>
      applyMessages(ctx, messages, keyring),
    relayOutbox: (transport: SyncTransport, limit?: number) => relayOutbox(ctx, transport, limit),
    consumeOnce: (transport: SyncTransport, keyring: Keyring, limit?: number) =>
      consumeOnce(ctx, transport, keyring, limit),
    runDecrement: (date: string, fencingToken: number) => runDecrement(ctx, date, fencingToken),
    latestDecrementDate: () => latestDecrementDate(ctx),
    countUnpublished: () => countUnpublished(ctx),
    counters: () => withClient(ctx.pool, (client) => readCounters(client, ctx.s)),
    readSettings: () => readSettings(ctx),
    writeSettings: (overrides: Record<string, unknown>) => writeSettings(ctx, overrides),
    readMetadata: (key: string) => readMetadata(ctx, key),
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
